"""The access log: method, the pattern of the route (``/requests/{request_id}``, never the
address as sent, which may hold a token or an id), status and time taken. Pure ASGI, so it
costs a few microseconds a request."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("kluis.server")


def route_pattern(scope: Scope) -> str:
    """The pattern of the route ``scope`` matched, or ``(no route)``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path is not None else "(no route)"


class AccessLog:
    """ASGI middleware writing one line per request (static files excepted) to the
    ``kluis.server`` logger."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d %.1f ms",
                    scope.get("method", "?"),
                    route_pattern(scope),
                    status,
                    (time.perf_counter() - started) * 1000,
                )
