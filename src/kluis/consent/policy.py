"""Whether a consent stands: pure rules, no I/O.

A consent is valid on a day when the person's last event for the purpose is ``given``, it
was given on the version of the purpose's text the register holds now or on one it still
``accepts`` (a new text needs a new consent: Art. 7(2), the request must be clear about
what is agreed to; a corrected typo does not), and it has not
expired (the purpose's ``expires``, counted in calendar units from the day it was given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from kluis.core.actor import Actor
from kluis.core.calendar import add_calendar
from kluis.core.errors import NotAllowed
from kluis.register.schema import ConsentPurpose, LegalBasis, Register

GIVEN: Final = "given"
WITHDRAWN: Final = "withdrawn"


class Channel(StrEnum):
    """How a consent was given or withdrawn."""

    web_form = "web_form"
    email = "email"
    paper = "paper"
    phone = "phone"
    in_person = "in_person"


class State(StrEnum):
    """Where a person's consent to a purpose stands on a day."""

    valid = "valid"
    #: Never given.
    none = "none"
    withdrawn = "withdrawn"
    #: Given longer ago than the purpose's ``expires``.
    expired = "expired"
    #: Given on an older version of the purpose's text.
    outdated = "outdated"


@dataclass(frozen=True)
class Event:
    """One event of the consent log, as the rules read it."""

    action: str
    at: datetime
    version: date


@dataclass(frozen=True)
class Standing:
    """A person's consent to one purpose on a day."""

    purpose: str
    state: State
    #: The last time it was given and withdrawn (None: never).
    given: datetime | None
    withdrawn: datetime | None
    version: date | None
    #: The last day it stands, when the purpose's consent expires.
    expires: date | None


def standing(purpose: ConsentPurpose, events: Sequence[Event], on: date) -> Standing:
    """Where the consent to ``purpose`` stands on ``on``, from its events (oldest first)."""
    given = next((event for event in reversed(events) if event.action == GIVEN), None)
    withdrawn = next((event for event in reversed(events) if event.action == WITHDRAWN), None)
    last = events[-1] if events else None
    expires = None
    if given is not None and purpose.expires is not None:
        period = purpose.expires
        expires = add_calendar(
            given.at.date(), months=period.total_months, days=period.weeks * 7 + period.days - 1
        )
    if last is None:
        state = State.none
    elif last.action == WITHDRAWN:
        state = State.withdrawn
    elif last.version != purpose.version and last.version not in purpose.accepts:
        state = State.outdated
    elif expires is not None and on > expires:
        state = State.expired
    else:
        state = State.valid
    return Standing(
        purpose.id,
        state,
        given.at if given else None,
        withdrawn.at if withdrawn else None,
        given.version if given else None,
        expires,
    )


def activities_of(register: Register, purpose: str) -> list[str]:
    """The activities whose legal basis is consent to ``purpose``."""
    return [
        activity.id
        for activity in register.activities
        if activity.legal_basis is not None
        and activity.legal_basis.basis is LegalBasis.consent
        and activity.legal_basis.consent == purpose
    ]


def may_record(register: Register, actor: Actor, purpose: str) -> None:
    """Only the DPO, or a user whose roles reach an activity based on the purpose, records
    consent for it."""
    if actor.is_dpo:
        return
    reach = {activity.id for activity in register.activities if actor.roles & set(activity.access)}
    if not reach.intersection(activities_of(register, purpose)):
        raise NotAllowed(
            "'{actor}' may not record consent to '{purpose}': no activity based on it grants "
            "them access",
            actor=actor.name,
            purpose=purpose,
        )


__all__ = [
    "GIVEN",
    "WITHDRAWN",
    "Channel",
    "Event",
    "Standing",
    "State",
    "activities_of",
    "may_record",
    "standing",
]
