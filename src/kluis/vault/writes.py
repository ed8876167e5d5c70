"""Writing records: the one path every record takes into the vault, one at a time (the API)
or in batches (imports). The register is enforced on each value; people are matched by their
identifiers, never duplicated; every change is audited in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.crypto import Cipher
from kluis.register.versions import require_version
from kluis.vault.errors import AccessDenied, FieldRefused, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import Identifier, Record, Subject, SubjectKey
from kluis.vault.policy import ActivityPolicy, activity_policy, index_form, normalise, parse_event

_CHUNK = 500
_EVENT_COLUMNS = (
    "collected",
    "last_contact",
    "contract_end",
    "employment_end",
    "selection_end",
    "record_date",
)


@dataclass(frozen=True)
class RecordInput:
    """One record to write: field values as given (empty means not given), events, source."""

    values: Mapping[str, str]
    events: Mapping[str, str | date] = field(default_factory=dict)
    source: str | None = None
    #: Where the input came from (a row number of an import), for refusals.
    row: int | None = None


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


@dataclass
class _Prepared:
    """A validated input."""

    item: RecordInput
    values: dict[str, str]
    events: dict[str, date]
    digests: list[tuple[str, bytes]]
    row_digest: bytes


def associated(record_id: uuid.UUID, field_name: str) -> bytes:
    """The associated data binding a sealed value to its record and field."""
    return record_id.bytes + b"|" + field_name.encode("utf-8")


def seal_values(cipher: Cipher, record_id: uuid.UUID, values: Mapping[str, str]) -> dict[str, str]:
    """Seal each value on its own, with a fresh nonce, bound to record and field."""
    return {
        name: base64.b64encode(
            cipher.seal(value.encode("utf-8"), associated(record_id, name))
        ).decode()
        for name, value in values.items()
    }


def open_values(cipher: Cipher, record_id: uuid.UUID, data: Mapping[str, str]) -> dict[str, str]:
    """The plaintext of a record's sealed values."""
    return {
        name: cipher.open(base64.b64decode(sealed), associated(record_id, name)).decode("utf-8")
        for name, sealed in data.items()
    }


def _prepare(policy: ActivityPolicy, item: RecordInput, keyring: Keyring) -> _Prepared:
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
        (spec.index_kind, keyring.index(spec.index_kind, index_form(spec, values[spec.name])))
        for spec in policy.identifiers
        if spec.name in values
    ]
    canonical = json.dumps(
        {
            "activity": policy.id,
            "values": values,
            "events": {k: v.isoformat() for k, v in events.items()},
            "source": item.source,
        },
        sort_keys=True,
    ).encode("utf-8")
    row_digest = hmac.new(keyring.indexer.key("row"), canonical, hashlib.sha256).digest()
    return _Prepared(item, values, events, digests, row_digest)


def _check_writable(policy: ActivityPolicy, actor: Actor) -> None:
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


def _matches(
    session: Session, digests: set[tuple[str, bytes]]
) -> dict[tuple[str, bytes], set[uuid.UUID]]:
    found: dict[tuple[str, bytes], set[uuid.UUID]] = {}
    values = sorted({digest for _kind, digest in digests})
    for start in range(0, len(values), _CHUNK):
        rows = session.execute(
            select(Identifier.kind, Identifier.digest, Identifier.subject_id).where(
                Identifier.digest.in_(values[start : start + _CHUNK])
            )
        )
        for kind, digest, subject_id in rows:
            if (kind, digest) in digests:
                found.setdefault((kind, digest), set()).add(subject_id)
    return found


def _existing(
    session: Session, activity: str, subject_ids: set[uuid.UUID]
) -> dict[uuid.UUID, dict[str, object]]:
    found: dict[uuid.UUID, dict[str, object]] = {}
    ids = list(subject_ids)
    table = Record.__table__
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(
                table.c.id,
                table.c.subject_id,
                table.c.row_digest,
                table.c.data,
                *(table.c[c] for c in _EVENT_COLUMNS),
            ).where(
                table.c.activity == activity, table.c.subject_id.in_(ids[start : start + _CHUNK])
            )
        )
        for row in rows.mappings():
            found[row["subject_id"]] = dict(row)
    return found


