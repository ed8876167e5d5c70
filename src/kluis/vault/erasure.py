"""Erasure and anonymisation.

Erasing a subject destroys its data key first (crypto-shredding), then deletes its rows: a
copy of the data taken before, in a backup, the WAL or a free page, can no longer be read.
Anonymising a record keeps facts with no link to the person (activity, source, event months,
the number of fields) and erases the rest (Recital 26 GDPR).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    func,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.register.versions import require_version
from kluis.storage.bulk import insert_tuples
from kluis.vault.errors import AccessDenied, SubjectNotFound
from kluis.vault.keyring import Keyring
from kluis.vault.models import AnonymousRecord, Identifier, Record, Subject
from kluis.vault.policy import EVENTS, all_policies
from kluis.vault.writes import RESTRICTED

#: Ids per statement of a batch (an ``IN`` list): within the bound parameters SQLite and
#: PostgreSQL take, few enough round trips for a retention run's batches of thousands.
_CHUNK = 5000
_RECORD = cast(Table, Record.__table__)
_IDENTIFIER = cast(Table, Identifier.__table__)
_SUBJECT = cast(Table, Subject.__table__)
_ANONYMOUS = cast(Table, AnonymousRecord.__table__)
# Core statements with an expanding list of ids, compiled once: built with a literal list,
# each of a batch's statements would cost more to compile than to run.
_IDS = "ids"
_DELETE_IDENTIFIERS = delete(_IDENTIFIER).where(
    _IDENTIFIER.c.record_id.in_(bindparam(_IDS, expanding=True))
)
_DELETE_RECORDS = delete(_RECORD).where(_RECORD.c.id.in_(bindparam(_IDS, expanding=True)))
_DELETE_SUBJECTS = delete(_SUBJECT).where(_SUBJECT.c.id.in_(bindparam(_IDS, expanding=True)))
_RECORDS_OF = select(_RECORD.c.id, _RECORD.c.subject_id).where(
    _RECORD.c.subject_id.in_(bindparam(_IDS, expanding=True))
)
_SUBJECTS_LEFT = (
    select(_RECORD.c.subject_id)
    .where(_RECORD.c.subject_id.in_(bindparam(_IDS, expanding=True)))
    .distinct()
)
_EVENT_COLUMNS = tuple(EVENTS.items())
_TO_ANONYMISE = select(
    _RECORD.c.activity, _RECORD.c.source, _RECORD.c.data, *(_RECORD.c[c] for _, c in _EVENT_COLUMNS)
).where(_RECORD.c.id.in_(bindparam(_IDS, expanding=True)))
_ANONYMOUS_COLUMNS = ("activity", "source", "events", "field_count", "anonymised_on")
# The two details of an expiry's audit entries, shared by all of a batch's entries: the
# audit log encodes each once (never changed: the log copies what it stores).
_ERASED: Mapping[str, object] = MappingProxyType({"subject_erased": True})
_KEPT: Mapping[str, object] = MappingProxyType({"subject_erased": False})


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
    """Erase a subject entirely (Art. 17 GDPR); only the DPO may, and must say why. On
    SQLite, run :func:`shred_subject` in a transaction of its own first."""
    _check_erase(session, actor, subject_id, reason)
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


def _check_erase(session: Session, actor: Actor, subject_id: uuid.UUID, reason: str) -> None:
    if not actor.is_dpo:
        raise NotAllowed("only the DPO may erase a data subject")
    if not reason.strip():
        raise InvalidInput("an erasure needs a reason")
    if session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))


def restrict_subject(
    session: Session, actor: Actor, subject_id: uuid.UUID, *, reason: str, at: datetime
) -> int:
    """Restrict the processing of every record of the subject (Art. 18): stored, not used;
    only the DPO reads them, nobody changes them, retention keeps them. The DPO only. How
    many records."""
    return _set_status(
        session, actor, subject_id, status=RESTRICTED, action="record_restrict", reason=reason,
        at=at,
    )  # fmt: skip


def lift_restriction(
    session: Session,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    informed_on: date,
    reason: str,
    at: datetime,
) -> int:
    """Lift the restriction of the subject's records, once the person has been told
    (Art. 18(3)); the DPO only. How many records."""
    if informed_on > at.date():
        raise InvalidInput(
            "the person is told before the restriction is lifted, not on {day}",
            day=informed_on.isoformat(),
        )
    return _set_status(
        session, actor, subject_id, status="active", action="record_unrestrict", reason=reason,
        at=at, informed_on=informed_on,
    )  # fmt: skip


def _set_status(
    session: Session,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    status: str,
    action: str,
    reason: str,
    at: datetime,
    informed_on: date | None = None,
) -> int:
    if not actor.is_dpo:
        raise NotAllowed("only the DPO may restrict processing or lift a restriction")
    if not reason.strip():
        raise InvalidInput("a restriction and its lifting need a reason")
    records = session.execute(
        select(Record.id, Record.activity).where(
            Record.subject_id == subject_id, Record.status != status
        )
    ).all()
    if not records:
        return 0
    session.execute(
        update(Record)
        .where(Record.id.in_([record.id for record in records]))
        .values(status=status, updated_at=at)
    )
    detail: dict[str, object] = {"status": status}
    if informed_on is not None:
        detail["informed_on"] = informed_on.isoformat()
    record_events(
        session,
        actor,
        [
            Event(
                action,
                subject_id=subject_id,
                record_id=record.id,
                activity=record.activity,
                reason=reason.strip(),
                detail=detail,
            )
            for record in records
        ],
        at=at,
    )
    return len(records)


def shred_subject(
    session: Session, keyring: Keyring, actor: Actor, subject_id: uuid.UUID, *, reason: str
) -> bool:
    """The first step of :func:`erase_subject`, committed on its own before it: destroy the
    subject's data key (with the same checks). Whether a key was destroyed.

    On SQLite the key store is a second database file, and a transaction across both
    commits one file at a time, the data first: a stop in between would leave the data
    deleted and its key alive, readable in any earlier backup. Committed first, the key
    never outlives the data; a stop after it leaves data nobody can read, which the
    erasure's second step (or a rerun) deletes."""
    _check_erase(session, actor, subject_id, reason)
    return keyring.destroy(session, [subject_id]) > 0


