"""Deadlines of data subject requests: pure rules, no I/O.

An answer is due without undue delay and at the latest one calendar month after receipt
(Art. 12(3)): the same date of the next month, or its last day when that month is shorter
(counted as Regulation 1182/71 counts periods; the reference marks the end-of-month rule as
unconfirmed, so Kluis takes the earlier reading, the one that never lets an answer be late).
The period can be extended by two further months where the requests are complex or
numerous, but only if the person is told, with the reasons, within the first month.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from kluis.core.calendar import add_calendar
from kluis.register.types import Duration


class Kind(StrEnum):
    """What the person asks for."""

    access = "access"  # Art. 15
    rectification = "rectification"  # Art. 16
    erasure = "erasure"  # Art. 17
    restriction = "restriction"  # Art. 18
    portability = "portability"  # Art. 20
    objection = "objection"  # Art. 21
    withdrawal = "withdrawal"  # withdrawal of consent, Art. 7(3)


class Channel(StrEnum):
    """How the request came in (and is answered)."""

    email = "email"
    web_form = "web_form"
    letter = "letter"
    phone = "phone"
    in_person = "in_person"


class IdentityMethod(StrEnum):
    """How identity was checked, where there was reasonable doubt (Art. 12(6))."""

    known_channel = "known_channel"  # from the address or number already on file
    email_confirmation = "email_confirmation"
    question = "question"  # a question only the person can answer
    document_seen = "document_seen"  # an identity document shown, never copied


class IdentityOutcome(StrEnum):
    """What the check found."""

    confirmed = "confirmed"
    not_confirmed = "not_confirmed"


class Outcome(StrEnum):
    """How a request was closed."""

    answered = "answered"
    refused = "refused"


def _promised_day(received: date, promised: Duration) -> date:
    return add_calendar(
        received, months=promised.total_months, days=promised.weeks * 7 + promised.days
    )


def first_deadline(received: date, promised: Duration | None = None) -> date:
    """One calendar month after receipt, or sooner when the organisation promises a shorter
    period (``rights_requests.answer_within`` in the register): the privacy notice says so,
    and a promise the notice makes is a deadline too."""
    legal = add_calendar(received, months=1)
    if promised is None:
        return legal
    return min(legal, _promised_day(received, promised))


def extended_deadline(received: date, promised: Duration | None = None) -> date:
    """Three calendar months after receipt (the first month and two more), or sooner when
    the organisation promises a shorter period: "erased within two calendar months" holds
    for a complex request too."""
    legal = add_calendar(received, months=3)
    if promised is None:
        return legal
    return min(legal, _promised_day(received, promised))


def may_extend(received: date, today: date, promised: Duration | None = None) -> bool:
    """Whether the period can still be extended: the notice goes out within the first month,
    and the organisation's own promise leaves time beyond it."""
    first = first_deadline(received, promised)
    return today <= first and extended_deadline(received, promised) > first


def days_left(due: date, today: date) -> int:
    """Days until the deadline (0 on the day itself; negative once it has passed)."""
    return (due - today).days


__all__ = [
    "Channel",
    "IdentityMethod",
    "IdentityOutcome",
    "Kind",
    "Outcome",
    "days_left",
    "extended_deadline",
    "first_deadline",
    "may_extend",
]
