"""One transaction per API call, with its caller (an API token, or a browser session whose
unsafe calls carry the CSRF header)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session
from starlette.requests import Request

from kluis.server import Caller, caller_of, check_csrf, state_of


@contextmanager
def api_unit(request: Request) -> Iterator[tuple[Session, Caller]]:
    """A transaction and the authenticated caller (:class:`Unauthenticated` if none)."""
    with state_of(request).transaction() as session:
        cached: Caller | None = getattr(request.state, "caller", None)
        yield session, cached or caller_of(request, session, tokens=True)


async def csrf_for_cookies(request: Request) -> AsyncIterator[None]:
    """A dependency: calls signed in by cookie must carry the CSRF header; token calls not."""
    if "authorization" not in request.headers:
        await check_csrf(request)
    yield
