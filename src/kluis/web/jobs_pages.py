"""Background jobs as the web shows them: a job's progress page (it reloads itself every
two seconds while the job runs: no script), and queueing a job from a button."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from kluis.core.actor import Actor
from kluis.jobs import SCHEDULER, JobView, Scheduler, get_job, manual_slot, queue
from kluis.server import check_csrf, state_of
from kluis.web.render import page
from kluis.web.units import require_staff, signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def start_job(request: Request, kind: str, actor: Actor) -> JobView:
    """Queue a job of ``kind`` now, asked for by ``actor``, and wake this process's
    scheduler so that it starts at once rather than at the next minute."""
    state = state_of(request)
    now = state.clock.now()
    with state.transaction() as session:
        job = queue(session, kind, manual_slot(now), due_at=now, requested_by=actor.name)
    scheduler = state.extras.get(SCHEDULER)
    if isinstance(scheduler, Scheduler):
        scheduler.wake()
    return job


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: int) -> Response:
    """How far a job is; the page reloads itself until the job has ended."""
    with signed_in(request) as (session, caller):
        require_staff(caller.actor)
        job = get_job(session, job_id)
    return page(request, "jobs/job.html", {"job": job}, caller=caller)
