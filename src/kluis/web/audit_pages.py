"""The audit log for an administrator or the DPO: entries newest first, filtered by
action, actor and days (query parameters: none of them is personal data), a page at a
time; and the proof that the hash chain is intact."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from kluis.audit import list_entries, require_auditor, verify
from kluis.core.errors import InvalidInput
from kluis.server import check_csrf
from kluis.web.render import PER_PAGE, Page, page, page_number
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

_FILTERS: Final = ("action", "actor", "since", "until")


def _day(raw: str, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("'{field}' takes a date such as 2026-12-31", field=name) from None


@router.get("/audit")
def audit_page(request: Request) -> Response:
    """Entries matching the filters, newest first."""
    filters = {name: request.query_params.get(name, "").strip()[:120] for name in _FILTERS}
    since = _day(filters["since"], "since")
    until = _day(filters["until"], "until")
    number = page_number(request)
    with signed_in(request) as (session, caller):
        found = list_entries(
            session,
            caller.actor,
            action=filters["action"] or None,
            actor_name=filters["actor"] or None,
            since=datetime.combine(since, time.min, UTC) if since else None,
            until=datetime.combine(until, time.max, UTC) if until else None,
            offset=(number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    result = Page(found.entries, number, PER_PAGE, found.total)
    given = {name: value for name, value in filters.items() if value}
    base = f"/audit?{urlencode(given)}" if given else "/audit"
    context = {"result": result, "filters": filters, "base": base, "verification": None}
    return page(request, "audit/log.html", context, caller=caller)


@router.post("/audit/verify")
def verify_page(request: Request) -> Response:
    """Recompute the hash chain and say whether the log is intact."""
    with signed_in(request) as (session, caller):
        require_auditor(caller.actor)
        outcome = verify(session)
    filters = dict.fromkeys(_FILTERS, "")
    context = {
        "result": Page([], 1, PER_PAGE, 0),
        "filters": filters,
        "base": "/audit",
        "verification": outcome,
    }
    return page(request, "audit/log.html", context, caller=caller)
