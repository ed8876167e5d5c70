"""E-mail: the messages Kluis sends (request confirmations, verification links, answers,
deadline reminders, password resets) in Dutch, English or French, and the :class:`Mailer`
that sends them through the organisation's SMTP server.

Without an SMTP server (``smtp_host``), sending raises :class:`MailNotConfigured` and the
interfaces say e-mail is not set up. Nothing here logs an address.
"""

from kluis.mail.errors import MailFailed, MailNotConfigured
from kluis.mail.messages import (
    KIND_LABELS,
    OUTCOME_LABELS,
    deadline_reminder,
    kind_label,
    outcome_label,
    password_reset,
    request_answered,
    request_confirmation,
    unsubscribe_headers,
    verification,
)
from kluis.mail.sender import Attachment, Mail, Mailer
from kluis.mail.setup import mailer_for, register_sender

__all__ = [
    "KIND_LABELS",
    "OUTCOME_LABELS",
    "Attachment",
    "Mail",
    "MailFailed",
    "MailNotConfigured",
    "Mailer",
    "deadline_reminder",
    "kind_label",
    "mailer_for",
    "outcome_label",
    "password_reset",
    "register_sender",
    "request_answered",
    "request_confirmation",
    "unsubscribe_headers",
    "verification",
]