class _Batch:
    """The rows one call of :func:`write_records` inserts and updates, gathered to write at once."""

    def __init__(
        self,
        policy: ActivityPolicy,
        keyring: Keyring,
        version: int,
        at: datetime,
        reason: str | None,
    ) -> None:
        self.policy, self.keyring, self.version = policy, keyring, version
        self.at, self.reason = at, reason
        self.subjects: list[dict[str, object]] = []
        self.keys: list[dict[str, object]] = []
        self.creates: dict[uuid.UUID, dict[str, object]] = {}
        self.updates: dict[uuid.UUID, dict[str, object]] = {}
        self.plain: dict[uuid.UUID, dict[str, str]] = {}
        self.identifiers: dict[uuid.UUID, list[dict[str, object]]] = {}
        self.events: list[Event] = []

    def add_subject(self, owner: uuid.UUID) -> Cipher:
        cipher, key_row = self.keyring.create(owner, self.at)
        self.subjects.append({"id": owner, "created_at": self.at})
        self.keys.append(key_row)
        return cipher

    def create(self, owner: uuid.UUID, ready: _Prepared, source: str, cipher: Cipher) -> uuid.UUID:
        record_id = uuid.uuid4()
        row_events: dict[str, object] = dict.fromkeys(_EVENT_COLUMNS)
        row_events.update(ready.events)
        if row_events["collected"] is None:
            row_events["collected"] = self.at.date()
        self.creates[record_id] = {
            "id": record_id,
            "subject_id": owner,
            "activity": self.policy.id,
            "source": source,
            "status": "active",
            "fields": ",".join(sorted(ready.values)),
            "data": seal_values(cipher, record_id, ready.values),
            "row_digest": ready.row_digest,
            "register_version": self.version,
            "created_at": self.at,
            "updated_at": self.at,
            **row_events,
        }
        self.plain[record_id] = dict(ready.values)
        self._index(owner, record_id, ready.values)
        self._audit("record_create", owner, record_id, ready)
        return record_id

    def update(
        self, record: dict[str, object], ready: _Prepared, source: str, cipher: Cipher
    ) -> uuid.UUID:
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
        self.plain[record_id] = merged
        change: dict[str, object] = target if target is not None else {"id": record_id}
        for column in _EVENT_COLUMNS:
            change.setdefault(column, record.get(column))
        change.update(ready.events)
        change.update(
            {
                "fields": ",".join(sorted(merged)),
                "data": seal_values(cipher, record_id, merged),
                "row_digest": ready.row_digest,
                "source": source,
                "register_version": self.version,
                "updated_at": self.at,
            }
        )
        if record_id not in self.creates:
            self.updates[record_id] = change
        self._index(owner, record_id, merged)
        self._audit("record_update", owner, record_id, ready)
        return record_id

    def _index(self, owner: uuid.UUID, record_id: uuid.UUID, values: Mapping[str, str]) -> None:
        self.identifiers[record_id] = [
            {
                "subject_id": owner,
                "record_id": record_id,
                "kind": spec.index_kind,
                "digest": self.keyring.index(spec.index_kind, index_form(spec, values[spec.name])),
            }
            for spec in self.policy.identifiers
            if spec.name in values
        ]

    def _audit(self, action: str, owner: uuid.UUID, record_id: uuid.UUID, ready: _Prepared) -> None:
        self.events.append(
            Event(
                action=action,
                subject_id=owner,
                record_id=record_id,
                activity=self.policy.id,
                reason=self.reason,
                detail={"fields": sorted(ready.values)},
            )
        )

    def flush(self, session: Session, actor: Actor) -> None:
        if self.keys:
            session.execute(insert(SubjectKey), self.keys)
        if self.subjects:
            session.execute(insert(Subject), self.subjects)
        if self.creates:
            session.execute(insert(Record), list(self.creates.values()))
        if self.updates:
            table = Record.__table__
            assert isinstance(table, Table)
            rows = [
                {"rid": key, **{k: v for k, v in row.items() if k != "id"}}
                for key, row in self.updates.items()
            ]
            columns: dict[str, object] = {
                name: bindparam(name) for name in rows[0] if name != "rid"
            }
            session.execute(
                update(table).where(table.c.id == bindparam("rid")).values(columns), rows
            )
            changed = list(self.updates)
            for start in range(0, len(changed), _CHUNK):
                session.execute(
                    delete(Identifier).where(
                        Identifier.record_id.in_(changed[start : start + _CHUNK])
                    )
                )
        identifiers = [row for rows in self.identifiers.values() for row in rows]
        if identifiers:
            session.execute(insert(Identifier), identifiers)
        record_events(session, actor, self.events, at=self.at)


