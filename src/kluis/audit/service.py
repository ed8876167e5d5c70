"""Appending to the audit log, proving it intact, and exporting it.

Each entry carries the SHA-256 of the entry before it, over a canonical JSON form of its own
fields, so changing or removing an entry breaks every hash after it. The head row holds the
newest sequence number and hash: appending locks it (``FOR UPDATE`` on PostgreSQL; SQLite
allows one writer), so two transactions can never both extend the same entry.

A unit of work that only reads may *defer* its entries (:func:`deferred_appends`): they are
collected instead of written, and the server appends the entries of many concurrent reads in
one transaction (:func:`append_batch`, group commit) before any of those reads answers.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from kluis.audit.models import AuditEntry, AuditHead
from kluis.core.actor import Actor
from kluis.storage.bulk import insert_tuples

GENESIS: Final = "0" * 64
_HEAD_ID: Final = 1


@dataclass(frozen=True)
class Event:
    """One thing to log: an action on a subject or record, with an optional reason."""

    action: str
    subject_id: uuid.UUID | None = None
    record_id: uuid.UUID | None = None
    activity: str | None = None
    reason: str | None = None
    detail: Mapping[str, object] | None = None


def _canonical(seq: int, at: datetime, actor: str, event: Event) -> bytes:
    """The canonical JSON form of an entry: sorted keys, no spaces, UTF-8 (as ``json.dumps``
    with ``sort_keys=True, separators=(",", ":"), ensure_ascii=False`` writes it)."""
    return _Canonical(at, actor)(seq, event)


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Canonical:
    """Canonical forms of the entries of one append: what they share is encoded once."""

    def __init__(self, at: datetime, actor: str) -> None:
        self._head = (
            f',"actor":{_json(actor)},"at":{_json(at.isoformat(timespec="microseconds"))},"detail":'
        )
        self._prefixes: dict[tuple[object, ...], str] = {}
        self._details: dict[int, tuple[Mapping[str, object], str]] = {}

    def _detail(self, detail: Mapping[str, object] | None) -> str:
        if not detail:
            return "null"
        found = self._details.get(id(detail))
        if found is None or found[0] is not detail:
            found = self._details[id(detail)] = (detail, _json(dict(detail)))
        return found[1]

    def __call__(self, seq: int, event: Event) -> bytes:
        detail = self._detail(event.detail)
        key = (event.action, event.activity, event.reason, detail)
        prefix = self._prefixes.get(key)
        if prefix is None:
            prefix = self._prefixes[key] = (
                f'{{"action":{_json(event.action)},"activity":{_json(event.activity)}'
                f'{self._head}{detail},"reason":{_json(event.reason)},"record":'
            )
        record = f'"{event.record_id}"' if event.record_id else "null"
        subject = f'"{event.subject_id}"' if event.subject_id else "null"
        return f'{prefix}{record},"seq":{seq},"subject":{subject}}}'.encode()


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, event: Event) -> str:
    """The hash of an entry: SHA-256 over the previous hash and the entry's canonical form."""
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(seq, at, actor, event)).hexdigest()


# Appending runs on every read of the vault, so it uses prepared Core statements rather
# than the ORM: a few tenths of a millisecond per request that a read would otherwise pay.
_ENTRY = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_HEAD_KEY = identity_key(AuditHead, _HEAD_ID)
_COLUMNS: Final = (
    "seq",
    "at",
    "actor",
    "action",
    "subject_id",
    "record_id",
    "activity",
    "reason",
    "detail",
    "prev_hash",
    "hash",
)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == _HEAD_ID).with_for_update()
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == _HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


_RAW_DETAIL: Final = frozenset({"detail"})


class _StoredDetails:
    """The stored form of the details of one append: converted once per detail object, so
    that a batch of thousands of entries sharing a few details (a retention run's) does not
    encode the same JSON thousands of times."""

    def __init__(self, session: Session) -> None:
        dialect = session.get_bind().dialect
        self._convert = _ENTRY.c.detail.type.dialect_impl(dialect).bind_processor(dialect)
        self._done: dict[int, tuple[Mapping[str, object], object]] = {}

    def __call__(self, detail: Mapping[str, object] | None) -> object:
        if not detail:
            return None
        found = self._done.get(id(detail))
        if found is None or found[0] is not detail:
            value = dict(detail)
            found = self._done[id(detail)] = (
                detail,
                self._convert(value) if self._convert is not None else value,
            )
        return found[1]


def _lock_head(session: Session) -> tuple[int, str]:
    """The head's sequence number and hash, locked until the transaction ends."""
    head = session.execute(_READ_HEAD).first()
    if head is None:
        session.execute(insert(_HEAD).values(id=_HEAD_ID, seq=0, hash=GENESIS))
        return 0, GENESIS
    return int(head.seq), str(head.hash)


@dataclass(frozen=True)
class Append:
    """Entries one actor appends at one moment (a moment in UTC): what a deferred unit of
    work leaves to be appended (:func:`deferred_appends`)."""

    actor: str
    events: tuple[Event, ...]
    at: datetime


#: The key of a session's deferred appends in ``Session.info``.
_DEFERRED: Final = "kluis.audit.deferred"


