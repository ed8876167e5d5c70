"""Key rotation: a new key-encryption key (KEK), and every data key rewrapped under it.

Rotation never decrypts a field value. It unwraps each subject's data key with the KEK that
wrapped it and wraps the same key again with the current KEK, a batch at a time, each batch in
a transaction of its own: readers go on working throughout, because the key file keeps every
older KEK while any data key still uses it. A rotation that is stopped half-way is finished by
running it again (:func:`pending_keys` tells whether one is unfinished).

An old KEK leaves the key file only when no data key uses it *and* it was retired at least
``keep_days`` ago: a copy of the key store made before the rotation holds data keys wrapped by
it, and such copies are kept at most that many days (see :mod:`kluis.backup`).

The users' second-factor secrets are wrapped by the same KEKs; ``kluis keys rotate`` rewraps
them after the data keys (:func:`kluis.users.auth.seal_totp_secrets`), and a KEK that still
wraps one is in use (:func:`wrapped_counts`).

The caller owns the transactions; nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import NotAllowed
from kluis.crypto import (
    KeyMaterial,
    KeyProvider,
    read_key_file,
    rotate_key_material,
    write_key_file,
)
from kluis.users.auth import totp_key_counts
from kluis.vault.models import SubjectKey

#: Data keys rewrapped per transaction: small enough that a batch holds the write lock briefly.
BATCH: Final = 1000


@dataclass(frozen=True)
class KekStatus:
    """One KEK as the key file and the key store see it."""

    kek_id: str
    #: ``None`` when the key file does not hold this KEK (data keys wrapped by it are lost).
    created: date | None
    retired: date | None
    keys: int
    current: bool
    #: Second-factor secrets of users it wraps (see :func:`kluis.users.auth.seal_totp_secrets`).
    secrets: int = 0

    @property
    def held(self) -> bool:
        """Whether the key file holds this KEK."""
        return self.created is not None


def require_admin(actor: Actor) -> None:
    """Only an administrator manages keys and backups."""
    if not actor.is_admin:
        raise NotAllowed("only an administrator may manage keys and backups")


def key_counts(session: Session) -> dict[str, int]:
    """How many data keys each KEK wraps."""
    rows = session.execute(
        select(SubjectKey.kek_id, func.count()).group_by(SubjectKey.kek_id)
    ).all()
    return {str(kek_id): int(count) for kek_id, count in rows}


def wrapped_counts(session: Session) -> dict[str, int]:
    """How many data keys and second-factor secrets each KEK wraps: a KEK is in use while
    any remains."""
    counts = key_counts(session)
    for kek_id, count in totp_key_counts(session).items():
        counts[kek_id] = counts.get(kek_id, 0) + count
    return counts


def kek_status(session: Session, material: KeyMaterial) -> list[KekStatus]:
    """Every KEK of the key file and of the database, oldest first."""
    counts = key_counts(session)
    secrets = totp_key_counts(session)
    statuses = [
        KekStatus(
            kek_id=kek_id,
            created=kek.created,
            retired=kek.retired,
            keys=counts.get(kek_id, 0),
            current=kek_id == material.current,
            secrets=secrets.get(kek_id, 0),
        )
        for kek_id, kek in material.keks.items()
    ]
    statuses.sort(key=lambda status: (status.created or date.min, status.kek_id))
    missing = sorted((set(counts) | set(secrets)) - set(material.keks))
    return [
        *(
            KekStatus(
                kek_id,
                None,
                None,
                counts.get(kek_id, 0),
                current=False,
                secrets=secrets.get(kek_id, 0),
            )
            for kek_id in missing
        ),
        *statuses,
    ]


def pending_keys(session: Session, current_kek: str) -> int:
    """How many data keys are still wrapped by another KEK than ``current_kek``."""
    return session.execute(
        select(func.count()).select_from(SubjectKey).where(SubjectKey.kek_id != current_kek)
    ).scalar_one()


@dataclass(frozen=True)
class Rewrapped:
    """One batch of a rewrap: how many keys it rewrapped, and where the next batch starts."""

    count: int
    #: The last subject id looked at: pass it as ``after`` to the next batch.
    last: uuid.UUID | None

    def __bool__(self) -> bool:
        return self.count > 0


def rewrap_batch(
    session: Session,
    provider: KeyProvider,
    *,
    size: int = BATCH,
    after: uuid.UUID | None = None,
) -> Rewrapped:
    """Rewrap up to ``size`` data keys not yet under the current KEK, in subject-id order from
    ``after`` (the ``last`` of the previous batch), so each batch starts where the previous one
    stopped instead of reading past every key already done.

    Each row is updated only if it is still wrapped as it was read, so a key erased or
    rewrapped meanwhile by someone else is left as it is. A batch that rewraps nothing ends the
    pass; :func:`pending_keys` then tells whether keys written meanwhile behind it remain.
    """
    current = provider.current_kek
    query = select(SubjectKey.subject_id, SubjectKey.kek_id, SubjectKey.wrapped).where(
        SubjectKey.kek_id != current
    )
    if after is not None:
        query = query.where(SubjectKey.subject_id > after)
    rows = session.execute(
        query.order_by(SubjectKey.subject_id).limit(size).with_for_update()
    ).all()
    if not rows:
        return Rewrapped(0, None)
    changes: list[dict[str, object]] = []
    for subject_id, kek_id, wrapped in rows:
        context = subject_id.bytes
        key = provider.unwrap(kek_id, wrapped, context=context)
        new_kek, rewrapped = provider.wrap(key, context=context)
        changes.append(
            {"b_subject": subject_id, "b_old": kek_id, "b_kek": new_kek, "b_wrapped": rewrapped}
        )
    table = SubjectKey.__table__
    assert isinstance(table, Table)
    statement = (
        update(table)
        .where(table.c.subject_id == bindparam("b_subject"), table.c.kek_id == bindparam("b_old"))
        .values(kek_id=bindparam("b_kek"), wrapped=bindparam("b_wrapped"))
    )
    session.connection().execute(statement, changes)
    return Rewrapped(len(changes), rows[-1].subject_id)


def start_rotation(key_file: Path, today: date) -> KeyMaterial:
    """Add a new current KEK to the key file (written atomically); the new key material.

    The previous KEK stays in the file, marked retired today, so every data key can still be
    unwrapped while the rewrap runs.
    """
    material = rotate_key_material(read_key_file(key_file), today)
    write_key_file(key_file, material, replace_existing=True)
    return material


def forgettable(
    material: KeyMaterial, counts: Mapping[str, int], *, today: date, keep_days: int
) -> list[str]:
    """Old KEKs the key file may drop: unused (``counts`` from :func:`wrapped_counts`), and
    retired ``keep_days`` or more ago."""
    limit = today - timedelta(days=keep_days)
    return sorted(
        kek_id
        for kek_id, kek in material.keks.items()
        if kek_id != material.current
        and counts.get(kek_id, 0) == 0
        and (kek.retired or kek.created) <= limit
    )


def forget_keks(key_file: Path, material: KeyMaterial, kek_ids: list[str]) -> KeyMaterial:
    """Drop ``kek_ids`` (never the current KEK) from the key file, written atomically."""
    kept = {
        kek_id: kek
        for kek_id, kek in material.keks.items()
        if kek_id not in kek_ids or kek_id == material.current
    }
    trimmed = KeyMaterial(current=material.current, keks=kept, index_secret=material.index_secret)
    write_key_file(key_file, trimmed, replace_existing=True)
    return trimmed


@dataclass(frozen=True)
class Rotation:
    """What one run of a rotation did."""

    kek_id: str
    resumed: bool
    rewrapped: int
    keys: int
    forgotten: list[str]
    #: Second-factor secrets rewrapped (or wrapped for the first time).
    secrets: int = 0


def record_rotation(session: Session, actor: Actor, rotation: Rotation, *, at: datetime) -> None:
    """The audit entry of a rotation: KEK ids and counts, never key bytes."""
    require_admin(actor)
    record_event(
        session,
        actor,
        Event(
            "keys_rotate",
            detail={
                "kek": rotation.kek_id,
                "resumed": rotation.resumed,
                "rewrapped": rotation.rewrapped,
                "keys": rotation.keys,
                "forgotten": rotation.forgotten,
                "secrets": rotation.secrets,
            },
        ),
        at=at,
    )
