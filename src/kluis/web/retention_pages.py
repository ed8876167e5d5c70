"""Retention in the web interface, for privacy staff: the plan (counts, no personal data),
runs and their detail, starting a run now (a job with a progress page), legal holds,
renewals due and reviews due. The same services as ``kluis retention``."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from kluis.core.errors import InvalidInput
from kluis.jobs import DASHBOARD_FIGURES, RETENTION_RUN, latest_result, plan_rows
from kluis.register.versions import current_version
from kluis.retention import (
    NOTICE_DAYS,
    Decision,
    RunView,
    count_runs,
    get_run,
    lift_hold,
    list_holds,
    list_runs,
    renew,
    renewals_due,
    require_privacy_staff,
    retention_plan,
    review_records,
    reviews_due,
    set_hold,
    shred_before_review,
)
from kluis.server import check_csrf, state_of
from kluis.storage import checkpoint
from kluis.web.jobs_pages import start_job
from kluis.web.render import PER_PAGE, Page, flash, page, page_number, redirect
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]
_SCOPES: Final = ("subject", "record", "activity")


def _day(raw: str, name: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("'{field}' takes a date such as 2026-12-31", field=name) from None


def _uuid(raw: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise InvalidInput(
            "'{field}' takes an id such as {example}", field=name, example=str(uuid.UUID(int=0))
        ) from None


def _computed_plan(session: Session, runs: list[RunView], today: date) -> tuple[Any, Any]:
    """The plan the ``dashboard_figures`` job computed today, and when, if nothing that
    changes it (a retention run, a new register) came after; else ``(None, None)``."""
    latest = latest_result(session, DASHBOARD_FIGURES)
    if latest is None or latest.result is None or latest.finished_at is None:
        return None, None
    computed = latest.finished_at
    stored = current_version(session)
    if computed.date() != today or "plan" not in latest.result or stored is None:
        return None, None
    if stored.applied_at >= computed:
        return None, None
    if runs and (runs[0].finished_at is None or runs[0].finished_at >= computed):
        return None, None
    return latest.result["plan"], computed


@router.get("/retention")
def plan_page(request: Request) -> Response:
    """The retention plan as on today, the latest runs, and the button to run now. The plan
    is the one the daily figures job computed (it reads every record: seconds at a million),
    unless something changed it since or ``?live=1`` asks for it to be computed now."""
    today = state_of(request).clock.now().date()
    live = request.query_params.get("live") == "1"
    with signed_in(request) as (session, caller):
        require_privacy_staff(caller.actor)
        runs = list_runs(session, caller.actor, limit=5)
        plan, computed = (None, None) if live else _computed_plan(session, runs, today)
        if plan is None:
            plan = plan_rows(retention_plan(session, caller.actor, at=today))
    months = sorted({month for entry in plan["activities"] for month in entry["schedule"]})[:12]
    context = {"plan": plan, "runs": runs, "months": months, "computed": computed}
    return page(request, "retention/plan.html", context, caller=caller)


@router.post("/retention/run")
def run_now(request: Request) -> Response:
    """Start a retention run now, as a job; show its progress."""
    with signed_in(request) as (_session, caller):
        require_privacy_staff(caller.actor)
    job = start_job(request, RETENTION_RUN, caller.actor)
    return redirect(f"/jobs/{job.id}")


@router.get("/retention/runs")
def runs_page(request: Request) -> Response:
    """Every retention run, newest first."""
    number = page_number(request)
    with signed_in(request) as (session, caller):
        runs = list_runs(session, caller.actor, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        result = Page(runs, number, PER_PAGE, count_runs(session, caller.actor))
    return page(request, "retention/runs.html", {"result": result}, caller=caller)


@router.get("/retention/runs/{run_id}")
def run_page(request: Request, run_id: int) -> Response:
    """One run: as on which day, by whom, what it erased and what holds kept."""
    with signed_in(request) as (session, caller):
        run = get_run(session, caller.actor, run_id)
    return page(request, "retention/run.html", {"run": run}, caller=caller)


@router.get("/retention/holds")
def holds_page(request: Request) -> Response:
    """Legal holds, newest first, and the form to set one."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        holds = list_holds(session, caller.actor)
    number = page_number(request)
    start = (number - 1) * PER_PAGE
    result = Page(holds[start : start + PER_PAGE], number, PER_PAGE, len(holds))
    context = {"result": result, "today": today, "scopes": _SCOPES}
    return page(request, "retention/holds.html", context, caller=caller)


