"""Writing records: the one path every record takes into the vault, one at a time (the API)
or in batches (imports). The register is enforced on each value; people are matched by their
identifiers, never duplicated; every change is audited in the same transaction.

A write has three steps, which :func:`write_records` runs in one go and an import runs apart:

1. :func:`prepare_records` validates and normalises the values and computes their blind
   indexes (pure computation: no database, no data key);
2. :func:`reserve_subjects` (optional) makes the data keys of the people not yet in the vault
   and stores them, so that an import can commit them before the data they protect;
3. :func:`write_prepared` matches people by blind index (one query per identifier kind),
   seals the values and inserts or updates all rows and audit entries with one statement per
   table (SQLAlchemy Core ``executemany``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Dialect, Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.crypto import BlindIndexer, Cipher, new_data_key
from kluis.register.versions import require_version
from kluis.storage.bulk import id_form, insert_rows, insert_tuples
from kluis.vault.consent_gate import VALID, ConsentGate, GivenConsent, given_consent
from kluis.vault.errors import AccessDenied, FieldRefused, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import Identifier, Record, Subject, SubjectKey
from kluis.vault.policy import (
    EVENTS,
    ActivityPolicy,
    activity_policy,
    index_form,
    normalise,
    parse_event,
)
from kluis.vault.sealing import content_digest, open_values, seal_fresh, seal_values
from kluis.vault.suppression import suppressed

_CHUNK = 1000
#: The status of a record whose processing is restricted (Art. 18): stored, not used.
RESTRICTED = "restricted"
#: Columns that reach the insert in their stored form already: sealed values as JSON text,
#: ids converted once per record (see ``id_form``).
_RAW_RECORD = frozenset({"data", "id", "subject_id"})
_RAW_IDS = frozenset({"id", "subject_id", "record_id"})
_EVENT_COLUMNS = tuple(EVENTS.values())


def new_id() -> uuid.UUID:
    """A new subject or record id: a UUID version 7 (RFC 9562), time-ordered.

    Its first 48 bits are the current Unix time in milliseconds, the other 74 are random.
    Ids made one after another sort one after another, so a batch's rows land at the end of
    every index on ids (the primary keys, and the subject and record ids other tables point
    with) instead of at random places: with random ids, a batch of an import rewrote a page
    of each of those indexes per row, and a million people meant tens of gigabytes written.
    The id says when the subject or record was made, to the millisecond, which the row's
    ``created_at`` says already; nothing about the person.
    """
    millis = time.time_ns() // 1_000_000
    raw = bytearray(millis.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return uuid.UUID(bytes=bytes(raw))


def _table(model: type[object]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True)
class RecordInput:
    """One record to write: field values as given (empty means not given), events, source."""

    values: Mapping[str, str]
    events: Mapping[str, str | date] = field(default_factory=dict)
    source: str | None = None
    #: Where the input came from (a row number of an import), for refusals.
    row: int | None = None
    #: The consent given with the record, by column (see ``CONSENT_COLUMNS``); only for an
    #: activity based on consent.
    consent: Mapping[str, str | date] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """The outcome of a record that was accepted."""

    record_id: uuid.UUID
    subject_id: uuid.UUID
    outcome: Literal["created", "updated", "unchanged"]
    row: int | None = None


@dataclass(frozen=True)
class Refusal:
    """The outcome of a record that was refused; names the field, never the value."""

    error: FieldRefused
    row: int | None = None

    def __reduce__(self) -> tuple[object, ...]:
        # An exception pickles as its formatted text; keep the template, field and params.
        error = self.error
        params = {key: value for key, value in error.params.items() if key != "field"}
        return (_refusal, (error.message, error.field, params, self.row))


def _refusal(
    message: str, field_name: str | None, params: dict[str, object], row: int | None
) -> Refusal:
    return Refusal(FieldRefused(message, field=field_name, **params), row)


class Fresh(NamedTuple):
    """A record sealed ahead of matching, under a data key of its own (see ``seal``)."""

    key: bytes
    #: The record id the values are bound to, as 16 bytes (a UUID unpickles slowly).
    record_id: bytes
    #: The sealed values as JSON text, as the record's ``data`` column stores them.
    data: str

    def __repr__(self) -> str:
        return "Fresh(...)"


class Prepared(NamedTuple):
    """A validated input: normalised values and events, blind indexes, the row's digest.

    A named tuple: prepared records travel back from worker processes by the thousand, and a
    tuple unpickles several times faster than a dataclass."""

    position: int
    #: Where the input came from (a row number of an import), for refusals.
    row: int | None
    values: dict[str, str]
    events: dict[str, date]
    digests: list[tuple[str, bytes]]
    row_digest: bytes
    source: str
    #: The record sealed ahead under a fresh data key, used if the person turns out new.
    fresh: Fresh | None = None
    #: The consent given with the record (an activity based on consent).
    consent: GivenConsent | None = None


@dataclass(frozen=True)
class Reserved:
    """A new person's data key, stored ahead of their data by :func:`reserve_subjects`."""

    subject_id: uuid.UUID
    key: bytes
    #: Whether the key is the one the prepared record was sealed with ahead.
    fresh: bool

    def __repr__(self) -> str:
        return f"Reserved({self.subject_id}, fresh={self.fresh})"


