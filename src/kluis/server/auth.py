"""Who is calling: a signed-in browser (session cookie) or a machine (API token), and the
CSRF protection of every form and every cookie-authenticated change.

CSRF uses a double-submit token bound to the browser: a random ``kluis_csrf`` cookie
(HttpOnly, SameSite=Strict) that every unsafe request must repeat, in a form field or the
``X-CSRF-Token`` header, compared in constant time; requests with an ``Origin`` header
from another site are refused as well. Requests authenticated by an API token carry no
cookie an attacker's page could make a browser send, and need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request

from kluis.core.actor import Actor
from kluis.core.errors import NotAllowed
from kluis.server.state import state_of
from kluis.users.auth import SignedIn, session_for, use_token

SESSION_COOKIE: Final = "kluis_session"
CSRF_COOKIE: Final = "kluis_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
#: How long a process remembers an authenticated caller, in seconds.
CALLER_TTL: Final = 2.0
CALLERS_KEPT: Final = 10_000


class Unauthenticated(Exception):
    """Nobody is signed in (or the session is waiting for its second factor): the web
    sends the browser to the sign-in page, the API answers 401."""

    def __init__(self, *, pending: bool = False) -> None:
        super().__init__("authentication required")
        self.pending = pending


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request."""

    actor: Actor
    via: Literal["session", "token"]
    signed: SignedIn | None = None
    #: Read without writing, and a last-seen moment is due to be written.
    stale: bool = False

    @property
    def name(self) -> str:
        """The user's name."""
        return self.actor.name


def _bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def caller_of(
    connection: HTTPConnection, session: Session, *, tokens: bool = False, touch: bool = True
) -> Caller:
    """The caller of ``connection``: its API token (when ``tokens``, for the API) or its
    session cookie; :class:`Unauthenticated` when neither stands for an active user.
    Without ``touch`` nothing is written (a read-only transaction will do)."""
    at = state_of(connection).clock.now()
    if tokens:
        plain = _bearer(connection)
        if plain is not None:
            used = use_token(session, plain, at=at, touch=touch)
            if used is None:
                raise Unauthenticated
            return Caller(actor=used.actor, via="token", stale=used.stale)
    cookie = connection.cookies.get(SESSION_COOKIE)
    signed = session_for(session, cookie, at=at, touch=touch) if cookie else None
    if signed is None:
        raise Unauthenticated
    if not signed.record.verified:
        raise Unauthenticated(pending=True)
    return Caller(actor=signed.actor, via="session", signed=signed, stale=signed.stale)


def _credential(request: Request, api: bool) -> str | None:
    """What the request authenticates with (token or session cookie), as a cache key."""
    if api:
        plain = _bearer(request)
        if plain is not None:
            return "t:" + plain
    cookie = request.cookies.get(SESSION_COOKIE)
    return "s:" + cookie if cookie else None


def _authenticate(request: Request, api: bool) -> Caller:
    state = state_of(request)
    with state.transaction(read_only=True) as session:
        caller = caller_of(request, session, tokens=api, touch=False)
    if caller.stale:
        with state.transaction() as session:
            caller = caller_of(request, session, tokens=api)
    return caller


async def require_caller(request: Request) -> Caller:
    """A dependency of every route that is not public: the caller, authenticated before
    anything else of the request is looked at (so that without credentials a route answers
    only 401 or the way to the sign-in page, never what its input should have been).

    A caller found is remembered by this process for :data:`CALLER_TTL` seconds, so that a
    machine calling the API many times a second costs the database one look-up a second;
    a token revoked or a user deactivated is refused by every process within that time
    (at once by the process that signed out or revoked).
    """
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    api = request.url.path.startswith("/api/")
    credential = _credential(request, api)
    callers = state_of(request).callers
    now = time.monotonic()
    if credential is not None:
        remembered = callers.get(credential)
        if remembered is not None and remembered[0] > now:
            request.state.caller = remembered[1]
            return remembered[1]
    caller = await run_in_threadpool(_authenticate, request, api)
    if credential is not None:
        if len(callers) >= CALLERS_KEPT:
            callers.clear()
        callers[credential] = (now + CALLER_TTL, caller)
    request.state.caller = caller
    return caller


def forget_callers(connection: HTTPConnection, session: Session) -> None:
    """Forget the callers this process remembers, now and again when ``session`` commits
    (sign-out, a revoked token, changed roles or passwords), so that no request in between
    puts the old caller back for :data:`CALLER_TTL` seconds."""
    callers = state_of(connection).callers
    callers.clear()
    event.listen(session, "after_commit", lambda _session: callers.clear(), once=True)


def csrf_token(connection: HTTPConnection) -> str:
    """The browser's CSRF token: its cookie, or a new one the response will set."""
    existing = connection.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing
    fresh: str | None = getattr(connection.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        connection.state.new_csrf = fresh
    return fresh


def renew_csrf(connection: HTTPConnection) -> str:
    """A new CSRF token, set on the response (at every sign-in and sign-out)."""
    fresh = secrets.token_urlsafe(32)
    connection.state.new_csrf = fresh
    return fresh


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True  # not told (privacy settings send "null"): the token decides
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token (form field or header) does not match
    the browser's cookie, or that comes from another origin."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise NotAllowed("this form was sent from another site; open the page again")
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise NotAllowed("this form has expired; open the page again and send it once more")
