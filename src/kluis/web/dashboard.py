"""The dashboard: what needs the coordinator's attention today.

Figures that need a look at every record (retention due this month, the register's
findings, withdrawals) come from the latest ``dashboard_figures`` job, computed daily and
on demand with the refresh button, never at each view: the page stays fast with a million
records.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from kluis.jobs import DASHBOARD_FIGURES, QUEUED, RUNNING, latest_result, list_jobs
from kluis.retention import list_holds, list_runs
from kluis.server import check_csrf, state_of
from kluis.subject_requests import count_overdue, find_requests
from kluis.web.jobs_pages import start_job
from kluis.web.render import page, redirect
from kluis.web.units import require_staff, signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/")
def dashboard(request: Request) -> Response:
    """Open requests by deadline, legal holds, retention and consent figures, the last
    retention run and the jobs under way; for privacy staff. Other users see the tasks
    their roles allow."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        actor = caller.actor
        staff = actor.is_privacy_staff
        context: dict[str, object] = {"staff": staff}
        if staff:
            requests, open_requests = find_requests(session, actor, today=today, limit=10)
            figures = latest_result(session, DASHBOARD_FIGURES)
            jobs, _total = list_jobs(session, statuses=(RUNNING, QUEUED), limit=10)
            context |= {
                "requests": requests,
                "open_requests": open_requests,
                "overdue": count_overdue(session, actor, today=today),
                "holds": list_holds(session, actor, active_on=today),
                "last_run": next(iter(list_runs(session, actor, limit=1)), None),
                "figures": figures.result if figures is not None else None,
                "figures_at": figures.finished_at if figures is not None else None,
                "jobs": [job for job in jobs if job.due_at <= state_of(request).clock.now()],
            }
    return page(request, "dashboard.html", context, caller=caller)


@router.post("/dashboard/refresh")
def refresh(request: Request) -> Response:
    """Compute the dashboard's figures now (a job); show its progress."""
    with signed_in(request) as (_session, caller):
        require_staff(caller.actor)
    job = start_job(request, DASHBOARD_FIGURES, caller.actor)
    return redirect(f"/jobs/{job.id}")
