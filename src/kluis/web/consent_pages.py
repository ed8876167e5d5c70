"""The consent log for privacy staff: the latest consents given and withdrawn across
everyone (person ids, purposes, dates: no personal data), a page at a time, and the size of
the suppression list. A person's own history is on their page under People."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from kluis.consent import GIVEN, WITHDRAWN, consent_log
from kluis.register.versions import current_version
from kluis.server import check_csrf
from kluis.vault import suppression_count
from kluis.web.render import PER_PAGE, Page, page, page_number
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/consent")
def consent_page(request: Request) -> Response:
    """Recent consent events, newest first (``?action=withdrawn`` for withdrawals only)."""
    raw = request.query_params.get("action")
    action = raw if raw in (GIVEN, WITHDRAWN) else None
    number = page_number(request)
    with signed_in(request) as (session, caller):
        events, total = consent_log(
            session, caller.actor, action=action, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
        )
        suppressed = suppression_count(session)
        stored = current_version(session)
        purposes = list(stored.register.consent_purposes) if stored else []
    result = Page(events, number, PER_PAGE, total)
    base = f"/consent?action={action}" if action else "/consent"
    context = {
        "result": result,
        "action": action,
        "base": base,
        "suppressed": suppressed,
        "purposes": purposes,
    }
    return page(request, "consent/log.html", context, caller=caller)