def _prepare(
    policy: ActivityPolicy, position: int, item: RecordInput, indexer: BlindIndexer
) -> Prepared:
    values: dict[str, str] = {}
    for name, raw in item.values.items():
        spec = policy.fields.get(name)
        if spec is None:
            raise FieldRefused(
                "activity '{activity}' does not declare field '{field}'; the register allows: {allowed}",
                field=name,
                activity=policy.id,
                allowed=", ".join(policy.fields) or "-",
            )
        if raw is None or not str(raw).strip():
            continue
        values[name] = normalise(policy, spec, str(raw))
    events: dict[str, date] = {}
    for name, raw_event in item.events.items():
        if raw_event is None or (isinstance(raw_event, str) and not raw_event.strip()):
            continue
        column, day = parse_event(name, raw_event, policy.id)
        events[column] = day
    digests = [
        (spec.index_kind, indexer.digest(spec.index_kind, index_form(spec, values[spec.name])))
        for spec in policy.identifiers
        if spec.name in values
    ]
    source = _source(policy, item.source)
    consent = None
    if item.consent:
        if policy.consent_purpose is None:
            raise FieldRefused(
                "activity '{activity}' does not rest on consent: leave out the consent columns",
                activity=policy.id,
            )
        consent = given_consent(item.consent, policy.id)
    row_digest = content_digest(indexer.key("row"), policy.id, values, events, source)
    return Prepared(
        position, item.row, values, events, digests, row_digest, source, consent=consent
    )


def check_writable(policy: ActivityPolicy, actor: Actor) -> None:
    """Refuse an actor whose roles do not reach the activity, and an activity that ended."""
    if not policy.may_access(actor):
        raise AccessDenied(
            "'{actor}' may not change records of activity '{activity}': it grants access to {roles}",
            actor=actor.name,
            activity=policy.id,
            roles=", ".join(policy.activity.access) or "-",
        )
    if policy.activity.status == "ended":
        raise FieldRefused(
            "activity '{activity}' has ended; it takes no more records", activity=policy.id
        )


def _source(policy: ActivityPolicy, given: str | None) -> str:
    allowed = [source.value for source in policy.activity.source]
    if given is None:
        return allowed[0]
    if given not in allowed:
        raise FieldRefused(
            "source '{field}' is not one the register gives for activity '{activity}': {allowed}",
            field=given,
            activity=policy.id,
            allowed=", ".join(allowed),
        )
    return given


