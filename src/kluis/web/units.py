"""One transaction per request, with its authenticated caller: the web's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session
from starlette.requests import Request

from kluis.core.actor import Actor
from kluis.core.errors import NotAllowed
from kluis.server import Caller, caller_of, state_of


@contextmanager
def signed_in(request: Request) -> Iterator[tuple[Session, Caller]]:
    """A transaction and the signed-in caller (:class:`Unauthenticated` if nobody is)."""
    with state_of(request).transaction() as session:
        cached: Caller | None = getattr(request.state, "caller", None)
        yield session, cached or caller_of(request, session)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after signing in; anything else (another site, ``//host``,
    a scheme) becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def require_staff(actor: Actor) -> None:
    """Pages for privacy staff only (requests, jobs): the DPO or an administrator."""
    if not actor.is_privacy_staff:
        raise NotAllowed("only the DPO or an administrator may do this")
