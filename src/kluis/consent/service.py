"""Recording consent given and withdrawn, and reading where it stands.

Giving and withdrawing are one call each, alike (Art. 7(3): withdrawing is as easy as
giving). Each is an event in the log, audited; the records of the activities based on the
purpose keep when consent was last given and withdrawn, so that retention runs from the
withdrawal (``after: consent_withdrawn``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import Event as AuditEvent
from kluis.audit import record_event
from kluis.consent.models import ConsentEvent
from kluis.consent.policy import (
    GIVEN,
    WITHDRAWN,
    Channel,
    Event,
    Standing,
    activities_of,
    may_record,
    standing,
)
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed, NotFound
from kluis.i18n import LANGUAGES
from kluis.register.schema import ConsentPurpose, Register
from kluis.register.types import Text
from kluis.register.versions import consent_texts, require_version
from kluis.vault import set_consent_dates, subject_exists


@dataclass(frozen=True)
class ConsentRecord:
    """One event of a person's consent history."""

    id: int
    purpose: str
    action: str
    at: datetime
    version: date
    language: str
    channel: str
    evidence: str | None
    recorded_by: str
    recorded_at: datetime


def purpose_of(register: Register, purpose: str) -> ConsentPurpose:
    for item in register.consent_purposes:
        if item.id == purpose:
            return item
    raise NotFound(
        "the applied register has no consent purpose '{purpose}' ({purposes})",
        purpose=purpose,
        purposes=", ".join(item.id for item in register.consent_purposes) or "-",
    )


def _view(event: ConsentEvent) -> ConsentRecord:
    return ConsentRecord(
        event.id,
        event.purpose,
        event.action,
        event.at,
        event.version,
        event.language,
        event.channel,
        event.evidence,
        event.recorded_by,
        event.recorded_at,
    )


def events_of(session: Session, subject_id: uuid.UUID, purpose: str | None) -> list[ConsentEvent]:
    """The subject's consent events, oldest first (of one purpose, or all)."""
    query = select(ConsentEvent).where(ConsentEvent.subject_id == subject_id)
    if purpose is not None:
        query = query.where(ConsentEvent.purpose == purpose)
    return list(session.execute(query.order_by(ConsentEvent.at, ConsentEvent.id)).scalars())


def record_consent(
    session: Session,
    actor: Actor,
    subject_id: uuid.UUID,
    purpose: str,
    *,
    action: str,
    channel: Channel,
    language: str,
    evidence: str | None = None,
    given_at: datetime | None = None,
    version: date | None = None,
    at: datetime,
) -> Standing:
    """Log consent to ``purpose`` given or withdrawn (``action``) by the subject, ``given_at``
    (default: now) on the text of ``version`` (default: the register's), and keep the dates
    on the records it covers. Where the consent stands now."""
    if action not in (GIVEN, WITHDRAWN):
        raise InvalidInput("consent is given or withdrawn, not '{action}'", action=action)
    register = require_version(session).register
    found = purpose_of(register, purpose)
    may_record(register, actor, purpose)
    if not subject_exists(session, subject_id):
        raise NotFound("no subject {subject}", subject=str(subject_id))
    if language not in LANGUAGES:
        raise InvalidInput(
            "'{language}' is not a language of Kluis ({languages})",
            language=language,
            languages=", ".join(LANGUAGES),
        )
    when = given_at or at
    if when.tzinfo is None:
        raise ValueError("a moment must be timezone-aware")
    if when > at:
        raise InvalidInput("consent cannot be recorded as of a moment still to come")
    shown = version or found.version
    if shown > found.version:
        raise InvalidInput(
            "version {version} of '{purpose}' is newer than the register's ({current})",
            version=shown.isoformat(),
            purpose=purpose,
            current=found.version.isoformat(),
        )
    event = ConsentEvent(
        subject_id=subject_id,
        purpose=purpose,
        action=action,
        at=when,
        version=shown,
        language=language,
        channel=channel.value,
        evidence=evidence.strip() if evidence and evidence.strip() else None,
        recorded_by=actor.name,
        recorded_at=at,
    )
    session.add(event)
    session.flush()
    log = [
        Event(item.action, item.at, item.version)
        for item in events_of(session, subject_id, purpose)
    ]
    now = standing(found, log, at.date())
    activities = activities_of(register, purpose)
    set_consent_dates(
        session,
        subject_id,
        activities,
        given=now.given.date() if now.given else None,
        withdrawn=now.withdrawn.date() if now.withdrawn and log[-1].action == WITHDRAWN else None,
    )
    record_event(
        session,
        actor,
        AuditEvent(
            f"consent_{action}",
            subject_id=subject_id,
            detail={
                "purpose": purpose,
                "version": shown.isoformat(),
                "channel": channel.value,
                "event": event.id,
            },
        ),
        at=at,
    )
    return now


