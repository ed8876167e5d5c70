"""Finding and reading subjects: every read is audited and reaches only the activities the
actor's roles grant (need-to-know, Art. 32 GDPR)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, cast

from sqlalchemy import RowMapping, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event, record_events
from kluis.core.actor import Actor
from kluis.register.models import RegisterVersion
from kluis.register.versions import require_version
from kluis.vault.errors import AccessDenied, FieldRefused, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import Identifier, Record, Subject
from kluis.vault.policy import EVENTS, ActivityPolicy, ValueKind, all_policies, lookup_form
from kluis.vault.sealing import open_values
from kluis.vault.writes import RESTRICTED

#: Identifier kinds a person can be looked up by, to the field kind that normalises them.
LOOKUP_KINDS = (ValueKind.email, ValueKind.phone, ValueKind.national_number)


@dataclass(frozen=True)
class SubjectMatch:
    """A subject found by an identifier, with the activities the actor may see."""

    subject_id: uuid.UUID
    activities: list[str]


@dataclass(frozen=True)
class RecordView:
    """One record, decrypted, as the actor may see it."""

    record_id: uuid.UUID
    activity: str
    source: str
    status: str
    values: dict[str, str]
    events: dict[str, date]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SubjectView:
    """A subject's records that the actor may read."""

    subject_id: uuid.UUID
    records: list[RecordView] = field(default_factory=list)


@dataclass(frozen=True)
class _Policies:
    """What a read needs of the applied register: its country and its activities' policies."""

    country: str
    activities: dict[str, ActivityPolicy]


# Reads are the vault's hottest path (every find and show of the CLI and the API), so they
# run prepared Core statements, and derive the register's policies once per applied version.
_VERSION = cast(Table, RegisterVersion.__table__)
_RECORD = cast(Table, Record.__table__)
_IDENTIFIER = cast(Table, Identifier.__table__)
_SUBJECT = cast(Table, Subject.__table__)
_NEWEST_VERSION = (
    select(_VERSION.c.id, _VERSION.c.content_hash).order_by(_VERSION.c.id.desc()).limit(1)
)
_FIND = (
    select(_RECORD.c.subject_id, _RECORD.c.activity)
    .join(_IDENTIFIER, _IDENTIFIER.c.record_id == _RECORD.c.id)
    .where(_IDENTIFIER.c.kind == bindparam("kind"), _IDENTIFIER.c.digest == bindparam("digest"))
)
_SUBJECT_EXISTS = select(_SUBJECT.c.id).where(_SUBJECT.c.id == bindparam("subject_id"))
_RECORDS_OF = (
    select(
        _RECORD.c.id,
        _RECORD.c.activity,
        _RECORD.c.source,
        _RECORD.c.status,
        _RECORD.c.data,
        _RECORD.c.created_at,
        _RECORD.c.updated_at,
        *(_RECORD.c[column] for column in EVENTS.values()),
    )
    .where(_RECORD.c.subject_id == bindparam("subject_id"))
    .order_by(_RECORD.c.activity)
)
#: Policies by (version id, content hash); a new version is a new key, so nothing goes stale.
_POLICIES: dict[tuple[int, str], _Policies] = {}
_POLICIES_KEPT: Final = 4


def _policies(session: Session) -> _Policies:
    """The policies of the applied register; :class:`NotFound` if none was applied yet."""
    newest = session.execute(_NEWEST_VERSION).first()
    found = _POLICIES.get((newest.id, newest.content_hash)) if newest is not None else None
    if found is not None:
        return found
    stored = require_version(session)
    found = _Policies(stored.register.organisation.country, all_policies(stored))
    if len(_POLICIES) >= _POLICIES_KEPT:
        _POLICIES.clear()
    _POLICIES[(stored.version, stored.content_hash)] = found
    return found


def _may_read(actor: Actor, policy: ActivityPolicy | None) -> bool:
    return actor.is_dpo or (policy is not None and policy.may_access(actor))


def find_subjects(
    session: Session, keyring: Keyring, actor: Actor, *, kind: ValueKind, value: str, at: datetime
) -> list[SubjectMatch]:
    """Subjects with identifier ``value`` of ``kind`` in an activity the actor may read."""
    if kind not in LOOKUP_KINDS:
        raise FieldRefused("'{field}' is not a kind to look a person up by", field=kind.value)
    policies = _policies(session)
    index_kind, form = lookup_form(kind, value, country=policies.country)
    digest = keyring.index(index_kind, form)
    rows = session.execute(_FIND, {"kind": index_kind, "digest": digest}).all()
    found: dict[uuid.UUID, set[str]] = {}
    for subject_id, activity in rows:
        if _may_read(actor, policies.activities.get(activity)):
            found.setdefault(subject_id, set()).add(activity)
    matches = [SubjectMatch(sid, sorted(activities)) for sid, activities in sorted(found.items())]
    record_event(
        session,
        actor,
        Event("subject_find", detail={"kind": kind.value, "matches": len(matches)}),
        at=at,
    )
    return matches


