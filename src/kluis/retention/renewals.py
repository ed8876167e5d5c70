"""Renewals: where an activity's rule has ``renew:`` (two years, and two more if the person
agrees), the people to ask before their period ends, and the renewal itself.

A renewal extends one record's period by the rule's ``renew`` once; it is recorded on the
record (how many renewals it had) and audited with the reason (when and how the person
agreed). A record is renewed before its period ends, never after: once due, it goes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, NotFound
from kluis.register.versions import require_version
from kluis.retention.policy import Rule, due_cutoffs, due_date, require_privacy_staff, rule_of
from kluis.vault import event_counts, record_dates, records_between, renew_record

#: How long before the end of a period people are asked, unless the caller says otherwise.
NOTICE_DAYS = 60


@dataclass(frozen=True)
class RenewalDue:
    """A record whose period ends soon and can be renewed: ask the person."""

    record_id: uuid.UUID
    subject_id: uuid.UUID
    activity: str
    due: date
    renewals: int


@dataclass(frozen=True)
class Renewed:
    """A renewal done: the record, how many renewals it has, and its new due date."""

    record_id: uuid.UUID
    renewals: int
    due: date


def _rules(session: Session) -> tuple[dict[str, Rule], str]:
    stored = require_version(session)
    rules = {}
    for activity in stored.register.activities:
        rule = rule_of(activity)
        if rule is not None:
            rules[activity.id] = rule
    return rules, stored.register.organisation.fiscal_year_end


def renewals_due(
    session: Session, actor: Actor, *, at: date, within: int = NOTICE_DAYS
) -> list[RenewalDue]:
    """The records of activities with ``renew:`` whose period ends after ``at`` and within
    ``within`` days: the people to ask now, soonest first."""
    require_privacy_staff(actor)
    rules, fiscal_year = _rules(session)
    horizon = at + timedelta(days=within)
    found: list[RenewalDue] = []
    for rule in rules.values():
        if rule.renew is None or not rule.has_period or rule.column is None:
            continue
        groups = event_counts(session, rule.activity, rule.column)
        until = due_cutoffs(rule, groups, horizon, fiscal_year)
        after = due_cutoffs(rule, groups, at, fiscal_year)
        for record_id, subject_id, event, renewals in records_between(
            session, rule.activity, rule.column, after, until
        ):
            due = due_date(rule, {rule.column: event}, fiscal_year, renewals=renewals)
            assert due is not None
            found.append(RenewalDue(record_id, subject_id, rule.activity, due, renewals))
    return sorted(found, key=lambda item: (item.due, item.activity, str(item.record_id)))


def renew(
    session: Session, actor: Actor, record_id: uuid.UUID, *, reason: str, at: datetime
) -> Renewed:
    """Extend a record's period by its rule's ``renew``, before the period ends."""
    require_privacy_staff(actor)
    record = record_dates(session, record_id)
    if record is None:
        raise NotFound("no record {record}", record=str(record_id))
    rules, fiscal_year = _rules(session)
    rule = rules.get(record.activity)
    if rule is None or rule.renew is None:
        raise InvalidInput(
            "the register gives activity '{activity}' no renewal (retention: renew)",
            activity=record.activity,
        )
    due = due_date(rule, record.events, fiscal_year, renewals=record.renewals)
    if due is None:
        raise InvalidInput(
            "record {record} has no due date yet: its period has not started", record=str(record_id)
        )
    if due <= at.date():
        raise Conflict(
            "the period of record {record} ended (due {due}); a record is renewed before it ends",
            record=str(record_id),
            due=due.isoformat(),
        )
    renewals = renew_record(session, actor, record_id, reason=reason, at=at)
    new_due = due_date(rule, record.events, fiscal_year, renewals=renewals)
    assert new_due is not None
    return Renewed(record_id, renewals, new_due)


__all__ = ["NOTICE_DAYS", "RenewalDue", "Renewed", "renew", "renewals_due"]
