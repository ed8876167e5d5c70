"""Records due for review (``review:``): counted and listed from the day they were last
reviewed, or collected when they never were; a review is recorded on the record, audited.

Reads no value and needs no key: only record ids, subjects, activities and dates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.vault.models import Record

_RECORD = cast(Table, Record.__table__)
#: The day a record's next review counts from.
_SINCE = func.coalesce(_RECORD.c.reviewed, _RECORD.c.collected)


def review_counts(session: Session, activity: str) -> dict[date | None, int]:
    """How many records of ``activity`` were last reviewed (or collected) on each day."""
    rows = session.execute(
        select(_SINCE, func.count()).where(_RECORD.c.activity == activity).group_by(_SINCE)
    ).all()
    return {day: int(count) for day, count in rows}


def records_for_review(
    session: Session,
    activity: str,
    *,
    since: date,
    limit: int,
    after: uuid.UUID | None = None,
) -> list[tuple[uuid.UUID, uuid.UUID, date]]:
    """Records of ``activity`` last reviewed (or collected) on or before ``since``: their id,
    subject and that day, in id order, at most ``limit`` (after record ``after``)."""
    query = select(_RECORD.c.id, _RECORD.c.subject_id, _SINCE.label("since")).where(
        _RECORD.c.activity == activity,
        _SINCE <= since,  # noqa: SIM300 - a column, not a constant
    )
    if after is not None:
        query = query.where(_RECORD.c.id > after)
    rows = session.execute(query.order_by(_RECORD.c.id).limit(limit)).all()
    return [(record_id, subject_id, day) for record_id, subject_id, day in rows]


def review_targets(
    session: Session, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """The subject and activity of each record of ``record_ids`` that exists."""
    rows = session.execute(
        select(_RECORD.c.id, _RECORD.c.subject_id, _RECORD.c.activity).where(
            _RECORD.c.id.in_(list(record_ids))
        )
    ).all()
    return {record_id: (subject_id, activity) for record_id, subject_id, activity in rows}


def mark_reviewed(
    session: Session,
    actor: Actor,
    records: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
    *,
    reason: str,
    at: datetime,
) -> int:
    """Record that ``records`` (id, subject, activity) were reviewed and are kept: each
    audited with ``reason``. How many."""
    if not records:
        return 0
    session.execute(
        update(_RECORD)
        .where(_RECORD.c.id.in_([record_id for record_id, _, _ in records]))
        .values(reviewed=at.date(), updated_at=at)
    )
    record_events(
        session,
        actor,
        [
            Event(
                "record_review",
                subject_id=subject_id,
                record_id=record_id,
                activity=activity,
                reason=reason,
                detail={"decision": "keep"},
            )
            for record_id, subject_id, activity in records
        ],
        at=at,
    )
    return len(records)


__all__ = ["mark_reviewed", "records_for_review", "review_counts", "review_targets"]
