"""Carrying out a restriction request (Art. 18): the person's records are stored, not used,
until the restriction is lifted, which may be after the request was closed; lifting it
needs the person told first (Art. 18(3))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.subject_requests.policy import Kind
from kluis.subject_requests.service import request_for
from kluis.vault import lift_restriction, restrict_subject


def restrict(session: Session, actor: Actor, request_id: int, *, at: datetime) -> int:
    """Restrict the processing of every record of the person (the DPO only); how many."""
    request = request_for(session, actor, request_id, Kind.restriction, matched=True)
    assert request.subject_id is not None
    return restrict_subject(
        session, actor, request.subject_id, reason=f"restriction request {request_id}", at=at
    )


def lift(
    session: Session, actor: Actor, request_id: int, *, informed_on: date, at: datetime
) -> int:
    """Lift the restriction, the person having been told on ``informed_on``; how many."""
    request = request_for(
        session, actor, request_id, Kind.restriction, matched=True, closed_too=True
    )
    assert request.subject_id is not None
    return lift_restriction(
        session,
        actor,
        request.subject_id,
        informed_on=informed_on,
        reason=f"restriction request {request_id} lifted",
        at=at,
    )


__all__ = ["lift", "restrict"]