def orphans_of(session: Session, records: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[uuid.UUID]:
    """The subjects that deleting ``records`` (record id, subject id) leaves without any."""
    ids = {record_id for record_id, _ in records}
    subjects = list(dict.fromkeys(subject_id for _, subject_id in records))
    left: set[uuid.UUID] = set()
    for chunk in _chunks(subjects):
        for record_id, subject_id in session.execute(_RECORDS_OF, {_IDS: chunk}):
            if record_id not in ids:
                left.add(subject_id)
    return [subject_id for subject_id in subjects if subject_id not in left]


def shred_orphans(
    session: Session, keyring: Keyring, records: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> int:
    """Destroy the data keys of the subjects that deleting ``records`` will leave without a
    record, in a transaction of its own before the one that deletes them (see
    :func:`shred_subject`). How many keys were destroyed."""
    return keyring.destroy(session, orphans_of(session, records))


def activity_records(
    session: Session, activities: Collection[str]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every record of ``activities``: (record id, subject id)."""
    if not activities:
        return []
    rows = session.execute(
        select(Record.id, Record.subject_id).where(Record.activity.in_(list(activities)))
    )
    return [(record_id, subject_id) for record_id, subject_id in rows]


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
        session.execute(_DELETE_IDENTIFIERS, {_IDS: chunk})
        session.execute(_DELETE_RECORDS, {_IDS: chunk})
    subjects = list(dict.fromkeys(subject_id for _, subject_id in records))
    left: set[uuid.UUID] = set()
    for chunk in _chunks(subjects):
        left.update(session.execute(_SUBJECTS_LEFT, {_IDS: chunk}).scalars())
    orphans = [subject_id for subject_id in subjects if subject_id not in left]
    keyring.destroy(session, orphans)
    for chunk in _chunks(orphans):
        session.execute(_DELETE_SUBJECTS, {_IDS: chunk})
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


def _anonymous(record: Record, at: datetime) -> AnonymousRecord:
    """What anonymising ``record`` keeps: activity, source, event months, how many fields."""
    months = {
        name: getattr(record, column).strftime("%Y-%m")
        for name, column in EVENTS.items()
        if getattr(record, column) is not None
    }
    return AnonymousRecord(
        activity=record.activity,
        source=record.source,
        events=months,
        field_count=len(record.data),
        anonymised_on=at.date(),
    )


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
    kept = _anonymous(record, at)
    session.add(kept)
    session.flush()
    _drop_and_audit(session, keyring, actor, record, "record_anonymise", reason=reason, at=at)
    return kept.id


#: Per number of renewals, the latest event day whose records are due (see ``records_due``).
Cutoffs = Mapping[int, date]


def _due(event: str, cutoffs: Cutoffs) -> ColumnElement[bool]:
    """Records whose ``event`` is on or before the cutoff of their number of renewals."""
    column = _RECORD.c[event]
    return or_(
        *(
            and_(_RECORD.c.renewals == renewals, column <= cutoff)
            for renewals, cutoff in sorted(cutoffs.items())
        )
    )


def records_due(
    session: Session,
    activity: str,
    event: str,
    cutoffs: Cutoffs,
    *,
    limit: int,
    after: uuid.UUID | None = None,
    skip_subjects: Collection[uuid.UUID] = (),
    skip_records: Collection[uuid.UUID] = (),
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Up to ``limit`` records of ``activity`` whose event column ``event`` is on or before
    the cutoff of their number of renewals, in the order of their ids and after the id
    ``after`` (so that batch after batch walks the records once, however many are not due
    or held), leaving out the subjects and records given: ``(record id, subject id)``."""
    if not cutoffs:
        return []
    column = _RECORD.c[event]
    # The (activity, id) index gives the activity's records in id order: no sort.
    query = (
        select(_RECORD.c.id, _RECORD.c.subject_id)
        .where(_RECORD.c.activity == activity, column.is_not(None), _due(event, cutoffs))
        .where(_RECORD.c.status != RESTRICTED)  # stored, not processed (Art. 18)
        .order_by(_RECORD.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(_RECORD.c.id > after)
    if skip_subjects:
        query = query.where(_RECORD.c.subject_id.not_in(list(skip_subjects)))
    if skip_records:
        query = query.where(_RECORD.c.id.not_in(list(skip_records)))
    return [(record_id, subject_id) for record_id, subject_id in session.execute(query)]


#: Written out, not bound: a partial index serves only a condition the query spells the same.
_RESTRICTED = text(f"record.status = '{RESTRICTED}'")


def count_records(
    session: Session,
    activity: str,
    event: str,
    cutoffs: Cutoffs,
    *,
    subjects: Collection[uuid.UUID] = (),
    records: Collection[uuid.UUID] = (),
) -> int:
    """How many records of ``activity`` due by ``cutoffs`` (see :func:`records_due`) belong
    to ``subjects``, are among ``records``, or are restricted (what holds and restrictions
    keep from a run)."""
    if not cutoffs:
        return 0
    due = (_RECORD.c.activity == activity, _due(event, cutoffs))
    # The restricted ones by their partial index; the held ones by their ids, when any.
    restricted = select(func.count()).select_from(_RECORD).where(*due, _RESTRICTED)
    count = int(session.execute(restricted).scalar_one())
    covered = []
    if subjects:
        covered.append(_RECORD.c.subject_id.in_(list(subjects)))
    if records:
        covered.append(_RECORD.c.id.in_(list(records)))
    if covered:
        held = (
            select(func.count())
            .select_from(_RECORD)
            .where(*due, _RECORD.c.status != RESTRICTED, or_(*covered))
        )
        count += int(session.execute(held).scalar_one())
    return count


def records_between(
    session: Session, activity: str, event: str, after: Cutoffs, until: Cutoffs
) -> list[tuple[uuid.UUID, uuid.UUID, date, int]]:
    """Records of ``activity`` due by ``until`` but not by ``after`` (see
    :func:`records_due`): ``(record id, subject id, event day, renewals)``, oldest first."""
    if not until:
        return []
    column = _RECORD.c[event]
    query = select(_RECORD.c.id, _RECORD.c.subject_id, column, _RECORD.c.renewals).where(
        _RECORD.c.activity == activity, column.is_not(None), _due(event, until)
    )
    if after:
        query = query.where(not_(_due(event, after)))
    rows = session.execute(query.order_by(column, _RECORD.c.id)).all()
    return [
        (record_id, subject_id, day, int(renewals)) for record_id, subject_id, day, renewals in rows
    ]


def renew_record(
    session: Session, actor: Actor, record_id: uuid.UUID, *, reason: str, at: datetime
) -> int:
    """Extend a record's retention period by one renewal (the person was asked and agreed);
    audited. The number of renewals the record now has."""
    if not reason.strip():
        raise InvalidInput("a renewal needs a reason: when and how the person agreed")
    record = _record_for_change(session, actor, record_id)
    record.renewals = (record.renewals or 0) + 1
    session.flush()
    record_events(
        session,
        actor,
        [
            Event(
                "record_renew",
                subject_id=record.subject_id,
                record_id=record.id,
                activity=record.activity,
                reason=reason.strip(),
                detail={"renewals": record.renewals},
            )
        ],
        at=at,
    )
    return record.renewals


def _anonymise_all(session: Session, ids: Sequence[uuid.UUID], at: datetime) -> None:
    """Keep the non-identifying facts of the records ``ids`` (see :func:`_anonymous`), in one
    insert: the record's own row is not loaded as an object."""
    kept: list[tuple[object, ...]] = []
    day = at.date()
    for chunk in _chunks(ids):
        for activity, source, data, *events in session.execute(_TO_ANONYMISE, {_IDS: chunk}):
            months = {
                name: event.strftime("%Y-%m")
                for (name, _), event in zip(_EVENT_COLUMNS, events, strict=True)
                if event is not None
            }
            kept.append((activity, source, months, len(data), day))
    insert_tuples(session, _ANONYMOUS, _ANONYMOUS_COLUMNS, kept)


def expire_records(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    records: Sequence[tuple[uuid.UUID, uuid.UUID]],
    *,
    activity: str,
    anonymise: bool,
    reason: str,
    at: datetime,
    action: str | None = None,
) -> int:
    """Erase (or anonymise) ``records`` of ``activity`` whose retention ended (or that must
    go for another ``reason``, audited as ``action``), each audited, in the caller's
    transaction; subjects left without a record are shredded. How many subjects were."""
    if not records:
        return 0
    if anonymise:
        _anonymise_all(session, [record_id for record_id, _ in records], at)
    shredded = drop_records(session, keyring, records)
    action = action or ("retention_anonymise" if anonymise else "retention_erase")
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
                detail=_ERASED if subject_id in shredded else _KEPT,
            )
            for record_id, subject_id in records
        ],
        at=at,
    )
    return len(shredded)


def expire_by_activity(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    records: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
    *,
    anonymise: bool,
    reason: str,
    action: str,
    at: datetime,
) -> int:
    """:func:`expire_records` for records of several activities, given as (record id, subject
    id, activity): one call per activity, in the order of their ids. How many subjects were
    shredded."""
    grouped: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    for record_id, subject_id, activity in records:
        grouped.setdefault(activity, []).append((record_id, subject_id))
    return sum(
        expire_records(
            session,
            keyring,
            actor,
            pairs,
            activity=activity,
            anonymise=anonymise,
            reason=reason,
            action=action,
            at=at,
        )
        for activity, pairs in sorted(grouped.items())
    )