def prepare_records(
    policy: ActivityPolicy,
    items: Sequence[RecordInput],
    indexer: BlindIndexer,
    *,
    need_identifier: bool = True,
    first: int = 0,
    seal: bool = False,
) -> tuple[list[Refusal | Prepared], list[Prepared]]:
    """Validate ``items``: one outcome per item (a refusal or a prepared record), and the
    prepared ones alone. Pure computation, so it can run in another process.

    ``first`` is the position of the first item, for callers that prepare in slices. With
    ``seal``, each record is also sealed ahead under a fresh data key, as it will be if its
    person is new (most rows of an import): the work of encryption moves to where the
    checking runs.
    """
    outcomes: list[Refusal | Prepared] = []
    prepared: list[Prepared] = []
    for offset, item in enumerate(items):
        try:
            ready = _prepare(policy, first + offset, item, indexer)
            if need_identifier and not ready.digests:
                raise FieldRefused(
                    "no identifier given ({fields}); without one the person could not be found again",
                    fields=", ".join(spec.name for spec in policy.identifiers) or "-",
                    activity=policy.id,
                )
        except FieldRefused as error:
            outcomes.append(Refusal(error, item.row))
            continue
        if seal:
            record_id = new_id().bytes
            key, data = seal_fresh(record_id, ready.values)
            ready = ready._replace(fresh=Fresh(key, record_id, data))
        outcomes.append(ready)
        prepared.append(ready)
    return outcomes, prepared


def match_subjects(
    session: Session, digests: Iterable[tuple[str, bytes]]
) -> dict[tuple[str, bytes], set[uuid.UUID]]:
    """The subjects holding each blind index: one query per identifier kind and chunk, on the
    ``(kind, digest)`` index, sent as plain SQL (no per-value processing; digests are bytes)."""
    by_kind: dict[str, set[bytes]] = {}
    for kind, digest in digests:
        by_kind.setdefault(kind, set()).add(digest)
    found: dict[tuple[str, bytes], set[uuid.UUID]] = {}
    connection = session.connection()
    dialect = connection.dialect
    subject = _table(Identifier).c.subject_id.type.dialect_impl(dialect)
    to_uuid = subject.result_processor(dialect, None)
    positional = dialect.paramstyle == "qmark"
    for kind, wanted in by_kind.items():
        values = sorted(wanted)
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            if positional:
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT digest, subject_id FROM identifier WHERE kind = ? AND digest IN ({marks})"  # noqa: S608 - placeholders only
                params: Any = (kind, *chunk)
            else:  # PostgreSQL: one array parameter, so the statement is prepared once
                sql = "SELECT digest, subject_id FROM identifier WHERE kind = %(kind)s AND digest = ANY(%(digests)s)"
                params = {"kind": kind, "digests": chunk}
            for digest, raw_id in connection.exec_driver_sql(sql, params):
                subject_id = to_uuid(raw_id) if to_uuid is not None else raw_id
                found.setdefault((kind, bytes(digest)), set()).add(subject_id)  # type: ignore[arg-type]
    return found


def _existing(
    session: Session, activity: str, subject_ids: set[uuid.UUID]
) -> dict[uuid.UUID, dict[str, object]]:
    found: dict[uuid.UUID, dict[str, object]] = {}
    ids = list(subject_ids)
    table = _table(Record)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(
                table.c.id,
                table.c.subject_id,
                table.c.row_digest,
                table.c.data,
                table.c.status,
                *(table.c[c] for c in _EVENT_COLUMNS),
            ).where(
                table.c.activity == activity, table.c.subject_id.in_(ids[start : start + _CHUNK])
            )
        )
        for row in rows.mappings():
            found[row["subject_id"]] = dict(row)
    return found


