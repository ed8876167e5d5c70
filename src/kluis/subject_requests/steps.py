"""Carrying out a request in steps, each persisted: done once, or failed and tried again.

Erasing a person is several steps in their own transactions (their data key first, then
the data, then the letter that says what was erased and kept). A stop or an error between
them must neither skip a step nor do one twice: the second run of an erasure must not find
nothing left and write a letter saying nothing was erased. So each step, once done, is
recorded in the same transaction as its work, with what it did (record ids and activities,
never values); a failed step is recorded with its error and how often it was tried, and the
next run tries it again. The interface runs the steps (:data:`STEPS`) in order and skips
those done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.subject_requests.models import RequestStep
from kluis.subject_requests.policy import Kind

DONE: Final = "done"
FAILED: Final = "failed"

#: The steps that carry out each kind of request that needs no further input, in order.
#: Rectification (the new values), objection (the grounds) and withdrawal (the purpose)
#: take theirs from the DPO, in commands of their own.
STEPS: Final[dict[Kind, tuple[str, ...]]] = {
    Kind.access: ("answer",),
    Kind.portability: ("answer",),
    Kind.erasure: ("shred", "erase", "letter"),
    Kind.restriction: ("restrict",),
}


@dataclass(frozen=True)
class StepView:
    """A step of a request as it went."""

    step: str
    status: str
    attempts: int
    error: str | None
    tried_at: datetime
    done_at: datetime | None
    result: dict[str, object] | None


def _view(row: RequestStep) -> StepView:
    return StepView(
        row.step, row.status, row.attempts, row.error, row.tried_at, row.done_at, row.result
    )


def _row(session: Session, request_id: int, step: str) -> RequestStep | None:
    return session.execute(
        select(RequestStep).where(RequestStep.request_id == request_id, RequestStep.step == step)
    ).scalar_one_or_none()


def steps_of(session: Session, request_id: int) -> list[StepView]:
    """The steps of a request tried so far, in the order they were first tried."""
    rows = session.execute(
        select(RequestStep).where(RequestStep.request_id == request_id).order_by(RequestStep.id)
    ).scalars()
    return [_view(row) for row in rows]


def step_result(session: Session, request_id: int, step: str) -> dict[str, object] | None:
    """What a done step did (an empty mapping when it recorded nothing); None when the step
    is not done."""
    row = _row(session, request_id, step)
    if row is None or row.status != DONE:
        return None
    return dict(row.result or {})


def mark_done(
    session: Session,
    actor: Actor,
    request_id: int,
    step: str,
    *,
    result: dict[str, object] | None = None,
    at: datetime,
) -> None:
    """Record ``step`` as done, in the transaction of its work; audited."""
    row = _row(session, request_id, step)
    if row is None:
        row = RequestStep(request_id=request_id, step=step, attempts=0)
        session.add(row)
    row.status, row.attempts, row.result = DONE, row.attempts + 1, result
    row.error, row.tried_at, row.done_at, row.actor = None, at, at, actor.name
    session.flush()
    record_event(
        session,
        actor,
        Event("request_step", detail={"request": request_id, "step": step, "status": DONE}),
        at=at,
    )


def mark_failed(
    session: Session, actor: Actor, request_id: int, step: str, error: str, *, at: datetime
) -> None:
    """Record that ``step`` failed with ``error`` (in a transaction of its own: the step's
    was rolled back), to be tried again; audited."""
    row = _row(session, request_id, step)
    if row is None:
        row = RequestStep(request_id=request_id, step=step, attempts=0)
        session.add(row)
    row.status, row.attempts, row.error = FAILED, row.attempts + 1, error
    row.tried_at, row.actor = at, actor.name
    session.flush()
    record_event(
        session,
        actor,
        Event("request_step", detail={"request": request_id, "step": step, "status": FAILED}),
        at=at,
    )


__all__ = [
    "DONE",
    "FAILED",
    "STEPS",
    "StepView",
    "mark_done",
    "mark_failed",
    "step_result",
    "steps_of",
]
