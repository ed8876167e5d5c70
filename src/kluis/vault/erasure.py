"""Erasure and anonymisation.

Erasing a subject destroys its data key first (crypto-shredding), then deletes its rows: a
copy of the data taken before, in a backup, the WAL or a free page, can no longer be read.
Anonymising a record keeps facts with no link to the person (activity, source, event months,
the number of fields) and erases the rest (Recital 26 GDPR).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.register.versions import require_version
from kluis.vault.errors import AccessDenied, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import AnonymousRecord, Identifier, Record, Subject
from kluis.vault.policy import EVENTS, all_policies


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed."""

    subject_id: uuid.UUID
    records: int
    activities: list[str]
    key_destroyed: bool


def erase_subject(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    reason: str,
    at: datetime,
) -> Erasure:
    """Erase a subject entirely (Art. 17 GDPR); only the DPO may, and must say why."""
    if not actor.is_dpo:
        raise NotAllowed("only the DPO may erase a data subject")
    if not reason.strip():
        raise InvalidInput("an erasure needs a reason")
    if session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    activities = list(
        session.execute(
            select(Record.activity).where(Record.subject_id == subject_id).order_by(Record.activity)
        ).scalars()
    )
    destroyed = keyring.destroy(session, [subject_id]) > 0
    _delete_subjects(session, [subject_id])
    record_events(
        session,
        actor,
        [
            Event(
                "subject_erase",
                subject_id=subject_id,
                reason=reason,
                detail={"records": len(activities), "activities": activities},
            )
        ],
        at=at,
    )
    return Erasure(subject_id, len(activities), activities, destroyed)


def _delete_subjects(session: Session, subject_ids: list[uuid.UUID]) -> None:
    session.execute(delete(Identifier).where(Identifier.subject_id.in_(subject_ids)))
    session.execute(delete(Record).where(Record.subject_id.in_(subject_ids)))
    session.execute(delete(Subject).where(Subject.id.in_(subject_ids)))


def _record_for_change(session: Session, actor: Actor, record_id: uuid.UUID) -> Record:
    record = session.get(Record, record_id)
    if record is None:
        raise SubjectNotFound("no record {record}", record=str(record_id))
    policy = all_policies(require_version(session)).get(record.activity)
    if not actor.is_dpo and (policy is None or not policy.may_access(actor)):
        raise AccessDenied(
            "'{actor}' may not change records of activity '{activity}'",
            actor=actor.name,
            activity=record.activity,
        )
    return record


def _drop_record(session: Session, keyring: Keyring, record: Record) -> bool:
    """Delete one record; shred the subject when it was its last. Whether it was."""
    subject_id = record.subject_id
    session.execute(delete(Identifier).where(Identifier.record_id == record.id))
    session.execute(delete(Record).where(Record.id == record.id))
    left = session.execute(
        select(func.count()).select_from(Record).where(Record.subject_id == subject_id)
    ).scalar_one()
    if left:
        return False
    keyring.destroy(session, [subject_id])
    session.execute(delete(Subject).where(Subject.id == subject_id))
    return True


def erase_record(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    record_id: uuid.UUID,
    *,
    reason: str,
    at: datetime,
) -> bool:
    """Erase one record; the subject too when it has no other record. Whether it was."""
    record = _record_for_change(session, actor, record_id)
    subject_id, activity = record.subject_id, record.activity
    last = _drop_record(session, keyring, record)
    record_events(
        session,
        actor,
        [
            Event(
                "record_erase",
                subject_id=subject_id,
                record_id=record_id,
                activity=activity,
                reason=reason,
                detail={"subject_erased": last},
            )
        ],
        at=at,
    )
    return last


def anonymise_record(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    record_id: uuid.UUID,
    *,
    reason: str,
    at: datetime,
) -> int:
    """Keep a record's non-identifying facts, erase the record; the new anonymous row's id."""
    record = _record_for_change(session, actor, record_id)
    months = {
        name: getattr(record, column).strftime("%Y-%m")
        for name, column in EVENTS.items()
        if getattr(record, column) is not None
    }
    kept = AnonymousRecord(
        activity=record.activity,
        source=record.source,
        events=months,
        field_count=len(record.data),
        anonymised_on=at.date(),
    )
    session.add(kept)
    subject_id, activity = record.subject_id, record.activity
    last = _drop_record(session, keyring, record)
    session.flush()
    record_events(
        session,
        actor,
        [
            Event(
                "record_anonymise",
                subject_id=subject_id,
                record_id=record_id,
                activity=activity,
                reason=reason,
                detail={"subject_erased": last},
            )
        ],
        at=at,
    )
    return kept.id