def reserve_subjects(
    session: Session, keyring: Keyring, prepared: Sequence[Prepared], *, at: datetime
) -> dict[int, Reserved]:
    """Make and store a data key for each prepared record whose person is not in the vault,
    by the record's position.

    An import commits these keys before the data they protect, in a transaction of their
    own: on SQLite the key store is a second database file, and a commit across two files
    in WAL mode is atomic per file only. A key stored without data (the process stopped in
    between) protects nothing and is never used; data stored without its key would be lost.
    Give the result to :func:`write_prepared` as ``reserved``.
    """
    matched = match_subjects(session, (d for ready in prepared for d in ready.digests))
    seen: set[tuple[str, bytes]] = set()
    reserved: dict[int, Reserved] = {}
    rows: list[tuple[object, ...]] = []
    wrap = keyring.provider.wrap
    to_db = id_form(session.get_bind().dialect)
    for ready in prepared:
        if any(digest in matched or digest in seen for digest in ready.digests):
            continue
        seen.update(ready.digests)
        subject_id = new_id()
        key = ready.fresh.key if ready.fresh is not None else new_data_key()
        kek_id, wrapped = wrap(key, context=subject_id.bytes)
        rows.append((to_db(subject_id), kek_id, wrapped, at))
        reserved[ready.position] = Reserved(subject_id, key, ready.fresh is not None)
    insert_tuples(session, _table(SubjectKey), _KEY_COLUMNS, rows, raw=_RAW_IDS)
    return reserved


_KEY_COLUMNS = ("subject_id", "kek_id", "wrapped", "created_at")
_SUBJECT_COLUMNS = ("id", "created_at")
_IDENTIFIER_COLUMNS = ("subject_id", "record_id", "kind", "digest")


