"""Retention (the DPO or an administrator): ``/api/v1/retention/plan`` (what is due, when,
per activity: counts only), the runs that carried it out, and legal holds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from kluis.api.common import CHANGE_ERRORS, Day, Line, Pagination, Reason, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit, csrf_for_cookies
from kluis.retention import (
    ActivityPlan,
    Hold,
    RunView,
    count_runs,
    lift_hold,
    list_holds,
    list_runs,
    retention_plan,
    set_hold,
)
from kluis.server import state_of

router = APIRouter(
    prefix="/api/v1/retention",
    tags=["retention"],
    responses=CHANGE_ERRORS,
    dependencies=[Depends(csrf_for_cookies)],
)


class MonthCount(BaseModel):
    """How many records fall due in a month."""

    month: str = Field(examples=["2027-03"])
    records: int


class ActivityPlanOut(BaseModel):
    """The retention of one activity's records, as on the plan's day."""

    activity: str
    action: Literal["erase", "anonymize"] | None
    keep: str | None = Field(description="The period, ISO 8601: P2Y.")
    after: str | None = Field(description="The event it runs from.")
    review: str | None
    legal_obligation: bool
    records: int
    due: int = Field(description="Due on the plan's day: the next run acts on them.")
    held: int = Field(description="Due, but kept by a legal hold.")
    scheduled: list[MonthCount]
    next_due: date | None
    last_due: date | None
    no_due_date: int = Field(description="Records whose event has not happened yet.")
    review_only: int
    review_due: int
    kept_by_law: int


class PlanOut(BaseModel):
    """What retention erases or anonymises, when, activity by activity (no personal data)."""

    at: date
    fiscal_year_end: str
    due: int
    activities: list[ActivityPlanOut]


class RunOut(BaseModel):
    """A retention run: as on which day, by whom, what it erased or anonymised."""

    id: int
    day: date
    actor: str
    status: str
    counts: dict[str, dict[str, int]] = Field(description="Per activity, per action.")
    held: dict[str, int]
    subjects_erased: int
    started_at: datetime
    finished_at: datetime | None


class HoldOut(BaseModel):
    """A legal hold: what it covers, why, until when, who set and lifted it."""

    id: int
    scope: Literal["subject", "record", "activity"]
    target: str = Field(description="The subject id, record id or activity id it covers.")
    reason: str
    until: date | None
    set_by: str
    set_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    active: bool = Field(description="Whether it keeps records today.")


class HoldIn(BaseModel):
    """A legal hold to set: on one subject, one record or one activity."""

    subject_id: uuid.UUID | None = None
    record_id: uuid.UUID | None = None
    activity: Line | None = None
    reason: Reason = Field(description="A case or file number, an audit; never a name.")
    until: Day | None = Field(None, description="The last day it lasts.")


class LiftIn(BaseModel):
    """Why the hold ends."""

    reason: Reason


def _activity(entry: ActivityPlan) -> ActivityPlanOut:
    rule = entry.rule
    return ActivityPlanOut(
        activity=entry.activity,
        action=entry.action.value if entry.action is not None else None,
        keep=str(rule.keep) if rule and rule.keep else None,
        after=rule.after.value if rule and rule.after else None,
        review=str(rule.review) if rule and rule.review else None,
        legal_obligation=bool(rule and rule.legal_obligation),
        records=entry.records,
        due=entry.due,
        held=entry.held,
        scheduled=[
            MonthCount(month=month.strftime("%Y-%m"), records=count)
            for month, count in entry.schedule.items()
        ],
        next_due=entry.next_due,
        last_due=entry.last_due,
        no_due_date=entry.open,
        review_only=entry.review_only,
        review_due=entry.review_due,
        kept_by_law=entry.held_by_law,
    )


def _run(run: RunView) -> RunOut:
    return RunOut(
        id=run.id,
        day=run.day,
        actor=run.actor,
        status=run.status,
        counts=run.counts,
        held=run.held,
        subjects_erased=run.subjects_erased,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


def _hold(hold: Hold, today: date) -> HoldOut:
    return HoldOut(
        id=hold.id,
        scope=hold.scope,
        target=hold.target,
        reason=hold.reason,
        until=hold.until,
        set_by=hold.set_by,
        set_at=hold.set_at,
        lifted_by=hold.lifted_by,
        lifted_at=hold.lifted_at,
        active=hold.active_on(today),
    )


@router.get("/plan", response_model=PlanOut, summary="The retention plan")
def plan(
    request: Request,
    at: Annotated[Day | None, Query(description="Plan as on this day (default: today).")] = None,
) -> PlanOut:
    """What retention erases or anonymises, when, per activity, and what it keeps: counts
    only, no personal data."""
    with api_unit(request, read_only=True) as (session, caller):
        day = at or state_of(request).clock.now().date()
        result = retention_plan(session, caller.actor, at=day)
    return PlanOut(
        at=result.at,
        fiscal_year_end=result.fiscal_year_end,
        due=result.due,
        activities=[_activity(entry) for entry in result.activities],
    )


@router.get("/runs", response_model=PageOf[RunOut], summary="Retention runs")
def runs(request: Request, paged: Annotated[Pagination, Depends(pagination)]) -> PageOf[RunOut]:
    """The retention runs, newest first: as on which day, what they erased."""
    with api_unit(request, read_only=True) as (session, caller):
        total = count_runs(session, caller.actor)
        found = list_runs(session, caller.actor, limit=paged.per_page, offset=paged.offset)
    return paged.of([_run(run) for run in found], total)


@router.get("/holds", response_model=PageOf[HoldOut], summary="Legal holds")
def holds(
    request: Request,
    paged: Annotated[Pagination, Depends(pagination)],
    active: Annotated[bool, Query(description="Only the holds in force today.")] = False,
) -> PageOf[HoldOut]:
    """The legal holds, newest first."""
    with api_unit(request, read_only=True) as (session, caller):
        today = state_of(request).clock.now().date()
        found = list_holds(session, caller.actor, active_on=today if active else None)
    return paged.of([_hold(hold, today) for hold in found])


@router.post("/holds", response_model=HoldOut, status_code=201, summary="Set a legal hold")
def set_legal_hold(request: Request, body: HoldIn) -> HoldOut:
    """Put a subject, a record or an activity under a legal hold: retention keeps it."""
    now = state_of(request).clock.now()
    with api_unit(request) as (session, caller):
        hold = set_hold(
            session,
            caller.actor,
            subject_id=body.subject_id,
            record_id=body.record_id,
            activity=body.activity,
            reason=body.reason,
            until=body.until,
            at=now,
        )
    return _hold(hold, now.date())


@router.post("/holds/{hold_id}/lift", response_model=HoldOut, summary="Lift a legal hold")
def lift(
    request: Request,
    hold_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: LiftIn,
) -> HoldOut:
    """Lift a legal hold: retention applies again to what it covered."""
    now = state_of(request).clock.now()
    with api_unit(request) as (session, caller):
        hold = lift_hold(session, caller.actor, hold_id, reason=body.reason, at=now)
    return _hold(hold, now.date())
