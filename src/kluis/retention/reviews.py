"""Reviews (``review:``): an activity whose records are kept as long as they are needed
says how often each must be looked at again (Art. 5(1)(e): kept no longer than necessary).
A record falls due for review that long after it was collected, or after its last review;
the DPO (or an administrator) lists what is due, and for each record decides: still needed
(kept, and its next review counts from today) or not (erased, or anonymised when the rule
says so, the data key of a person left with nothing destroyed first). Every decision is
audited with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.core.calendar import add_calendar
from kluis.core.errors import InvalidInput, NotFound
from kluis.register.schema import RetentionAction
from kluis.register.types import Duration
from kluis.register.versions import require_version
from kluis.retention.policy import Rule, add_period, require_privacy_staff, rule_of
from kluis.vault import (
    Keyring,
    expire_by_activity,
    mark_reviewed,
    records_for_review,
    review_counts,
    review_targets,
    shred_orphans,
)


class Decision(StrEnum):
    """What a review decides for a record."""

    keep = "keep"
    erase = "erase"


@dataclass(frozen=True)
class ReviewDue:
    """A record due for review: since when."""

    record_id: uuid.UUID
    subject_id: uuid.UUID
    activity: str
    #: The day it was collected or last reviewed, and the day its review fell due.
    since: date
    due: date


@dataclass
class Reviewed:
    """What a review did: records kept, erased and anonymised, by id."""

    kept: list[uuid.UUID] = field(default_factory=list)
    erased: list[uuid.UUID] = field(default_factory=list)
    anonymised: list[uuid.UUID] = field(default_factory=list)


def review_cutoff(review: Duration, at: date) -> date:
    """The last day a record can have been collected or reviewed on and be due for review
    on ``at``: the latest day whose review falls on or before ``at``."""
    day = add_calendar(at, months=-review.total_months, days=-(review.weeks * 7 + review.days))
    while add_period(day + timedelta(days=1), review) <= at:
        day += timedelta(days=1)
    while add_period(day, review) > at:
        day -= timedelta(days=1)
    return day


def reviews_counted(session: Session, rule: Rule, at: date) -> int:
    """How many records of the rule's activity are due for review on ``at``."""
    if rule.review is None:
        return 0
    cutoff = review_cutoff(rule.review, at)
    return sum(
        count
        for since, count in review_counts(session, rule.activity).items()
        if since is not None and since <= cutoff
    )


def _rules(session: Session) -> dict[str, Rule]:
    register = require_version(session).register
    rules = {}
    for activity in register.activities:
        rule = rule_of(activity)
        if rule is not None and rule.review is not None:
            rules[activity.id] = rule
    return rules


def reviews_due(
    session: Session, actor: Actor, *, at: date, activity: str | None = None, limit: int = 100
) -> list[ReviewDue]:
    """The records due for review on ``at`` (of one activity, or of all), at most ``limit``."""
    require_privacy_staff(actor)
    rules = _rules(session)
    if activity is not None:
        if activity not in rules:
            raise NotFound(
                "activity '{activity}' has no review in the applied register ({activities})",
                activity=activity,
                activities=", ".join(rules) or "-",
            )
        rules = {activity: rules[activity]}
    found: list[ReviewDue] = []
    for rule in rules.values():
        assert rule.review is not None
        left = limit - len(found)
        if left <= 0:
            break
        for record_id, subject_id, since in records_for_review(
            session, rule.activity, since=review_cutoff(rule.review, at), limit=left
        ):
            found.append(
                ReviewDue(
                    record_id, subject_id, rule.activity, since, add_period(since, rule.review)
                )
            )
    return found


def _targets(
    session: Session, record_ids: Sequence[uuid.UUID]
) -> tuple[dict[str, Rule], dict[uuid.UUID, tuple[uuid.UUID, str]]]:
    rules = _rules(session)
    targets = review_targets(session, record_ids)
    missing = [str(record_id) for record_id in record_ids if record_id not in targets]
    if missing:
        raise NotFound("no record {records}", records=", ".join(missing))
    unreviewed = sorted({activity for _, activity in targets.values() if activity not in rules})
    if unreviewed:
        raise InvalidInput(
            "activity '{activity}' has no review in the applied register: its records are "
            "kept and erased by their retention period",
            activity=", ".join(unreviewed),
        )
    return rules, targets


def shred_before_review(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    record_ids: Sequence[uuid.UUID],
    *,
    decision: Decision,
) -> int:
    """The first step of erasing after a review, committed on its own: destroy the data key
    of a person the erasure leaves without any record. How many keys."""
    require_privacy_staff(actor)
    if decision is not Decision.erase:
        return 0
    rules, targets = _targets(session, record_ids)
    erased = [
        (record_id, subject_id)
        for record_id, (subject_id, activity) in targets.items()
        if rules[activity].then is RetentionAction.erase
    ]
    return shred_orphans(session, keyring, erased)


def review_records(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    record_ids: Sequence[uuid.UUID],
    *,
    decision: Decision,
    reason: str,
    at: datetime,
) -> Reviewed:
    """Record the review of ``record_ids``: kept (the next review counts from today) or
    erased (anonymised where the activity's rule says so), each audited with ``reason``."""
    require_privacy_staff(actor)
    if not reason.strip():
        raise InvalidInput("a review needs its reason (why the records are still needed, or not)")
    rules, targets = _targets(session, record_ids)
    done = Reviewed()
    if decision is Decision.keep:
        mark_reviewed(
            session,
            actor,
            [
                (record_id, subject_id, activity)
                for record_id, (subject_id, activity) in targets.items()
            ],
            reason=reason.strip(),
            at=at,
        )
        done.kept.extend(targets)
        return done
    for anonymise, action in ((False, "review_erase"), (True, "review_anonymise")):
        chosen = [
            (record_id, subject_id, activity)
            for record_id, (subject_id, activity) in targets.items()
            if (rules[activity].then is RetentionAction.anonymize) is anonymise
        ]
        expire_by_activity(
            session, keyring, actor, chosen, anonymise=anonymise,
            reason=reason.strip(), action=action, at=at,
        )  # fmt: skip
        (done.anonymised if anonymise else done.erased).extend(r for r, _, _ in chosen)
    return done


__all__ = [
    "Decision",
    "ReviewDue",
    "Reviewed",
    "review_cutoff",
    "review_records",
    "reviews_counted",
    "reviews_due",
    "shred_before_review",
]