class _Batch:
    """The rows one call of :func:`write_prepared` inserts and updates, gathered to write at once."""

    def __init__(
        self,
        policy: ActivityPolicy,
        keyring: Keyring,
        version: int,
        at: datetime,
        reason: str | None,
        *,
        dialect: Dialect,
        reserved: Mapping[int, Reserved],
    ) -> None:
        self.policy, self.keyring, self.version = policy, keyring, version
        self.at, self.reason = at, reason
        self.reserved = reserved
        self.to_db = id_form(dialect)
        self.db_ids: dict[uuid.UUID, object] = {}
        self.subjects: list[tuple[object, ...]] = []
        self.keys: list[tuple[object, ...]] = []
        self.creates: dict[uuid.UUID, dict[str, object]] = {}
        self.updates: dict[uuid.UUID, dict[str, object]] = {}
        self.plain: dict[uuid.UUID, dict[str, str]] = {}
        self.identifiers: dict[uuid.UUID, list[tuple[object, ...]]] = {}
        self.events: list[Event] = []
        self.detail_cache: dict[tuple[str, ...], dict[str, object]] = {}
        self.fields_cache: dict[tuple[str, ...], str] = {}

    def db_id(self, value: uuid.UUID) -> object:
        """``value`` as the database driver takes it, converted once."""
        found = self.db_ids.get(value)
        if found is None:
            found = self.db_ids[value] = self.to_db(value)
        return found

    def add_subject(self, ready: Prepared) -> tuple[uuid.UUID, bytes, bool]:
        """A new subject for ``ready``: its id, data key, and whether ``ready.fresh`` fits it."""
        found = self.reserved.get(ready.position)
        if found is not None:
            self.subjects.append((self.db_id(found.subject_id), self.at))
            return found.subject_id, found.key, found.fresh
        owner = new_id()
        key = ready.fresh.key if ready.fresh is not None else new_data_key()
        kek_id, wrapped = self.keyring.provider.wrap(key, context=owner.bytes)
        self.keys.append((self.db_id(owner), kek_id, wrapped, self.at))
        self.subjects.append((self.db_id(owner), self.at))
        return owner, key, ready.fresh is not None

    def _fields(self, values: Mapping[str, str]) -> str:
        names = tuple(values)
        found = self.fields_cache.get(names)
        if found is None:
            found = self.fields_cache[names] = ",".join(sorted(names))
        return found

    def create(
        self, owner: uuid.UUID, ready: Prepared, cipher: Cipher | None, *, sealed_ahead: bool
    ) -> uuid.UUID:
        if sealed_ahead and ready.fresh is not None:
            record_id, data = uuid.UUID(bytes=ready.fresh.record_id), ready.fresh.data
        else:
            assert cipher is not None
            record_id = new_id()
            data = json.dumps(seal_values(cipher, record_id, ready.values))
        row_events: dict[str, object] = dict.fromkeys(_EVENT_COLUMNS)
        row_events.update(ready.events)
        if row_events["collected"] is None:
            row_events["collected"] = self.at.date()
        owner_db, record_db = self.db_id(owner), self.db_id(record_id)
        self.creates[record_id] = {
            "id": record_db,
            "subject_id": owner_db,
            "activity": self.policy.id,
            "source": ready.source,
            "status": "active",
            "fields": self._fields(ready.values),
            "data": data,
            "row_digest": ready.row_digest,
            "register_version": self.version,
            "created_at": self.at,
            "updated_at": self.at,
            **row_events,
        }
        self.plain[record_id] = ready.values
        self.identifiers[record_id] = [
            (owner_db, record_db, kind, digest) for kind, digest in ready.digests
        ]
        self._audit("record_create", owner, record_id, ready)
        return record_id

    def update(
        self, record: dict[str, object], ready: Prepared, cipher: Cipher
    ) -> tuple[uuid.UUID, bytes] | None:
        """Merge ``ready`` into a stored record (an empty cell keeps the stored value): the
        record's id and new content digest, or None when the merge changes nothing."""
        record_id = record["id"]
        assert isinstance(record_id, uuid.UUID)
        owner = record["subject_id"]
        assert isinstance(owner, uuid.UUID)
        target = self.creates.get(record_id) or self.updates.get(record_id)
        if record_id not in self.plain:
            data = record["data"]
            assert isinstance(data, dict)
            self.plain[record_id] = open_values(cipher, record_id, data)
        merged = {**self.plain[record_id], **ready.values}
        base = target if target is not None else record
        events: dict[str, date | None] = {
            column: base.get(column)  # type: ignore[misc]
            for column in _EVENT_COLUMNS
        }
        events.update(ready.events)
        digest = content_digest(
            self.keyring.indexer.key("row"), self.policy.id, merged, events, ready.source
        )
        if digest == record["row_digest"]:
            return None
        self.plain[record_id] = merged
        change: dict[str, object] = target if target is not None else {"id": record_id}
        change.update(events)
        sealed = seal_values(cipher, record_id, merged)
        change.update(
            {
                "fields": ",".join(sorted(merged)),
                "data": json.dumps(sealed) if record_id in self.creates else sealed,
                "row_digest": digest,
                "source": ready.source,
                "register_version": self.version,
                "updated_at": self.at,
            }
        )
        if record_id not in self.creates:
            self.updates[record_id] = change
        self._index(owner, record_id, merged)
        self._audit("record_update", owner, record_id, ready)
        return record_id, digest

    def _index(self, owner: uuid.UUID, record_id: uuid.UUID, values: Mapping[str, str]) -> None:
        owner_db, record_db = self.db_id(owner), self.db_id(record_id)
        self.identifiers[record_id] = [
            (
                owner_db,
                record_db,
                spec.index_kind,
                self.keyring.index(spec.index_kind, index_form(spec, values[spec.name])),
            )
            for spec in self.policy.identifiers
            if spec.name in values
        ]

    def _audit(self, action: str, owner: uuid.UUID, record_id: uuid.UUID, ready: Prepared) -> None:
        names = tuple(sorted(ready.values))
        detail = self.detail_cache.get(names)
        if detail is None:
            detail = self.detail_cache[names] = {"fields": list(names)}
        self.events.append(
            Event(
                action=action,
                subject_id=owner,
                record_id=record_id,
                activity=self.policy.id,
                reason=self.reason,
                detail=detail,
            )
        )

    def flush(self, session: Session, actor: Actor) -> None:
        insert_tuples(session, _table(SubjectKey), _KEY_COLUMNS, self.keys, raw=_RAW_IDS)
        insert_tuples(session, _table(Subject), _SUBJECT_COLUMNS, self.subjects, raw=_RAW_IDS)
        insert_rows(session, _table(Record), list(self.creates.values()), raw=_RAW_RECORD)
        if self.updates:
            self._flush_updates(session)
        identifiers = [row for rows in self.identifiers.values() for row in rows]
        insert_tuples(session, _table(Identifier), _IDENTIFIER_COLUMNS, identifiers, raw=_RAW_IDS)
        if self.events:
            record_events(session, actor, self.events, at=self.at)

    def _flush_updates(self, session: Session) -> None:
        table = _table(Record)
        rows = [
            {"rid": key, **{k: v for k, v in row.items() if k != "id"}}
            for key, row in self.updates.items()
        ]
        columns: dict[str, object] = {name: bindparam(name) for name in rows[0] if name != "rid"}
        session.execute(update(table).where(table.c.id == bindparam("rid")).values(columns), rows)
        changed = list(self.updates)
        identifiers = _table(Identifier)
        for start in range(0, len(changed), _CHUNK):
            session.execute(
                delete(identifiers).where(
                    identifiers.c.record_id.in_(changed[start : start + _CHUNK])
                )
            )


