"""Data keys of subjects: made, wrapped, unwrapped and destroyed through a key provider.

A :class:`Keyring` lives for one unit of work: it caches unwrapped keys of the subjects it
touches, and forgets a key the moment the subject is erased.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from kluis.crypto import BlindIndexer, Cipher, KeyProvider, new_data_key
from kluis.vault.errors import SubjectNotFound
from kluis.vault.models import SubjectKey

_CHUNK = 500
# Core statements: reading one key is on the path of every show.
_KEY = cast(Table, SubjectKey.__table__)
_KEYS = select(_KEY.c.subject_id, _KEY.c.kek_id, _KEY.c.wrapped)
_KEY_OF = _KEYS.where(_KEY.c.subject_id == bindparam("subject_id"))
#: Keys destroyed per statement: a retention run's batch of thousands in one or two.
_DESTROY_CHUNK = 5000
_DESTROY = delete(_KEY).where(_KEY.c.subject_id.in_(bindparam("ids", expanding=True)))


class Keyring:
    """Subjects' ciphers and blind indexes, over a :class:`KeyProvider`."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self.indexer = BlindIndexer(provider.index_secret())
        self._ciphers: dict[uuid.UUID, Cipher] = {}

    def index(self, kind: str, value: str) -> bytes:
        """The blind index of a value already in its index form."""
        return self.indexer.digest(kind, value)

    def create(self, subject_id: uuid.UUID, at: datetime) -> tuple[Cipher, dict[str, object]]:
        """A new data key for a new subject: its cipher, and the key-store row to insert."""
        key = new_data_key()
        kek_id, wrapped = self.provider.wrap(key, context=subject_id.bytes)
        cipher = Cipher(key)
        self._ciphers[subject_id] = cipher
        row = {"subject_id": subject_id, "kek_id": kek_id, "wrapped": wrapped, "created_at": at}
        return cipher, row

    def ciphers(
        self, session: Session, subject_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Cipher]:
        """The ciphers of ``subject_ids`` that still have a key (an erased subject has none)."""
        wanted = [sid for sid in dict.fromkeys(subject_ids) if sid not in self._ciphers]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            if len(chunk) == 1:  # one subject (a show): the prepared statement, no IN list
                rows = session.execute(_KEY_OF, {"subject_id": chunk[0]})
            else:
                rows = session.execute(_KEYS.where(_KEY.c.subject_id.in_(chunk)))
            for subject_id, kek_id, wrapped in rows:
                key = self.provider.unwrap(kek_id, wrapped, context=subject_id.bytes)
                self._ciphers[subject_id] = Cipher(key)
        return {sid: self._ciphers[sid] for sid in subject_ids if sid in self._ciphers}

    def cipher(self, session: Session, subject_id: uuid.UUID) -> Cipher:
        """The cipher of one subject; :class:`SubjectNotFound` if its key is gone."""
        found = self.ciphers(session, [subject_id]).get(subject_id)
        if found is None:
            raise SubjectNotFound(
                "subject {subject} has no data key: it was erased", subject=str(subject_id)
            )
        return found

    def destroy(self, session: Session, subject_ids: Iterable[uuid.UUID]) -> int:
        """Delete the data keys of ``subject_ids`` (crypto-shredding); how many were deleted."""
        ids = list(subject_ids)
        for subject_id in ids:
            self._ciphers.pop(subject_id, None)
        deleted = 0
        for start in range(0, len(ids), _DESTROY_CHUNK):
            result = session.execute(_DESTROY, {"ids": ids[start : start + _DESTROY_CHUNK]})
            deleted += result.rowcount  # type: ignore[attr-defined]
        return deleted
