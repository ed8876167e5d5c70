"""One transaction per API call, with its caller (an API token, or a browser session whose
unsafe calls carry the CSRF header)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from kluis.server import Caller, caller_of, check_csrf, state_of
from kluis.storage import is_sqlite

T = TypeVar("T")


@contextmanager
def api_unit(request: Request, *, read_only: bool = False) -> Iterator[tuple[Session, Caller]]:
    """A transaction and the authenticated caller (:class:`Unauthenticated` if none);
    ``read_only`` for work that writes nothing (on SQLite it does not queue behind writers,
    nor hold them up: verifying a long audit log, say)."""
    with state_of(request).transaction(read_only=read_only) as session:
        cached: Caller | None = getattr(request.state, "caller", None)
        yield session, cached or caller_of(request, session, tokens=True)


async def quick(work: Callable[[], T], request: Request) -> T:
    """Run a short unit of work (a look-up of a millisecond or two): on SQLite on the event
    loop itself, where handing it to a worker thread and back costs more than the work; on
    PostgreSQL in a worker thread, since it waits for the network and the disk."""
    if is_sqlite(state_of(request).engine):
        return work()
    return await run_in_threadpool(work)


async def csrf_for_cookies(request: Request) -> AsyncIterator[None]:
    """A dependency: calls signed in by cookie must carry the CSRF header; calls with an API
    token not (whatever other ``Authorization`` header a browser may add)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None or caller.via != "token":
        await check_csrf(request)
    yield
