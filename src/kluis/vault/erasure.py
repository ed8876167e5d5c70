"""Erasure and anonymisation.

Erasing a subject destroys its data key first (crypto-shredding), then deletes its rows: a
copy of the data taken before, in a backup, the WAL or a free page, can no longer be read.
Anonymising a record keeps facts with no link to the person (activity, source, event months,
the number of fields) and erases the rest (Recital 26 GDPR).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.register.versions import require_version
from kluis.vault.errors import AccessDenied, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import AnonymousRecord, Identifier, Record, Subject
from kluis.vault.policy import EVENTS, all_policies

_CHUNK = 500


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


def _chunks(values: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def drop_records(
    session: Session, keyring: Keyring, records: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> set[uuid.UUID]:
    """Delete ``records`` (record id, subject id) with their blind indexes; shred and delete
    every subject left without a record. The subjects shredded."""
    for chunk in _chunks([record_id for record_id, _ in records]):
        session.execute(delete(Identifier).where(Identifier.record_id.in_(chunk)))
        session.execute(delete(Record).where(Record.id.in_(chunk)))
    subjects = list(dict.fromkeys(subject_id for _, subject_id in records))
    left: set[uuid.UUID] = set()
    for chunk in _chunks(subjects):
        left.update(
            session.execute(
                select(Record.subject_id).where(Record.subject_id.in_(chunk)).distinct()
            ).scalars()
        )
    orphans = [subject_id for subject_id in subjects if subject_id not in left]
    keyring.destroy(session, orphans)
    for chunk in _chunks(orphans):
        session.execute(delete(Subject).where(Subject.id.in_(chunk)))
    return set(orphans)


def _drop_and_audit(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    record: Record,
    action: str,
    *,
    reason: str,
    at: datetime,
) -> bool:
    """Drop one record (see :func:`drop_records`) and audit ``action``; whether the subject
    was shredded with it."""
    subject_id, record_id, activity = record.subject_id, record.id, record.activity
    last = subject_id in drop_records(session, keyring, [(record_id, subject_id)])
    record_events(
        session,
        actor,
        [
            Event(
                action,
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
    return _drop_and_audit(session, keyring, actor, record, "record_erase", reason=reason, at=at)


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
    session.flush()
    _drop_and_audit(session, keyring, actor, record, "record_anonymise", reason=reason, at=at)
    return kept.id
