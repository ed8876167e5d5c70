"""The dashboard: what needs the coordinator's attention today."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kluis.retention import list_holds, list_runs
from kluis.server import state_of
from kluis.subject_requests import list_requests
from kluis.web.render import page
from kluis.web.units import signed_in

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request) -> Response:
    """Open requests by deadline, legal holds and the last retention run; for privacy staff.
    Other users see the tasks their roles allow."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        actor = caller.actor
        staff = actor.is_dpo or actor.is_admin
        context: dict[str, object] = {"staff": staff}
        if staff:
            requests = list_requests(session, actor, today=today)
            context |= {
                "requests": requests[:10],
                "open_requests": len(requests),
                "overdue": sum(1 for r in requests if r.overdue),
                "holds": list_holds(session, actor, active_on=today),
                "last_run": next(iter(list_runs(session, actor, limit=1)), None),
            }
    return page(request, "dashboard.html", context, caller=caller)