def _validate(
    policy: ActivityPolicy,
    items: Sequence[RecordInput],
    keyring: Keyring,
    subject_id: uuid.UUID | None,
) -> tuple[dict[int, Refusal], list[tuple[int, _Prepared, str]]]:
    refused: dict[int, Refusal] = {}
    prepared: list[tuple[int, _Prepared, str]] = []
    for position, item in enumerate(items):
        try:
            ready = _prepare(policy, item, keyring)
            source = _source(policy, item.source)
            if not ready.digests and subject_id is None:
                raise FieldRefused(
                    "no identifier given ({fields}); without one the person could not be found again",
                    fields=", ".join(spec.name for spec in policy.identifiers) or "-",
                    activity=policy.id,
                )
        except FieldRefused as error:
            refused[position] = Refusal(error, item.row)
            continue
        prepared.append((position, ready, source))
    return refused, prepared


def _owner(
    ready: _Prepared,
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
) -> list[Written | Refusal]:
    """Write ``items`` into ``activity``: one outcome per item, in order.

    A refused item is reported and written nowhere; the others are created, updated (values
    given replace those stored, values not given stay) or left unchanged when they repeat
    what was written last. With ``subject_id``, every item belongs to that subject.
    """
    stored = require_version(session)
    policy = activity_policy(stored, activity)
    _check_writable(policy, actor)
    if subject_id is not None and session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    refused, prepared = _validate(policy, items, keyring, subject_id)
    outcomes: dict[int, Written | Refusal] = dict(refused)
    matched = _matches(session, {digest for _p, ready, _s in prepared for digest in ready.digests})
    owners = {sid for found in matched.values() for sid in found}
    if subject_id is not None:
        owners.add(subject_id)
    existing = _existing(session, policy.id, owners)
    ciphers = keyring.ciphers(session, owners)
    batch = _Batch(policy, keyring, stored.version, at, reason)
    batch_owners: dict[tuple[str, bytes], uuid.UUID] = {}
    for position, ready, source in prepared:
        try:
            owner = _owner(ready, matched, batch_owners, subject_id, policy.id)
            if owner is None:
                owner = uuid.uuid4()
                ciphers[owner] = batch.add_subject(owner)
            cipher = ciphers.get(owner)
            if cipher is None:
                raise FieldRefused(
                    "the person matched was erased; their data key is gone", activity=policy.id
                )
        except FieldRefused as error:
            outcomes[position] = Refusal(error, ready.item.row)
            continue
        for digest in ready.digests:
            batch_owners.setdefault(digest, owner)
        record = existing.get(owner)
        if record is None:
            record_id = batch.create(owner, ready, source, cipher)
            existing[owner] = {
                "id": record_id,
                "subject_id": owner,
                "row_digest": ready.row_digest,
                "data": {},
            }
            outcomes[position] = Written(record_id, owner, "created", ready.item.row)
        elif record["row_digest"] == ready.row_digest:
            outcomes[position] = Written(record["id"], owner, "unchanged", ready.item.row)  # type: ignore[arg-type]
        else:
            record_id = batch.update(record, ready, source, cipher)
            record["row_digest"] = ready.row_digest
            outcomes[position] = Written(record_id, owner, "updated", ready.item.row)
    batch.flush(session, actor)
    return [outcomes[position] for position in range(len(items))]


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
) -> Written:
    """Write one record; raise :class:`FieldRefused` if the register does not allow it."""
    (outcome,) = write_records(
        session, keyring, actor, activity, [item], at=at, reason=reason, subject_id=subject_id
    )
    if isinstance(outcome, Refusal):
        raise outcome.error
    return outcome