def show_subject(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    at: datetime,
    reason: str | None = None,
) -> SubjectView:
    """Decrypt the records of ``subject_id`` the actor may read; audit each record read.

    :class:`AccessDenied` when the actor may read none: the transaction then rolls back, so
    the caller records the refusal in a transaction of its own (:func:`record_refused_read`).
    """
    if session.execute(_SUBJECT_EXISTS, {"subject_id": subject_id}).first() is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    policies = _policies(session).activities
    records = session.execute(_RECORDS_OF, {"subject_id": subject_id}).all()
    reachable = [record for record in records if _may_read(actor, policies.get(record.activity))]
    # A restricted record (Art. 18) is stored, not used: only the DPO reads it.
    readable = [r for r in reachable if actor.is_dpo or r.status != RESTRICTED]
    if reachable and not readable:
        raise AccessDenied(
            "the records of subject {subject} that '{actor}' may read are restricted "
            "(Art. 18 GDPR): only the DPO reads them until the restriction is lifted",
            actor=actor.name,
            subject=str(subject_id),
        )
    if not readable:
        raise AccessDenied(
            "'{actor}' may read none of the records of subject {subject}",
            actor=actor.name,
            subject=str(subject_id),
        )
    cipher = keyring.cipher(session, subject_id)
    views = []
    for record in readable:
        events = {
            name: record._mapping[column]
            for name, column in EVENTS.items()
            if record._mapping[column] is not None
        }
        views.append(
            RecordView(
                record_id=record.id,
                activity=record.activity,
                source=record.source,
                status=record.status,
                values=open_values(cipher, record.id, record.data),
                events=events,
                created_at=record.created_at,
                updated_at=record.updated_at,
            )
        )
    record_events(
        session,
        actor,
        [
            Event(
                "record_read",
                subject_id=subject_id,
                record_id=view.record_id,
                activity=view.activity,
                reason=reason,
            )
            for view in views
        ],
        at=at,
    )
    return SubjectView(subject_id=subject_id, records=views)


def record_refused_read(
    session: Session,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    at: datetime,
    reason: str | None = None,
) -> None:
    """Audit a read the actor was refused (:class:`AccessDenied` from :func:`show_subject`),
    so that attempts beyond a user's reach are on record too."""
    record_event(
        session,
        actor,
        Event("record_read_refused", subject_id=subject_id, reason=reason),
        at=at,
    )


def event_counts(session: Session, activity: str, event: str) -> dict[tuple[date | None, int], int]:
    """How many records of ``activity`` hold each value of the event column ``event``
    (``collected``, ``selection_end``, ``record_date``, ...; None: the event has not
    happened), by that value and how many times their period was renewed. Counts only: no
    value is read, no key is needed, nothing is audited."""
    column = _RECORD.c[event]
    renewals = _RECORD.c.renewals
    rows = session.execute(
        select(column, renewals, func.count())
        .where(_RECORD.c.activity == activity)
        .group_by(column, renewals)
    ).all()
    return {(day, int(renewed)): int(count) for day, renewed, count in rows}


@dataclass(frozen=True)
class RecordDates:
    """What retention needs of one record: its activity, subject, events and renewals."""

    record_id: uuid.UUID
    subject_id: uuid.UUID
    activity: str
    events: dict[str, date | None]
    renewals: int


def record_dates(session: Session, record_id: uuid.UUID) -> RecordDates | None:
    """The events and renewals of a record (no value, no key); None if there is none."""
    row = session.execute(select(_RECORD).where(_RECORD.c.id == record_id)).mappings().first()
    return _dates(row) if row is not None else None


def _dates(row: RowMapping) -> RecordDates:
    return RecordDates(
        row["id"],
        row["subject_id"],
        row["activity"],
        {column: row[column] for column in EVENTS.values()},
        int(row["renewals"]),
    )


def record_count(session: Session, activity: str) -> int:
    """How many records ``activity`` holds."""
    return int(
        session.execute(
            select(func.count()).select_from(Record).where(Record.activity == activity)
        ).scalar_one()
    )


def record_owner(session: Session, record_id: uuid.UUID) -> uuid.UUID | None:
    """The subject a record belongs to; None when there is no such record."""
    return session.execute(
        select(_RECORD.c.subject_id).where(_RECORD.c.id == record_id)
    ).scalar_one_or_none()


def subject_exists(session: Session, subject_id: uuid.UUID) -> bool:
    """Whether the vault holds ``subject_id``."""
    found = session.execute(select(_SUBJECT.c.id).where(_SUBJECT.c.id == subject_id)).first()
    return found is not None


def set_consent_dates(
    session: Session,
    subject_id: uuid.UUID,
    activities: Collection[str],
    *,
    given: date | None,
    withdrawn: date | None,
) -> int:
    """Keep on the subject's records of ``activities`` when their consent was last given and
    withdrawn (None: it stands), as the consent log says. How many records."""
    if not activities:
        return 0
    result = session.execute(
        update(_RECORD)
        .where(_RECORD.c.subject_id == subject_id, _RECORD.c.activity.in_(list(activities)))
        .values(consent_given=given, consent_withdrawn=withdrawn)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def identify(
    session: Session, keyring: Keyring, kind: ValueKind, value: str
) -> tuple[tuple[str, bytes], set[uuid.UUID]]:
    """The blind index of an identifier a person gave (``kind``: e-mail, phone or national
    number) and the subjects holding it. Reads no value; :class:`FieldRefused` if ``value``
    is not a valid identifier of that kind."""
    if kind not in LOOKUP_KINDS:
        raise FieldRefused("'{field}' is not a kind to look a person up by", field=kind.value)
    index_kind, form = lookup_form(kind, value, country=_policies(session).country)
    digest = keyring.index(index_kind, form)
    rows = session.execute(_FIND, {"kind": index_kind, "digest": digest}).all()
    return (index_kind, digest), {subject_id for subject_id, _activity in rows}


def subject_record_dates(session: Session, subject_id: uuid.UUID) -> list[RecordDates]:
    """The events and renewals of every record of a subject (no value, no key)."""
    rows = session.execute(
        select(_RECORD).where(_RECORD.c.subject_id == subject_id).order_by(_RECORD.c.activity)
    ).mappings()
    return [_dates(row) for row in rows]
