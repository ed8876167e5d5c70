"""Deadline reminders: who to remind of which requests, computed here and handed to a
``send`` callable (mail is another package's work). A reminder names requests by number,
kind and deadline only, never the person who made them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy.orm import Session

from kluis.core.actor import DPO, Actor
from kluis.mail import Mailer, MailFailed, deadline_reminder
from kluis.register.versions import current_version
from kluis.subject_requests import RequestView, list_requests
from kluis.users import list_users
from kluis.users.auth import email_of

log = logging.getLogger("kluis.jobs")

#: Requests due within this many days (or overdue) are reminded of.
WITHIN: Final = 7
_ACTOR: Final = Actor.system("reminders")


@dataclass(frozen=True)
class Reminder:
    """One message to send: to whom, in which language, about which requests."""

    email: str
    name: str
    language: str
    #: The requests due soon or overdue, soonest first.
    requests: tuple[RequestView, ...]
    #: The day the reminder is about.
    today: date


#: What the job hands reminders to: sends them and says how many went out.
Send = Callable[[Sequence[Reminder]], int]


def due_requests(session: Session, *, today: date, within: int = WITHIN) -> list[RequestView]:
    """The open requests due within ``within`` days of ``today`` or overdue, soonest first."""
    return [
        view
        for view in list_requests(session, _ACTOR, today=today)
        if view.days_left is not None and view.days_left <= within
    ]


def deadline_reminders(session: Session, *, today: date, within: int = WITHIN) -> list[Reminder]:
    """The reminders to send today: one to the register's privacy contact and one to each
    active user with the ``dpo`` role who has an e-mail address, each listing the requests
    due within ``within`` days or overdue; none when no request is."""
    due = tuple(due_requests(session, today=today, within=within))
    if not due:
        return []
    stored = current_version(session)
    language = stored.register.organisation.languages[0] if stored else "en"
    recipients: dict[str, tuple[str, str]] = {}
    contact = stored.register.organisation.contacts.privacy if stored else None
    if contact is not None and contact.email:
        recipients[str(contact.email).lower()] = (str(contact.email), contact.name)
    for user in list_users(session):
        if not user.active or DPO not in user.roles:
            continue
        email = email_of(session, user)
        if email:
            recipients.setdefault(email.lower(), (email, user.name))
    return [
        Reminder(email, name, language, due, today)
        for email, name in sorted(recipients.values(), key=lambda item: item[0].lower())
    ]


def mail_sender(mailer: Mailer, *, link: str) -> Send:
    """A ``send`` that e-mails each reminder through ``mailer`` (``link``: the requests page)
    and says how many went out. A reminder the server refuses is skipped, not retried: the
    job is not failed, so the others are not sent twice, and tomorrow's run reminds again."""

    def send(reminders: Sequence[Reminder]) -> int:
        sent = 0
        for reminder in reminders:
            mail = deadline_reminder(
                reminder.language, requests=reminder.requests, link=link, today=reminder.today
            )
            try:
                mailer.send(reminder.email, mail)
            except MailFailed as error:  # said without the address: it is personal data
                log.warning("a deadline reminder could not be sent: %s", type(error).__name__)
                continue
            sent += 1
        return sent

    return send


__all__ = ["WITHIN", "Reminder", "Send", "deadline_reminders", "due_requests", "mail_sender"]
