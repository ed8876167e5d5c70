"""Carrying out an objection (Art. 21): processing on legitimate interests stops for the
person unless overriding legitimate grounds are recorded, activity by activity (Art. 21(1));
direct marketing stops at once and for good (Art. 21(2)-(3): the suppression list).

Stopping means the records go: the person's records of each legitimate-interest activity
without recorded grounds are erased (the data key first, on its own, when nothing else is
left), each audited with the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.consent import Channel as ConsentChannel
from kluis.consent import object_to_marketing
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput
from kluis.register.schema import LegalBasis
from kluis.register.versions import require_version
from kluis.subject_requests.policy import Kind
from kluis.subject_requests.service import request_for
from kluis.vault import (
    Keyring,
    expire_by_activity,
    marketing_records,
    shred_orphans,
    subject_record_dates,
)

#: A request's channel as the consent log names it, where the names differ.
_CHANNELS = {"letter": ConsentChannel.paper}


def consent_channel(channel: str) -> ConsentChannel:
    """A request's channel as the consent log names it (a letter is on paper)."""
    return _CHANNELS.get(channel) or ConsentChannel(channel)


@dataclass(frozen=True)
class ObjectionOutcome:
    """What an objection stopped and what continues on recorded grounds."""

    stopped: list[str] = field(default_factory=list)
    continued: dict[str, str] = field(default_factory=dict)
    marketing_stopped: bool = False


def _stopping(
    session: Session, subject_id: uuid.UUID, grounds: Mapping[str, str]
) -> tuple[list[tuple[uuid.UUID, str]], dict[str, str]]:
    register = require_version(session).register
    interests = {
        activity.id
        for activity in register.activities
        if activity.legal_basis is not None
        and activity.legal_basis.basis is LegalBasis.legitimate_interests
        and not activity.direct_marketing
    }
    unknown = sorted(set(grounds) - interests)
    if unknown:
        raise InvalidInput(
            "overriding grounds can only be recorded for activities on legitimate interests, "
            "not for {activities}",
            activities=", ".join(unknown),
        )
    stop = []
    for record in subject_record_dates(session, subject_id):
        if record.activity in interests and not grounds.get(record.activity, "").strip():
            stop.append((record.record_id, record.activity))
    continued = {activity: text.strip() for activity, text in grounds.items() if text.strip()}
    return stop, continued


def shred_before_objection_request(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    request_id: int,
    *,
    grounds: Mapping[str, str],
) -> int:
    """The first step, committed on its own: destroy the key of a person the objection
    leaves without any record."""
    request = request_for(session, actor, request_id, Kind.objection, matched=True)
    assert request.subject_id is not None
    stop, _continued = _stopping(session, request.subject_id, grounds)
    owner = request.subject_id
    going = [(record_id, owner) for record_id, _ in stop]
    going += [(record_id, owner) for record_id, _, _ in marketing_records(session, owner)]
    return shred_orphans(session, keyring, going)


def carry_out_objection(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    request_id: int,
    *,
    grounds: Mapping[str, str],
    at: datetime,
) -> ObjectionOutcome:
    """Stop what the objection stops; record the grounds of what continues."""
    request = request_for(session, actor, request_id, Kind.objection, matched=True)
    subject_id = request.subject_id
    assert subject_id is not None
    channel = consent_channel(request.channel)
    marketing = object_to_marketing(
        session, keyring, actor, subject_id, reason="objection", channel=channel,
        language=request.language, at=at,
    )  # fmt: skip
    stop, continued = _stopping(session, subject_id, grounds)
    stopped = [(record_id, subject_id, activity) for record_id, activity in stop]
    expire_by_activity(
        session, keyring, actor, stopped, anonymise=False,
        reason=f"objection request {request_id}", action="record_erase", at=at,
    )  # fmt: skip
    for activity, text in sorted(continued.items()):
        record_event(
            session,
            actor,
            Event(
                "objection_overridden",
                subject_id=subject_id,
                activity=activity,
                reason=text,
                detail={"request": request_id},
            ),
            at=at,
        )
    return ObjectionOutcome(
        sorted({activity for _, activity in stop}),
        continued,
        marketing.erased > 0 or bool(marketing.withdrawn),
    )


__all__ = [
    "ObjectionOutcome",
    "carry_out_objection",
    "consent_channel",
    "shred_before_objection_request",
]