def _owner(
    ready: Prepared,
    matched: Mapping[tuple[str, bytes], set[uuid.UUID]],
    batch_owners: Mapping[tuple[str, bytes], uuid.UUID],
    subject_id: uuid.UUID | None,
    activity: str,
) -> uuid.UUID | None:
    """The subject an input belongs to, None for a new person; refuses ambiguous identifiers."""
    candidates: set[uuid.UUID] = set()
    for digest in ready.digests:
        candidates |= matched.get(digest, set())
        if digest in batch_owners:
            candidates.add(batch_owners[digest])
    if subject_id is not None:
        if candidates - {subject_id}:
            raise FieldRefused("an identifier given belongs to another person", activity=activity)
        return subject_id
    if len(candidates) > 1:
        raise FieldRefused(
            "the identifiers given belong to {count} different people; correct the row",
            count=len(candidates),
            activity=activity,
        )
    return next(iter(candidates), None)


def _check_suppressed(ready: Prepared, blocked: set[tuple[str, bytes]], activity: str) -> None:
    """Refuse a person on the suppression list in a direct-marketing activity."""
    if blocked and any(digest in blocked for digest in ready.digests):
        raise FieldRefused(
            "this person objected to direct marketing or unsubscribed: activity "
            "'{activity}' may not hold them",
            activity=activity,
        )


def _check_restricted(
    record: Mapping[str, object] | None, *, unchanged: bool, activity: str
) -> None:
    """Refuse to change a record whose processing is restricted (Art. 18)."""
    if record is not None and not unchanged and record.get("status") == RESTRICTED:
        raise FieldRefused(
            "the person's record in activity '{activity}' is restricted (Art. 18 GDPR): "
            "it is not changed until the restriction is lifted",
            activity=activity,
        )


def _cipher_of(
    session: Session,
    keyring: Keyring,
    ciphers: dict[uuid.UUID, Cipher],
    new_keys: Mapping[uuid.UUID, bytes],
    owner: uuid.UUID,
    *,
    activity: str,
) -> Cipher:
    """The cipher of ``owner``: made from a key new in this batch, or unwrapped from the key
    store; :class:`FieldRefused` when the person's key is gone (erased meanwhile)."""
    cipher = ciphers.get(owner)
    if cipher is None and owner in new_keys:
        cipher = ciphers[owner] = Cipher(new_keys[owner])
    if cipher is None:
        ciphers.update(keyring.ciphers(session, [owner]))
        cipher = ciphers.get(owner)
    if cipher is None:
        raise FieldRefused(
            "the person matched was erased; their data key is gone", activity=activity
        )
    return cipher


