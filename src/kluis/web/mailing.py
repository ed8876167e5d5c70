"""The mailer of the server, and the links e-mails carry (the public address of Kluis and a
token, never personal data)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request

from kluis.mail import Mailer, mailer_for
from kluis.server import state_of


def mailer(request: Request, session: Session) -> Mailer:
    """The mailer of the server's settings (not configured when ``smtp_host`` is unset)."""
    return mailer_for(state_of(request).settings.smtp, session)


def mail_configured(request: Request) -> bool:
    """Whether the server can send e-mail."""
    return state_of(request).settings.smtp is not None


def link(request: Request, path: str) -> str:
    """The address of ``path`` on the server as people reach it (``public_url``)."""
    return state_of(request).settings.public_url.rstrip("/") + path
