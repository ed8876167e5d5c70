"""Finding and reading subjects: every read is audited and reaches only the activities the
actor's roles grant (need-to-know, Art. 32 GDPR)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event, record_events
from kluis.core.actor import Actor
from kluis.register.versions import require_version
from kluis.vault.errors import AccessDenied, FieldRefused, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import Identifier, Record, Subject
from kluis.vault.policy import EVENTS, ValueKind, all_policies, lookup_form
from kluis.vault.writes import open_values

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


def find_subjects(
    session: Session, keyring: Keyring, actor: Actor, *, kind: ValueKind, value: str, at: datetime
) -> list[SubjectMatch]:
    """Subjects with identifier ``value`` of ``kind`` in an activity the actor may read."""
    if kind not in LOOKUP_KINDS:
        raise FieldRefused("'{field}' is not a kind to look a person up by", field=kind.value)
    stored = require_version(session)
    policies = all_policies(stored)
    index_kind, form = lookup_form(kind, value, country=stored.register.organisation.country)
    digest = keyring.index(index_kind, form)
    rows = session.execute(
        select(Record.subject_id, Record.activity)
        .join(Identifier, Identifier.record_id == Record.id)
        .where(Identifier.kind == index_kind, Identifier.digest == digest)
    ).all()
    found: dict[uuid.UUID, set[str]] = {}
    for subject_id, activity in rows:
        policy = policies.get(activity)
        if actor.is_dpo or (policy is not None and policy.may_access(actor)):
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
    """Decrypt the records of ``subject_id`` the actor may read; audit each record read."""
    if session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    policies = all_policies(require_version(session))
    records = session.execute(
        select(Record).where(Record.subject_id == subject_id).order_by(Record.activity)
    ).scalars()
    readable = [
        record
        for record in records
        if actor.is_dpo
        or (record.activity in policies and policies[record.activity].may_access(actor))
    ]
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
            name: getattr(record, column)
            for name, column in EVENTS.items()
            if getattr(record, column) is not None
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
