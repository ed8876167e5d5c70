"""When a record's retention ends: pure rules, no I/O.

An activity's ``retention`` says how long (``keep``) after which event (``after``) its
records are kept, and what happens then (``then``: erase or anonymise). The period runs
from the day of the event; a record is **due** on the first day after the period.

Calendar arithmetic follows Regulation (EEC, Euratom) No 1182/71 (periods, dates and time
limits), the rule EU law counts periods by: a period of years, months or weeks ends on the
day of the last year, month or week that has the same number (or weekday) as the day the
event happened; when that month is too short, on its last day. So a period of one year
after 29 February 2024 ends on 28 February 2025, one month after 31 January ends on the
last day of February, and the record is due the day after. Periods of days end that many
days after the event. Whether a national rule counts otherwise for a given law is not
settled here: the reference marks it unconfirmed, so Kluis takes the later of the readings
(a record is never erased before the last day of the period has passed).

``after: fiscal_year_end`` runs from the end of the fiscal year in which the record's date
falls (``organisation.fiscal_year_end``, ``12-31`` by default): with a fiscal year ending
on 30 June, a record dated 15 August 2026 belongs to the year ending 30 June 2027.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from kluis.core.actor import Actor
from kluis.core.calendar import add_calendar
from kluis.core.errors import NotAllowed
from kluis.register.schema import (
    Activity,
    LegalBasis,
    Retention,
    RetentionAction,
    RetentionEvent,
)
from kluis.register.types import Duration

#: The record column each retention event is read from. The consent events are kept on a
#: record from the consent log of its person and the activity's consent purpose.
EVENT_COLUMNS: Final[dict[RetentionEvent, str]] = {
    RetentionEvent.consent_given: "consent_given",
    RetentionEvent.consent_withdrawn: "consent_withdrawn",
    RetentionEvent.collected: "collected",
    RetentionEvent.last_contact: "last_contact",
    RetentionEvent.contract_end: "contract_end",
    RetentionEvent.employment_end: "employment_end",
    RetentionEvent.selection_end: "selection_end",
    RetentionEvent.fiscal_year_end: "record_date",
}


def add_period(day: date, period: Duration) -> date:
    """``day`` plus ``period`` in calendar units: years and months to the same day number,
    or the month's last day when it has no such day; then weeks and days."""
    return add_calendar(day, months=period.total_months, days=period.weeks * 7 + period.days)


def fiscal_year_end(day: date, month_day: str) -> date:
    """The last day of the fiscal year ``day`` falls in, for a year ending on ``month_day``
    (``MM-DD``; ``02-29`` is read as the last day of February)."""
    month, end_day = (int(part) for part in month_day.split("-"))

    def end_in(year: int) -> date:
        return date(year, month, min(end_day, calendar.monthrange(year, month)[1]))

    this_year = end_in(day.year)
    return this_year if day <= this_year else end_in(day.year + 1)


@dataclass(frozen=True)
class Rule:
    """An activity's retention, read for the sweep."""

    activity: str
    #: The rule as the register writes it.
    retention: Retention
    keep: Duration | None
    after: RetentionEvent | None
    then: RetentionAction
    review: Duration | None
    renew: Duration | None
    #: The records are kept because a law requires it (Art. 6(1)(c)); an erasure request
    #: does not end them before the period (Art. 17(3)(b)).
    legal_obligation: bool

    @property
    def column(self) -> str | None:
        """The record column the period runs from; None when no column holds the event."""
        return EVENT_COLUMNS.get(self.after) if self.after is not None else None

    @property
    def has_period(self) -> bool:
        """Whether the rule ends records at all (a period and the event it runs from)."""
        return self.keep is not None and self.after is not None


def rule_of(activity: Activity) -> Rule | None:
    """The retention rule of ``activity``; None when the register gives it none."""
    retention = activity.retention
    if retention is None:
        return None
    basis = activity.legal_basis.basis if activity.legal_basis else None
    return Rule(
        activity=activity.id,
        retention=retention,
        keep=retention.keep,
        after=retention.after,
        then=retention.then,
        review=retention.review,
        renew=retention.renew,
        legal_obligation=basis is LegalBasis.legal_obligation,
    )


def event_day(rule: Rule, event: date, fiscal_year: str) -> date:
    """The day the period starts from, for an event column holding ``event``."""
    if rule.after is RetentionEvent.fiscal_year_end:
        return fiscal_year_end(event, fiscal_year)
    return event


def require_privacy_staff(actor: Actor) -> None:
    """Only the DPO or an administrator plans and runs retention and sets legal holds."""
    if not actor.is_privacy_staff:
        raise NotAllowed(
            "only the DPO or an administrator may plan or run retention or set legal holds"
        )


def due_cutoffs(
    rule: Rule, groups: Iterable[tuple[date | None, int]], at: date, fiscal_year: str
) -> dict[int, date]:
    """For each number of renewals, the latest event day among ``groups`` (event day,
    renewals) whose records are due on ``at``: every record with as many renewals and its
    event on or before that day is due, none after (the due date grows with the event).
    Numbers of renewals with no record due are left out."""
    cutoffs: dict[int, date] = {}
    if rule.column is None:
        return cutoffs
    for event, renewals in groups:
        if event is None:
            continue
        when = due_date(rule, {rule.column: event}, fiscal_year, renewals=renewals)
        if when is not None and when <= at and event > cutoffs.get(renewals, date.min):
            cutoffs[renewals] = event
    return cutoffs


def period_of(rule: Rule, renewals: int) -> Duration | None:
    """The rule's period extended by ``renewals`` renewals (``keep`` plus ``renew`` each)."""
    if rule.keep is None:
        return None
    if not renewals or rule.renew is None:
        return rule.keep
    keep, renew = rule.keep, rule.renew
    return Duration(
        keep.years + renew.years * renewals,
        keep.months + renew.months * renewals,
        keep.weeks + renew.weeks * renewals,
        keep.days + renew.days * renewals,
    )


def due_date(
    rule: Rule, events: Mapping[str, date | None], fiscal_year: str, *, renewals: int = 0
) -> date | None:
    """The first day a record is no longer kept: the day after its period (extended by its
    ``renewals``) ends. None when the rule has no period or the event has not happened
    (yet) for the record."""
    period = period_of(rule, renewals)
    if period is None or rule.column is None:
        return None
    event = events.get(rule.column)
    if event is None:
        return None
    return add_period(event_day(rule, event, fiscal_year), period) + timedelta(days=1)


__all__ = [
    "EVENT_COLUMNS",
    "Rule",
    "add_period",
    "due_cutoffs",
    "due_date",
    "event_day",
    "fiscal_year_end",
    "period_of",
    "require_privacy_staff",
    "rule_of",
]
