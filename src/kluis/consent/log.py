"""The consent log as a whole, for privacy staff: the latest events given and withdrawn
across everyone (subject ids, purposes and dates: no personal data), and how many
withdrawals a period saw."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.consent.models import ConsentEvent
from kluis.consent.policy import GIVEN, WITHDRAWN
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed


@dataclass(frozen=True)
class LoggedConsent:
    """One event of the consent log, with the subject it belongs to."""

    id: int
    subject_id: uuid.UUID
    purpose: str
    action: str
    at: datetime
    version: date
    channel: str
    recorded_by: str


def _require_staff(actor: Actor) -> None:
    if not actor.is_privacy_staff:
        raise NotAllowed("only the DPO or an administrator may read the consent log")


def consent_log(
    session: Session,
    actor: Actor,
    *,
    action: str | None = None,
    offset: int = 0,
    limit: int = 25,
) -> tuple[list[LoggedConsent], int]:
    """The latest consent events, newest first (only ``given`` or ``withdrawn`` ones when
    ``action`` says so), and how many there are."""
    _require_staff(actor)
    if action is not None and action not in (GIVEN, WITHDRAWN):
        raise InvalidInput(
            "a consent event is '{given}' or '{withdrawn}'", given=GIVEN, withdrawn=WITHDRAWN
        )
    conditions = [ConsentEvent.action == action] if action is not None else []
    total = session.execute(
        select(func.count()).select_from(ConsentEvent).where(*conditions)
    ).scalar_one()
    rows = session.execute(
        select(ConsentEvent)
        .where(*conditions)
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
        .offset(offset)
        .limit(limit)
    ).scalars()
    events = [
        LoggedConsent(
            event.id,
            event.subject_id,
            event.purpose,
            event.action,
            event.at,
            event.version,
            event.channel,
            event.recorded_by,
        )
        for event in rows
    ]
    return events, int(total)


def withdrawals_since(session: Session, since: datetime) -> int:
    """How many consents were withdrawn at or after ``since`` (a count, for the dashboard)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(ConsentEvent)
            .where(ConsentEvent.action == WITHDRAWN, ConsentEvent.at >= since)
        ).scalar_one()
    )


__all__ = ["LoggedConsent", "consent_log", "withdrawals_since"]