def consent_standing(
    session: Session, actor: Actor, subject_id: uuid.UUID, *, on: date
) -> list[Standing]:
    """Where the subject's consent stands on ``on``, for every purpose of the register that
    ``actor`` reaches (the DPO: all)."""
    register = require_version(session).register
    if not subject_exists(session, subject_id):
        raise NotFound("no subject {subject}", subject=str(subject_id))
    result = []
    for purpose in register.consent_purposes:
        if not _reaches(register, actor, purpose.id):
            continue
        log = [
            Event(item.action, item.at, item.version)
            for item in events_of(session, subject_id, purpose.id)
        ]
        result.append(standing(purpose, log, on))
    return result


def consent_history(
    session: Session, actor: Actor, subject_id: uuid.UUID, *, purpose: str | None = None
) -> list[ConsentRecord]:
    """The subject's consent events, oldest first (of one purpose, or of every purpose that
    ``actor`` reaches)."""
    register = require_version(session).register
    if purpose is not None:
        purpose_of(register, purpose)
        may_record(register, actor, purpose)
    return [
        _view(event)
        for event in events_of(session, subject_id, purpose)
        if _reaches(register, actor, event.purpose)
    ]


@dataclass(frozen=True)
class ConsentProof:
    """What shows that a person consented (Art. 7(1)): the purpose, every text of it the
    person was shown (by version), the full history and where the consent stands."""

    subject_id: uuid.UUID
    purpose: str
    texts: dict[date, Text]
    history: list[ConsentRecord]
    standing: Standing
    register: Register


def consent_proof(
    session: Session, actor: Actor, subject_id: uuid.UUID, purpose: str, *, at: datetime
) -> ConsentProof:
    """The proof of a person's consent to ``purpose``, as at ``at``; audited as a read."""
    stored = require_version(session)
    found = purpose_of(stored.register, purpose)
    may_record(stored.register, actor, purpose)
    if not subject_exists(session, subject_id):
        raise NotFound("no subject {subject}", subject=str(subject_id))
    events = events_of(session, subject_id, purpose)
    log = [Event(item.action, item.at, item.version) for item in events]
    texts = consent_texts(session, purpose)
    shown = {event.version for event in events}
    record_event(
        session,
        actor,
        AuditEvent("consent_proof", subject_id=subject_id, detail={"purpose": purpose}),
        at=at,
    )
    return ConsentProof(
        subject_id,
        purpose,
        {version: text for version, text in sorted(texts.items()) if version in shown},
        [_view(event) for event in events],
        standing(found, log, at.date()),
        stored.register,
    )


def _reaches(register: Register, actor: Actor, purpose: str) -> bool:
    try:
        may_record(register, actor, purpose)
    except NotAllowed:
        return False
    return True


__all__ = [
    "ConsentProof",
    "ConsentRecord",
    "consent_history",
    "consent_proof",
    "consent_standing",
    "record_consent",
]