class _Guards:
    """Who one call of :func:`write_prepared` may not write about: people on the suppression
    list in a direct-marketing activity, and in an activity based on consent, people whose
    consent does not stand (unless the record brings one, logged after the write)."""

    def __init__(  # noqa: PLR0917
        self,
        session: Session,
        policy: ActivityPolicy,
        prepared: Sequence[Prepared],
        gate: ConsentGate | None,
        owners: Iterable[uuid.UUID],
        at: datetime,
    ) -> None:
        self.session, self.policy, self.gate, self.at = session, policy, gate, at
        self.blocked = (
            suppressed(session, (digest for ready in prepared for digest in ready.digests))
            if policy.activity.direct_marketing
            else set()
        )
        self.purpose = policy.consent_purpose
        self.states: dict[uuid.UUID, str] = {}
        if self.purpose is not None and gate is not None:
            self.states.update(gate.standing(session, self.purpose, set(owners), at))
        #: Consents brought by records, to log once their people exist.
        self.given: list[tuple[uuid.UUID, GivenConsent]] = []

    def check(self, ready: Prepared, owner: uuid.UUID | None) -> None:
        """Refuse ``ready`` when its person (``owner``; None: new) is suppressed, or has no
        valid consent and the record brings none."""
        _check_suppressed(ready, self.blocked, self.policy.id)
        if self.purpose is None:
            return
        if self.gate is None:
            raise FieldRefused(
                "activity '{activity}' rests on consent, and this way of writing cannot "
                "check consent; use one that does",
                activity=self.policy.id,
            )
        if ready.consent is not None:
            self.gate.check(self.session, self.purpose, ready.consent, owner, at=self.at)
            return
        state = self.states.get(owner, "none") if owner is not None else "none"
        if state != VALID:
            raise FieldRefused(
                "activity '{activity}' rests on consent to '{purpose}', and this person's "
                "consent is {state}: record the consent first, or give it with the record "
                "(consent_given, consent_channel)",
                activity=self.policy.id,
                purpose=self.purpose,
                state=state,
            )

    def accepted(self, ready: Prepared, owner: uuid.UUID) -> None:
        """``ready`` is written for ``owner``: log the consent it brought, which also stands
        for the person's next records in this call."""
        if ready.consent is not None:
            self.given.append((owner, ready.consent))
            self.states[owner] = VALID

    def log(self, actor: Actor) -> None:
        """Log the consents the records brought (after their people were written)."""
        if self.gate is None or self.purpose is None:
            return
        for owner, given in self.given:
            self.gate.give(self.session, actor, owner, self.purpose, given, at=self.at)


