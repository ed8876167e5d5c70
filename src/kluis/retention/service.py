"""The retention plan: for every activity, what is due to be erased or anonymised and when,
what has no due date yet, and what a law keeps.

The plan counts records; it reads no value and names no person, so it needs no data key.
It groups the records of an activity by the day of the event their period runs from (one
query per activity), so a vault of a million records is planned from a few thousand groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.register.schema import RetentionAction
from kluis.register.versions import require_version
from kluis.retention.holds import HeldScope, held_scope
from kluis.retention.policy import (
    Rule,
    due_cutoffs,
    due_date,
    require_privacy_staff,
    rule_of,
)
from kluis.retention.reviews import reviews_counted
from kluis.vault import count_records, event_counts, record_count


@dataclass(frozen=True)
class ActivityPlan:
    """The retention of one activity's records, as on the plan's day."""

    activity: str
    #: The register's rule; None when the activity has no retention (a finding of its own).
    rule: Rule | None
    records: int
    #: Records whose period has ended on or before the plan's day: the next run acts on them.
    due: int = 0
    #: Records whose period has ended but a legal hold keeps.
    held: int = 0
    #: Records due later, by the first day of the month they fall due in.
    schedule: dict[date, int] = field(default_factory=dict)
    #: Records whose event has not happened (a contract still running): no due date yet.
    open: int = 0
    #: Records with an event but a rule without a period (review only).
    review_only: int = 0
    #: Records due for review (``review:``), counted from the day they were collected or
    #: last reviewed.
    review_due: int = 0
    next_due: date | None = None
    last_due: date | None = None

    @property
    def action(self) -> RetentionAction | None:
        """What happens to due records: erase or anonymise."""
        return self.rule.then if self.rule is not None else None

    @property
    def held_by_law(self) -> int:
        """Records a legal obligation keeps until their due date (Art. 17(3)(b))."""
        if self.rule is None or not self.rule.legal_obligation:
            return 0
        return sum(self.schedule.values())


@dataclass(frozen=True)
class RetentionPlan:
    """What retention does, activity by activity, as on ``at``."""

    at: date
    fiscal_year_end: str
    #: The organisation's country, for the register's wording of the rules.
    country: str
    activities: list[ActivityPlan]

    @property
    def due(self) -> int:
        """Records the next run erases or anonymises."""
        return sum(plan.due for plan in self.activities)


def _month(day: date) -> date:
    return day.replace(day=1)


def held_records(
    session: Session, rule: Rule, cutoffs: Mapping[int, date], scope: HeldScope
) -> int:
    """How many of the records due by ``cutoffs`` (see ``due_cutoffs``) the holds keep."""
    if not cutoffs or rule.column is None:
        return 0
    if rule.activity in scope.activities:
        counts = event_counts(session, rule.activity, rule.column)
        return sum(
            n
            for (day, renewals), n in counts.items()
            if day is not None and renewals in cutoffs and day <= cutoffs[renewals]
        )
    return count_records(
        session,
        rule.activity,
        rule.column,
        cutoffs,
        subjects=scope.subjects,
        records=scope.records,
    )


def _activity_plan(
    session: Session,
    activity: str,
    rule: Rule | None,
    *,
    at: date,
    fiscal_year: str,
    scope: HeldScope,
) -> ActivityPlan:
    if rule is None:
        return ActivityPlan(activity, None, record_count(session, activity))
    due = open_ = review_only = review_due = 0
    schedule: Counter[date] = Counter()
    days: list[date] = []
    counts = event_counts(session, activity, rule.column) if rule.column is not None else {}
    # The groups hold every record of the activity: no count of its own.
    total = sum(counts.values()) if rule.column is not None else record_count(session, activity)
    for (event, renewals), count in counts.items():
        if event is None:
            open_ += count
            continue
        when = due_date(rule, {str(rule.column): event}, fiscal_year, renewals=renewals)
        if when is None:
            review_only += count
            continue
        days.append(when)
        if when <= at:
            due += count
        else:
            schedule[_month(when)] += count
    if rule.column is None:
        open_ = total
    review_due = reviews_counted(session, rule, at)
    held = held_records(session, rule, due_cutoffs(rule, counts, at, fiscal_year), scope)
    upcoming = [day for day in days if day > at]
    return ActivityPlan(
        activity,
        rule,
        total,
        due=due - held,
        held=held,
        schedule=dict(sorted(schedule.items())),
        open=open_,
        review_only=review_only,
        review_due=review_due,
        next_due=min(upcoming, default=None),
        last_due=max(days, default=None),
    )


def retention_plan(session: Session, actor: Actor, *, at: date) -> RetentionPlan:
    """The retention plan of the applied register's activities, as on ``at``."""
    require_privacy_staff(actor)
    stored = require_version(session)
    fiscal_year = stored.register.organisation.fiscal_year_end
    scope = held_scope(session, at)
    plans = [
        _activity_plan(
            session,
            activity.id,
            rule_of(activity),
            at=at,
            fiscal_year=fiscal_year,
            scope=scope,
        )
        for activity in stored.register.activities
    ]
    return RetentionPlan(at, fiscal_year, stored.register.organisation.country, plans)


__all__ = ["ActivityPlan", "RetentionPlan", "held_records", "retention_plan"]
