"""Security headers on every response, and the CSRF cookie for every browser without one
(or a new one, at sign-in and sign-out).

The content security policy allows nothing but this origin's own stylesheet, images and
forms (no script at all: the interface needs none), and no framing. Pages are never
cached, since they may show personal data; static files are.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kluis.server.auth import CSRF_COOKIE

CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> bytes:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Strict, path ``/``, Secure when asked."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    if secure:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString().encode("latin-1")


def _has_csrf_cookie(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"cookie" and f"{CSRF_COOKIE}=".encode() in value:
            return True
    return False


class SecurityHeaders:
    """ASGI middleware adding the headers above, HSTS over HTTPS, and a new CSRF cookie."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool = True) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"
        browser = not path.startswith(("/static/", "/api/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if not path.startswith("/static/") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                fresh = scope.get("state", {}).get("new_csrf")
                if fresh is None and browser and not _has_csrf_cookie(scope):
                    fresh = secrets.token_urlsafe(32)
                if fresh:
                    headers.append(
                        (
                            b"set-cookie",
                            cookie_header(CSRF_COOKIE, fresh, secure=self.secure_cookies),
                        )
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
