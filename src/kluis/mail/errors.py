"""Errors of sending e-mail, in the one tree of :mod:`kluis.core.errors`. Their messages
never hold an address."""

from __future__ import annotations

from kluis.core.errors import Conflict


class MailNotConfigured(Conflict):
    """No SMTP server is set up (``smtp_host``): nothing can be e-mailed."""

    code = "mail_not_configured"


class MailFailed(Conflict):
    """The SMTP server could not be reached or refused the message."""

    code = "mail_failed"