def write_prepared(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    policy: ActivityPolicy,
    prepared: Sequence[Prepared],
    *,
    version: int,
    at: datetime,
    reason: str | None = None,
    subject_id: uuid.UUID | None = None,
    reserved: Mapping[int, Reserved] | None = None,
    consent: ConsentGate | None = None,
) -> dict[int, Written | Refusal]:
    """Write prepared records: the outcome of each, by its position.

    People are matched by blind index; a new person takes a key of ``reserved`` (see
    :func:`reserve_subjects`) or a new one. Every change gets an audit entry, in the caller's
    transaction. The caller has checked that ``actor`` may write (:func:`check_writable`).
    In an activity based on consent, each record needs its person's valid consent, asked of
    ``consent`` (see :mod:`kluis.vault.consent_gate`), or brings its own.
    """
    outcomes: dict[int, Written | Refusal] = {}
    matched = match_subjects(session, (digest for ready in prepared for digest in ready.digests))
    owners = {sid for found in matched.values() for sid in found}
    if subject_id is not None:
        owners.add(subject_id)
    existing = _existing(session, policy.id, owners) if owners else {}
    # Keys are unwrapped only for the people whose record changes: a rerun unwraps none.
    changing = {
        sid
        for ready in prepared
        for digest in ready.digests
        for sid in matched.get(digest, ())
        if sid not in existing or existing[sid]["row_digest"] != ready.row_digest
    }
    if subject_id is not None:
        changing.add(subject_id)
    ciphers = keyring.ciphers(session, changing) if changing else {}
    batch = _Batch(
        policy,
        keyring,
        version,
        at,
        reason,
        dialect=session.get_bind().dialect,
        reserved=reserved or {},
    )
    batch_owners: dict[tuple[str, bytes], uuid.UUID] = {}
    #: Data keys of the people new in this batch, made into ciphers only when needed.
    new_keys: dict[uuid.UUID, bytes] = {}
    guards = _Guards(session, policy, prepared, consent, owners, at)
    for ready in prepared:
        row = ready.row
        try:
            owner = _owner(ready, matched, batch_owners, subject_id, policy.id)
            guards.check(ready, owner)
            sealed_ahead = False
            if owner is None:
                owner, new_keys[owner], sealed_ahead = batch.add_subject(ready)
            record = existing.get(owner)
            unchanged = record is not None and record["row_digest"] == ready.row_digest
            _check_restricted(record, unchanged=unchanged, activity=policy.id)
            cipher = None
            if not unchanged and not (record is None and sealed_ahead):
                cipher = _cipher_of(session, keyring, ciphers, new_keys, owner, activity=policy.id)
        except FieldRefused as error:
            outcomes[ready.position] = Refusal(error, row)
            continue
        for digest in ready.digests:
            batch_owners.setdefault(digest, owner)
        guards.accepted(ready, owner)
        if record is not None and unchanged:
            outcomes[ready.position] = Written(record["id"], owner, "unchanged", row)  # type: ignore[arg-type]
            continue
        if record is None:
            record_id = batch.create(owner, ready, cipher, sealed_ahead=sealed_ahead)
            existing[owner] = {
                "id": record_id,
                "subject_id": owner,
                "row_digest": ready.row_digest,
                "data": {},
            }
            outcomes[ready.position] = Written(record_id, owner, "created", row)
        else:
            assert cipher is not None
            updated = batch.update(record, ready, cipher)
            if updated is None:
                outcomes[ready.position] = Written(record["id"], owner, "unchanged", row)  # type: ignore[arg-type]
                continue
            record_id, record["row_digest"] = updated
            outcomes[ready.position] = Written(record_id, owner, "updated", row)
    batch.flush(session, actor)
    guards.log(actor)
    return outcomes


def write_records(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    activity: str,
    items: Sequence[RecordInput],
    *,
    at: datetime,
    reason: str | None = None,
    subject_id: uuid.UUID | None = None,
    consent: ConsentGate | None = None,
) -> list[Written | Refusal]:
    """Write ``items`` into ``activity``: one outcome per item, in order.

    A refused item is reported and written nowhere; the others are created, updated (values
    given replace those stored, values not given stay) or left unchanged when they repeat
    what was written last. With ``subject_id``, every item belongs to that subject. An
    activity based on consent needs ``consent`` (see :func:`write_prepared`).
    """
    stored = require_version(session)
    policy = activity_policy(stored, activity)
    check_writable(policy, actor)
    if subject_id is not None and session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    outcomes, prepared = prepare_records(
        policy, items, keyring.indexer, need_identifier=subject_id is None
    )
    written = write_prepared(
        session,
        keyring,
        actor,
        policy,
        prepared,
        version=stored.version,
        at=at,
        reason=reason,
        subject_id=subject_id,
        consent=consent,
    )
    return [
        written[outcome.position] if isinstance(outcome, Prepared) else outcome
        for outcome in outcomes
    ]


def store_record(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    activity: str,
    item: RecordInput,
    *,
    at: datetime,
    reason: str | None = None,
    subject_id: uuid.UUID | None = None,
    consent: ConsentGate | None = None,
) -> Written:
    """Write one record; raise :class:`FieldRefused` if the register does not allow it."""
    (outcome,) = write_records(
        session,
        keyring,
        actor,
        activity,
        [item],
        at=at,
        reason=reason,
        subject_id=subject_id,
        consent=consent,
    )
    if isinstance(outcome, Refusal):
        raise outcome.error
    return outcome
