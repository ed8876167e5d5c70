"""Carrying out a restriction request (Art. 18): the person's records are stored, not used,
until the restriction is lifted; lifting it needs the person told first (Art. 18(3))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.core.errors import Conflict, NotFound
from kluis.subject_requests.models import SubjectRequest
from kluis.subject_requests.policy import Kind
from kluis.vault import lift_restriction, restrict_subject


def _restriction(session: Session, request_id: int) -> SubjectRequest:
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound("no request {request}", request=request_id)
    if request.kind != Kind.restriction.value:
        raise Conflict(
            "request {request} asks for {kind}, not restriction",
            request=request_id,
            kind=request.kind,
        )
    if request.subject_id is None:
        raise Conflict(
            "request {request} matches no one in the vault: there is nothing to restrict",
            request=request_id,
        )
    return request


def restrict(session: Session, actor: Actor, request_id: int, *, at: datetime) -> int:
    """Restrict the processing of every record of the person (the DPO only); how many."""
    request = _restriction(session, request_id)
    assert request.subject_id is not None
    return restrict_subject(
        session, actor, request.subject_id, reason=f"restriction request {request_id}", at=at
    )


def lift(
    session: Session, actor: Actor, request_id: int, *, informed_on: date, at: datetime
) -> int:
    """Lift the restriction, the person having been told on ``informed_on``; how many."""
    request = _restriction(session, request_id)
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
