"""Objecting to direct marketing, or unsubscribing: it stops at once (Art. 21(2)-(3)).

Three things happen, in one transaction after the data keys have gone in their own:
the person's identifiers go on the suppression list (keyed hashes only, so they are never
added to direct marketing again, even after being erased); their consent to every purpose
a direct-marketing activity relies on is withdrawn; and their records in direct-marketing
activities are erased. Their other records are untouched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kluis.consent.policy import GIVEN, Channel, activities_of
from kluis.consent.service import events_of, record_consent
from kluis.core.actor import Actor
from kluis.register.versions import require_version
from kluis.vault import (
    Keyring,
    check_suppression,
    expire_by_activity,
    marketing_activities,
    marketing_records,
    shred_orphans,
    suppress_subject,
)


@dataclass(frozen=True)
class Objection:
    """What an objection or unsubscribe did."""

    suppressed: int
    withdrawn: list[str]
    erased: int


def shred_before_objection(
    session: Session, keyring: Keyring, actor: Actor, subject_id: uuid.UUID, *, reason: str
) -> int:
    """The first step of :func:`object_to_marketing`, committed on its own: destroy the data
    key of a person whose only records are in direct-marketing activities (see
    :func:`kluis.vault.shred_subject`). How many keys."""
    check_suppression(session, actor, reason)
    records = marketing_records(session, subject_id)
    return shred_orphans(session, keyring, [(record, owner) for record, owner, _ in records])


def object_to_marketing(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    subject_id: uuid.UUID,
    *,
    reason: str,
    channel: Channel,
    language: str,
    at: datetime,
) -> Objection:
    """Stop direct marketing to the subject at once: suppress, withdraw, erase."""
    check_suppression(session, actor, reason)
    suppressed = suppress_subject(session, actor, subject_id, reason=reason, at=at)
    register = require_version(session).register
    marketing = set(marketing_activities(session))
    withdrawn = []
    for purpose in register.consent_purposes:
        if not marketing.intersection(activities_of(register, purpose.id)):
            continue
        events = events_of(session, subject_id, purpose.id)
        if events and events[-1].action == GIVEN:
            record_consent(
                session,
                actor,
                subject_id,
                purpose.id,
                action="withdrawn",
                channel=channel,
                language=language,
                evidence=reason,
                at=at,
            )
            withdrawn.append(purpose.id)
    records = marketing_records(session, subject_id)
    expire_by_activity(
        session, keyring, actor, records, anonymise=False,
        reason=f"{reason} to direct marketing", action="record_erase", at=at,
    )  # fmt: skip
    return Objection(suppressed, withdrawn, len(records))


__all__ = ["Objection", "object_to_marketing", "shred_before_objection"]