@contextmanager
def deferred_appends(session: Session) -> Iterator[list[Append]]:
    """Within the block, :func:`record_events` on ``session`` collects its entries in the
    list yielded instead of appending them; the caller appends them (:func:`append_batch`)
    and lets no result of the work out before they are committed. Only for work that writes
    nothing else: its transaction should be read-only, so that a write fails instead of
    committing apart from its entry."""
    collected: list[Append] = []
    session.info[_DEFERRED] = collected
    try:
        yield collected
    finally:
        session.info.pop(_DEFERRED, None)


def _moment(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a moment must be timezone-aware")
    # Hash the moment as it is stored and read back (UTC), whatever zone the caller used.
    return at.astimezone(UTC)


def record_events(session: Session, actor: Actor, events: Sequence[Event], *, at: datetime) -> int:
    """Append ``events`` in order, in the caller's transaction; the last sequence number
    (0 when the session defers its entries, see :func:`deferred_appends`)."""
    append = Append(actor.name, tuple(events), _moment(at))
    deferred: list[Append] | None = session.info.get(_DEFERRED)
    if deferred is not None:
        if append.events:
            deferred.append(append)
        return 0
    return append_batch(session, [append])


def append_batch(session: Session, appends: Sequence[Append]) -> int:
    """Append the entries of ``appends`` in order, under one lock of the head, in the
    caller's transaction; the last sequence number."""
    seq, previous = _lock_head(session)
    stored = _StoredDetails(session)
    rows: list[tuple[object, ...]] = []
    for append in appends:
        at = _moment(append.at)
        canonical = _Canonical(at, append.actor)
        for event in append.events:
            seq += 1
            digest = hashlib.sha256(previous.encode("ascii") + canonical(seq, event)).hexdigest()
            rows.append(
                (
                    seq,
                    at,
                    append.actor,
                    event.action,
                    event.subject_id,
                    event.record_id,
                    event.activity,
                    event.reason,
                    stored(event.detail),
                    previous,
                    digest,
                )
            )
            previous = digest
    if rows:
        insert_tuples(session, _ENTRY, _COLUMNS, rows, raw=_RAW_DETAIL)
        session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": previous})
        held = session.identity_map.get(_HEAD_KEY)
        if held is not None:  # a head loaded earlier in this session must not read stale
            session.expire(held)
    return seq


def record_event(session: Session, actor: Actor, event: Event, *, at: datetime) -> int:
    """Append one event; its sequence number."""
    return record_events(session, actor, [event], at=at)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: intact, or the first entry found altered or missing.

    ``problem`` is ``"altered"`` (entry ``first_bad`` differs from what was hashed, or was not
    appended by Kluis), ``"missing"`` (entry ``first_bad`` was removed) or ``"head"`` (the
    head of the chain was removed: entries from ``first_bad`` on may have been removed too).
    """

    entries: int
    head_hash: str
    first_bad: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """Whether every entry is present and unaltered."""
        return self.first_bad is None


def _event_of(entry: Row[Any]) -> Event:
    return Event(
        action=entry.action,
        subject_id=entry.subject_id,
        record_id=entry.record_id,
        activity=entry.activity,
        reason=entry.reason,
        detail=entry.detail,
    )


def _page(session: Session, after: int, size: int) -> Sequence[Row[Any]]:
    table = AuditEntry.__table__
    query = select(table).where(table.c.seq > after).order_by(table.c.seq).limit(size)
    return session.execute(query).all()


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Recompute the chain from the first entry; name the first entry altered or removed."""
    previous, expected, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        entries = _page(session, last_seq, batch)
        if not entries:
            break
        for entry in entries:
            if entry.seq != expected:
                return Verification(count, previous, expected, "missing")
            digest = entry_hash(previous, entry.seq, entry.at, entry.actor, _event_of(entry))
            if entry.prev_hash != previous or entry.hash != digest:
                return Verification(count, previous, entry.seq, "altered")
            previous, expected, count = digest, expected + 1, count + 1
        last_seq = entries[-1].seq
    problem = _against_head(session.get(AuditHead, _HEAD_ID), count, previous)
    if problem is not None:
        return Verification(count, previous, *problem)
    return Verification(count, previous)


def _against_head(head: AuditHead | None, count: int, last_hash: str) -> tuple[int, str] | None:
    """What the head says of a chain found intact up to entry ``count``: nothing, or a problem."""
    if head is None:
        # The head is written with the first entry: entries without it mean it was removed,
        # and with it whatever entries followed the last one left.
        return (count + 1, "head") if count else None
    if head.seq > count:
        return count + 1, "missing"
    if head.seq < count:
        # Entries beyond the head were not appended by Kluis.
        return head.seq + 1, "altered"
    if head.hash != last_hash:
        return head.seq, "altered"
    return None


def export(session: Session, *, batch: int = 5000) -> Iterator[dict[str, object]]:
    """Every entry in order, as plain data (for JSON Lines or CSV)."""
    last_seq = 0
    while True:
        entries = _page(session, last_seq, batch)
        if not entries:
            return
        for entry in entries:
            yield {
                "seq": entry.seq,
                "at": entry.at.isoformat(timespec="microseconds"),
                "actor": entry.actor,
                "action": entry.action,
                "subject": str(entry.subject_id) if entry.subject_id else None,
                "record": str(entry.record_id) if entry.record_id else None,
                "activity": entry.activity,
                "reason": entry.reason,
                "detail": entry.detail,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        last_seq = entries[-1].seq
