"""One transaction per API call, with its caller (an API token, or a browser session whose
unsafe calls carry the CSRF header)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from kluis.audit import Append, deferred_appends
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


async def audited_read(request: Request, work: Callable[[Session, Caller], T]) -> T:
    """Run ``work`` (a read of personal data, which writes nothing but its audit entries) in
    a read-only transaction with its caller, commit its audit entries together with those
    of the other reads of the moment (:class:`kluis.server.auditing.AuditCommitter`), and
    only then return its result: nothing read leaves before its read is on record.

    On SQLite the read runs on the event loop itself (a look-up of a millisecond or two,
    which handing to a worker thread and back would only slow down); on PostgreSQL, which
    waits for the network, in a worker thread.
    """
    state = state_of(request)

    def read() -> tuple[T, list[Append]]:
        with state.transaction(read_only=True) as session, deferred_appends(session) as appends:
            cached: Caller | None = getattr(request.state, "caller", None)
            result = work(session, cached or caller_of(request, session, tokens=True, touch=False))
        return result, appends

    if is_sqlite(state.engine):
        result, appends = read()
    else:
        result, appends = await run_in_threadpool(read)
    await state.audit.commit(appends)
    return result


async def csrf_for_cookies(request: Request) -> AsyncIterator[None]:
    """A dependency: calls signed in by cookie must carry the CSRF header; calls with an API
    token not (whatever other ``Authorization`` header a browser may add)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None or caller.via != "token":
        await check_csrf(request)
    yield