@router.post("/retention/holds")
def hold_set(
    request: Request,
    scope: Annotated[str, Form(max_length=10)],
    target: Text,
    reason: Text,
    until: OptionalText = "",
) -> Response:
    """Put a subject, a record or an activity under a legal hold."""
    if scope not in _SCOPES:
        raise InvalidInput("a legal hold covers one subject, one record or one activity")
    state = state_of(request)
    with signed_in(request) as (session, caller):
        hold = set_hold(
            session,
            caller.actor,
            subject_id=_uuid(target, "target") if scope == "subject" else None,
            record_id=_uuid(target, "target") if scope == "record" else None,
            activity=target.strip() if scope == "activity" else None,
            reason=reason,
            until=_day(until, "until"),
            at=state.clock.now(),
        )
    response = redirect("/retention/holds")
    flash(response, request, "Legal hold {hold} set.", hold=hold.id)
    return response


@router.post("/retention/holds/{hold_id}/lift")
def hold_lift(request: Request, hold_id: int, reason: Text) -> Response:
    """Lift a legal hold."""
    with signed_in(request) as (session, caller):
        lift_hold(session, caller.actor, hold_id, reason=reason, at=state_of(request).clock.now())
    response = redirect("/retention/holds")
    flash(response, request, "Legal hold {hold} lifted.", hold=hold_id)
    return response


@router.get("/retention/renewals")
def renewals_page(request: Request) -> Response:
    """The records whose period ends within the notice days and can be renewed."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        found = renewals_due(session, caller.actor, at=today, within=NOTICE_DAYS)
    number = page_number(request)
    start = (number - 1) * PER_PAGE
    result = Page(found[start : start + PER_PAGE], number, PER_PAGE, len(found))
    context = {"result": result, "within": NOTICE_DAYS, "one_day": timedelta(days=1)}
    return page(request, "retention/renewals.html", context, caller=caller)


@router.post("/retention/renewals/{record_id}")
def renew_record(request: Request, record_id: uuid.UUID, reason: Text) -> Response:
    """Extend a record's period by its activity's renewal, after asking the person."""
    with signed_in(request) as (session, caller):
        done = renew(
            session, caller.actor, record_id, reason=reason, at=state_of(request).clock.now()
        )
    response = redirect("/retention/renewals")
    flash(
        response,
        request,
        "Record renewed; it is now kept until {due}.",
        due=(done.due - timedelta(days=1)).isoformat(),
    )
    return response


@router.get("/retention/reviews")
def reviews_page(request: Request) -> Response:
    """The records due for review, a page at a time, with the decision form."""
    today = state_of(request).clock.now().date()
    number = page_number(request)
    start = (number - 1) * PER_PAGE
    with signed_in(request) as (session, caller):
        found = reviews_due(session, caller.actor, at=today, limit=start + PER_PAGE + 1)
    more = len(found) > start + PER_PAGE
    items = found[start : start + PER_PAGE]
    # The count of all reviews due is not read (it may be large): a next page is offered
    # while there are more.
    result = Page(items, number, PER_PAGE, start + len(items) + (1 if more else 0))
    return page(request, "retention/reviews.html", {"result": result}, caller=caller)


@router.post("/retention/reviews")
def review(
    request: Request,
    decision: Annotated[str, Form(max_length=10)],
    record: Annotated[list[str] | None, Form()] = None,
    reason: OptionalText = "",
) -> Response:
    """Record the review of the records ticked: kept until the next review, or erased."""
    if decision not in (Decision.keep.value, Decision.erase.value):
        raise InvalidInput("choose to keep or to erase the records")
    ids = [_uuid(value, "record") for value in (record or [])[:PER_PAGE]]
    if not ids:
        raise InvalidInput("tick at least one record")
    return _review(request, ids, Decision(decision), reason)


def _review(request: Request, ids: list[uuid.UUID], decision: Decision, reason: str) -> Response:
    state = state_of(request)
    # The keys of people left with nothing go first, committed on their own.
    with signed_in(request) as (session, caller):
        shred_before_review(session, state.keyring(), caller.actor, ids, decision=decision)
    with signed_in(request) as (session, caller):
        done = review_records(
            session,
            state.keyring(),
            caller.actor,
            ids,
            decision=decision,
            reason=reason,
            at=state.clock.now(),
        )
    checkpoint(state.engine)
    response = redirect("/retention/reviews")
    flash(
        response,
        request,
        "Reviewed: {kept} kept until their next review, {erased} erased, {anonymised} anonymised.",
        kept=len(done.kept),
        erased=len(done.erased),
        anonymised=len(done.anonymised),
    )
    return response
