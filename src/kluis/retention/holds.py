"""Legal holds: records that retention must not erase or anonymise while a claim, an
investigation or an audit needs them, whatever their period says.

A hold covers one subject (all their records), one record, or a whole activity. It lasts
until the day ``until`` says, or until it is lifted; setting and lifting it is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, NotFound
from kluis.register.versions import require_version
from kluis.retention.models import LegalHold
from kluis.retention.policy import require_privacy_staff
from kluis.vault import record_owner, subject_exists

Scope = Literal["subject", "record", "activity"]


@dataclass(frozen=True)
class Hold:
    """A legal hold as shown: what it covers, why, until when, who set and lifted it."""

    id: int
    scope: Scope
    #: The subject id, record id or activity id it covers.
    target: str
    reason: str
    until: date | None
    set_by: str
    set_at: datetime
    lifted_by: str | None = None
    lifted_at: datetime | None = None

    def active_on(self, day: date) -> bool:
        """Whether the hold still protects records on ``day``."""
        return self.lifted_at is None and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class HeldScope:
    """What the holds active on a day cover."""

    subjects: frozenset[uuid.UUID]
    records: frozenset[uuid.UUID]
    activities: frozenset[str]


def _view(hold: LegalHold) -> Hold:
    scope: Scope
    if hold.subject_id is not None:
        scope, target = "subject", str(hold.subject_id)
    elif hold.record_id is not None:
        scope, target = "record", str(hold.record_id)
    else:
        scope, target = "activity", str(hold.activity)
    return Hold(
        hold.id,
        scope,
        target,
        hold.reason,
        hold.until,
        hold.set_by,
        hold.set_at,
        hold.lifted_by,
        hold.lifted_at,
    )


def set_hold(
    session: Session,
    actor: Actor,
    *,
    subject_id: uuid.UUID | None = None,
    record_id: uuid.UUID | None = None,
    activity: str | None = None,
    reason: str,
    until: date | None = None,
    at: datetime,
) -> Hold:
    """Put a subject, a record or an activity under a legal hold."""
    require_privacy_staff(actor)
    given = [value for value in (subject_id, record_id, activity) if value is not None]
    if len(given) != 1:
        raise InvalidInput("a legal hold covers one subject, one record or one activity")
    if not reason.strip():
        raise InvalidInput("a legal hold needs a reason")
    if until is not None and until < at.date():
        raise InvalidInput("a legal hold cannot end before today ({until})", until=str(until))
    owner = subject_id
    if subject_id is not None and not subject_exists(session, subject_id):
        raise NotFound("no subject {subject}", subject=str(subject_id))
    if record_id is not None:
        owner = record_owner(session, record_id)
        if owner is None:
            raise NotFound("no record {record}", record=str(record_id))
    if activity is not None:
        known = [item.id for item in require_version(session).register.activities]
        if activity not in known:
            raise NotFound("the applied register has no activity '{activity}'", activity=activity)
    hold = LegalHold(
        subject_id=subject_id,
        record_id=record_id,
        activity=activity,
        reason=reason.strip(),
        until=until,
        set_by=actor.name,
        set_at=at,
    )
    session.add(hold)
    session.flush()
    view = _view(hold)
    record_event(
        session,
        actor,
        Event(
            "hold_set",
            subject_id=owner,
            record_id=record_id,
            activity=activity,
            reason=hold.reason,
            detail={"hold": hold.id, "scope": view.scope, "until": str(until) if until else None},
        ),
        at=at,
    )
    return view


def lift_hold(session: Session, actor: Actor, hold_id: int, *, reason: str, at: datetime) -> Hold:
    """Lift a legal hold: retention applies again to what it covered."""
    require_privacy_staff(actor)
    if not reason.strip():
        raise InvalidInput("lifting a legal hold needs a reason")
    hold = session.get(LegalHold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound("no legal hold {hold}", hold=hold_id)
    if hold.lifted_at is not None:
        raise Conflict("legal hold {hold} was lifted already", hold=hold_id)
    hold.lifted_by, hold.lifted_at, hold.lift_reason = actor.name, at, reason.strip()
    session.flush()
    owner = hold.subject_id
    if hold.record_id is not None:
        owner = record_owner(session, hold.record_id)
    record_event(
        session,
        actor,
        Event(
            "hold_lift",
            subject_id=owner,
            record_id=hold.record_id,
            activity=hold.activity,
            reason=hold.lift_reason,
            detail={"hold": hold.id},
        ),
        at=at,
    )
    return _view(hold)


def list_holds(session: Session, actor: Actor, *, active_on: date | None = None) -> list[Hold]:
    """Every legal hold, newest first; with ``active_on``, those still in force that day."""
    require_privacy_staff(actor)
    query = select(LegalHold).order_by(LegalHold.id.desc())
    if active_on is not None:
        query = query.where(
            LegalHold.lifted_at.is_(None),
            or_(LegalHold.until.is_(None), LegalHold.until >= active_on),
        )
    return [_view(hold) for hold in session.execute(query).scalars()]


def held_scope(session: Session, day: date) -> HeldScope:
    """What the holds in force on ``day`` cover (for the plan and the run)."""
    query = select(LegalHold).where(
        LegalHold.lifted_at.is_(None),
        or_(LegalHold.until.is_(None), LegalHold.until >= day),
    )
    subjects: set[uuid.UUID] = set()
    records: set[uuid.UUID] = set()
    activities: set[str] = set()
    for hold in session.execute(query).scalars():
        if hold.subject_id is not None:
            subjects.add(hold.subject_id)
        elif hold.record_id is not None:
            records.add(hold.record_id)
        elif hold.activity is not None:
            activities.add(hold.activity)
    return HeldScope(frozenset(subjects), frozenset(records), frozenset(activities))


__all__ = ["HeldScope", "Hold", "held_scope", "lift_hold", "list_holds", "set_hold"]
