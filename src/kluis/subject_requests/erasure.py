"""Carrying out an erasure request (Art. 17): everything that may be erased is; what a legal
obligation or a legal hold keeps is named, with until when; the recipients to inform are
listed (Art. 19).

A record is kept when its activity's legal basis is a legal obligation and its retention
period has not ended (Art. 17(3)(b)), or when a legal hold covers it (Art. 17(3)(e)).
Everything else is erased; a person left without any record is erased entirely, their data
key destroyed first in a transaction of its own (:func:`shred_before_erasure`). An entry on
the suppression list stays: it is what keeps them from being contacted again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.register.schema import Register
from kluis.register.versions import require_version
from kluis.retention import due_date, held_scope, rule_of
from kluis.subject_requests.policy import Kind
from kluis.subject_requests.service import request_for
from kluis.vault import (
    Keyring,
    expire_by_activity,
    shred_orphans,
    subject_record_dates,
)


@dataclass(frozen=True)
class Kept:
    """A record an erasure request does not erase, and why."""

    record_id: uuid.UUID
    activity: str
    #: ``legal_obligation`` or ``legal_hold``.
    reason: str
    #: The first day it is no longer kept (None: not known yet, the period has not started).
    until: date | None


@dataclass(frozen=True)
class ErasureOutcome:
    """What an erasure request erases and keeps, and whom to inform."""

    request_id: int
    language: str
    received_at: datetime
    subject_id: uuid.UUID | None
    register: Register
    erased: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    #: Recipients of the erased records' activities, by register id, to inform (Art. 19).
    recipients: list[str] = field(default_factory=list)


def erasure_plan(
    session: Session, actor: Actor, request_id: int, *, at: datetime
) -> ErasureOutcome:
    """What carrying out erasure request ``request_id`` would erase and keep."""
    request = request_for(session, actor, request_id, Kind.erasure, matched=False)
    register = require_version(session).register
    outcome = ErasureOutcome(
        request.id, request.language, request.received_at, request.subject_id, register
    )
    if request.subject_id is None:
        return outcome
    activities = {activity.id: activity for activity in register.activities}
    fiscal_year = register.organisation.fiscal_year_end
    scope = held_scope(session, at.date())
    recipients: list[str] = []
    for record in subject_record_dates(session, request.subject_id):
        activity = activities.get(record.activity)
        rule = rule_of(activity) if activity is not None else None
        if (
            record.record_id in scope.records
            or record.subject_id in scope.subjects
            or record.activity in scope.activities
        ):
            outcome.kept.append(Kept(record.record_id, record.activity, "legal_hold", None))
            continue
        if rule is not None and rule.legal_obligation:
            until = due_date(rule, record.events, fiscal_year, renewals=record.renewals)
            if until is None or until > at.date():
                outcome.kept.append(
                    Kept(record.record_id, record.activity, "legal_obligation", until)
                )
                continue
        outcome.erased.append((record.record_id, record.activity))
        if activity is not None:
            recipients.extend(activity.recipients)
    outcome.recipients.extend(dict.fromkeys(recipients))
    return outcome


def shred_before_erasure(
    session: Session, keyring: Keyring, actor: Actor, request_id: int, *, at: datetime
) -> int:
    """The first step, committed on its own: destroy the data key of a person the request
    leaves without any record (see :func:`kluis.vault.shred_subject`)."""
    plan = erasure_plan(session, actor, request_id, at=at)
    if plan.subject_id is None:
        return 0
    owner = plan.subject_id
    return shred_orphans(session, keyring, [(record_id, owner) for record_id, _ in plan.erased])


def carry_out_erasure(
    session: Session, keyring: Keyring, actor: Actor, request_id: int, *, at: datetime
) -> ErasureOutcome:
    """Erase what may be erased for request ``request_id``; what was erased and kept."""
    plan = erasure_plan(session, actor, request_id, at=at)
    if plan.subject_id is None or not plan.erased:
        return plan
    owner = plan.subject_id
    erased = [(record_id, owner, activity) for record_id, activity in plan.erased]
    expire_by_activity(
        session, keyring, actor, erased, anonymise=False,
        reason=f"erasure request {request_id}", action="record_erase", at=at,
    )  # fmt: skip
    return plan


def outcome_result(outcome: ErasureOutcome) -> dict[str, object]:
    """What an erasure did, as its step keeps it: record ids, activities, reasons and dates,
    never a value."""
    return {
        "erased": [[str(record_id), activity] for record_id, activity in outcome.erased],
        "kept": [
            [
                str(kept.record_id),
                kept.activity,
                kept.reason,
                kept.until.isoformat() if kept.until else None,
            ]
            for kept in outcome.kept
        ],
        "recipients": list(outcome.recipients),
    }


def outcome_of(
    session: Session, actor: Actor, request_id: int, result: dict[str, object]
) -> ErasureOutcome:
    """The outcome an erasure step recorded (:func:`outcome_result`), for the letter; the
    request may be closed since."""
    request = request_for(session, actor, request_id, Kind.erasure, matched=False, closed_too=True)
    register = require_version(session).register
    erased = result.get("erased", [])
    kept = result.get("kept", [])
    recipients = result.get("recipients", [])
    assert isinstance(erased, list) and isinstance(kept, list) and isinstance(recipients, list)
    return ErasureOutcome(
        request.id,
        request.language,
        request.received_at,
        request.subject_id,
        register,
        [(uuid.UUID(record_id), activity) for record_id, activity in erased],
        [
            Kept(
                uuid.UUID(record_id), activity, reason, date.fromisoformat(until) if until else None
            )
            for record_id, activity, reason, until in kept
        ],
        [str(recipient) for recipient in recipients],
    )


__all__ = [
    "ErasureOutcome",
    "Kept",
    "carry_out_erasure",
    "erasure_plan",
    "outcome_of",
    "outcome_result",
    "shred_before_erasure",
]
