"""Sending e-mail through the organisation's SMTP server (:class:`kluis.config.Smtp`), with
the standard library: ``smtplib`` and :class:`email.message.EmailMessage`.

Nothing here logs: an address is personal data, and so is the fact that a person was
written to. Errors name what went wrong, never to whom.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final, Protocol

from kluis.i18n import N_
from kluis.mail.errors import MailFailed, MailNotConfigured

#: Seconds to wait for the SMTP server before giving up.
TIMEOUT: Final = 15.0
NOT_CONFIGURED: Final = N_(
    "e-mail is not set up: an administrator sets the SMTP server (smtp_host) first"
)
NO_SENDER: Final = N_(
    "e-mail has no sender address: set mail_from, or a privacy contact's e-mail in the register"
)
FAILED: Final = N_("the e-mail could not be sent ({reason}); try again later")


class Smtp(Protocol):
    """Where e-mail is sent from (:class:`kluis.config.Smtp` is one): an SMTP server,
    ``security`` ``starttls``, ``tls`` or ``none``, an optional login, the sender; or an
    ``outbox`` folder that each message is written to as an ``.eml`` file instead (for
    trying Kluis out: the files hold what the messages say)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def security(self) -> str: ...
    @property
    def user(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def outbox(self) -> Path | None: ...


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message."""

    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass(frozen=True)
class Mail:
    """A message to send: its subject, its plain text, files, and extra headers."""

    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


class Mailer:
    """Sends :class:`Mail` through one SMTP server. ``smtp`` None: e-mail is not set up and
    :meth:`send` raises :class:`MailNotConfigured`. ``sender`` is used when the settings
    name none (the register's privacy contact). ``context`` overrides the TLS trust (tests
    with their own certificate)."""

    def __init__(
        self,
        smtp: Smtp | None,
        *,
        sender: str | None = None,
        context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.smtp = smtp
        self.sender = (smtp.sender if smtp else None) or sender
        self.context = context
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        """Whether e-mail can be sent."""
        return self.smtp is not None

    def message(self, to: str, mail: Mail, *, at: datetime | None = None) -> EmailMessage:
        """The message ``mail`` to ``to``, as it is sent."""
        if self.smtp is None:
            raise MailNotConfigured(NOT_CONFIGURED)
        if not self.sender:
            raise MailNotConfigured(NO_SENDER)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        if at is not None:
            message["Date"] = format_datetime(at)
        message["Auto-Submitted"] = "auto-generated"
        for name, value in mail.headers.items():
            message[name] = value
        message.set_content(mail.text)
        for attachment in mail.attachments:
            message.add_attachment(
                attachment.content,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
            )
        return message

    def send(self, to: str, mail: Mail, *, at: datetime | None = None) -> None:
        """Send ``mail`` to ``to``: :class:`MailNotConfigured` without an SMTP server,
        :class:`MailFailed` when the server cannot be reached or refuses it."""
        message = self.message(to, mail, at=at)
        assert self.smtp is not None
        if self.smtp.outbox is not None:
            _to_outbox(self.smtp.outbox, message)
            return
        try:
            with self._connect(self.smtp) as client:
                if self.smtp.user:
                    client.login(self.smtp.user, self.smtp.password or "")
                client.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise MailFailed(FAILED, reason="authentication refused") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailFailed(FAILED, reason="address refused") from None
        except smtplib.SMTPException as error:
            raise MailFailed(FAILED, reason=type(error).__name__) from None
        except (OSError, ssl.SSLError) as error:
            raise MailFailed(FAILED, reason=type(error).__name__) from None

    def _connect(self, smtp: Smtp) -> smtplib.SMTP:
        context = self.context or ssl.create_default_context()
        if smtp.security == "tls":
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=self.timeout, context=context)
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)
        if smtp.security == "starttls":
            try:
                client.starttls(context=context)
            except BaseException:
                client.close()
                raise
        return client


def _to_outbox(folder: Path, message: EmailMessage) -> Path:
    """Write ``message`` into ``folder`` as a new ``.eml`` file readable by its owner only."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(message.as_bytes())
    except OSError as error:
        raise MailFailed(FAILED, reason=type(error).__name__) from None
    return path


__all__ = ["Attachment", "Mail", "Mailer", "Smtp"]
