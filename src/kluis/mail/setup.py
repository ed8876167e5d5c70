"""The mailer of a vault: its SMTP settings, and the register's privacy contact as the
sender when the settings name none."""

from __future__ import annotations

import ssl

from sqlalchemy.orm import Session

from kluis.mail.sender import Mailer, Smtp
from kluis.register.versions import current_version


def register_sender(session: Session) -> str | None:
    """The privacy contact's address in the applied register (else the address for
    requests, else the organisation's general address)."""
    stored = current_version(session)
    if stored is None:
        return None
    organisation = stored.register.organisation
    privacy = organisation.contacts.privacy
    requests = organisation.rights_requests
    for address in (
        privacy.email if privacy else None,
        requests.email if requests else None,
        organisation.email,
    ):
        if address:
            return str(address)
    return None


def mailer_for(
    smtp: Smtp | None, session: Session, *, context: ssl.SSLContext | None = None
) -> Mailer:
    """A mailer over ``smtp`` (None: e-mail is not set up), sending as the settings'
    ``mail_from`` or else the register's privacy contact."""
    sender = None if smtp is None or smtp.sender else register_sender(session)
    return Mailer(smtp, sender=sender, context=context)


__all__ = ["mailer_for", "register_sender"]
