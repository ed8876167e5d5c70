"""One-click unsubscribe links for direct-marketing messages (RFC 8058).

A link holds a random token of 256 bits; only its SHA-256 is stored, with the subject it
stands for, so the link carries no personal data and a copy of the database opens none.
Using it is an unsubscribe: :func:`shred_before_objection`, then
:func:`object_to_marketing` with the reason ``unsubscribe``, acting as Kluis itself.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.consent.models import UnsubscribeToken
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.register.versions import require_version
from kluis.vault import SubjectNotFound, marketing_records, subject_exists
from kluis.vault.policy import all_policies

#: Kluis itself carries out an unsubscribe asked for by its link.
UNSUBSCRIBE_ACTOR: Final = Actor.system("unsubscribe")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def unsubscribe_link(session: Session, subject_id: uuid.UUID, *, actor: Actor, at: datetime) -> str:
    """A new unsubscribe token for the subject, to put in the link of a direct-marketing
    message sent to them; only its SHA-256 is stored. For those who send that marketing:
    the roles of one of the subject's direct-marketing activities, or the DPO."""
    if not subject_exists(session, subject_id):
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    activities = {
        activity for _record, _subject, activity in marketing_records(session, subject_id)
    }
    if not activities:
        raise InvalidInput(
            "subject {subject} has no record in a direct-marketing activity",
            subject=str(subject_id),
        )
    policies = all_policies(require_version(session))
    reach = activities & policies.keys()
    if not (actor.is_dpo or any(policies[activity].may_access(actor) for activity in reach)):
        raise NotAllowed("only those who send the direct marketing may make its unsubscribe links")
    token = secrets.token_urlsafe(32)
    session.add(UnsubscribeToken(digest=_digest(token), subject_id=subject_id, created_at=at))
    session.flush()
    record_event(session, actor, Event("unsubscribe_link", subject_id=subject_id), at=at)
    return token


def unsubscribe_subject(session: Session, token: str) -> uuid.UUID | None:
    """The subject unsubscribe token ``token`` stands for; None when it is unknown (or the
    subject was erased)."""
    if not token or len(token) > 128:
        return None
    row = session.get(UnsubscribeToken, _digest(token))
    return row.subject_id if row is not None else None


def mark_unsubscribed(session: Session, token: str, *, at: datetime) -> None:
    """Remember when the link of ``token`` was used (the first time)."""
    row = session.get(UnsubscribeToken, _digest(token))
    if row is not None and row.used_at is None:
        row.used_at = at


def unsubscribed_at(session: Session, token: str) -> datetime | None:
    """When the link of ``token`` was used, if it was."""
    row = session.execute(
        select(UnsubscribeToken.used_at).where(UnsubscribeToken.digest == _digest(token))
    ).scalar_one_or_none()
    return row


__all__ = [
    "UNSUBSCRIBE_ACTOR",
    "mark_unsubscribed",
    "unsubscribe_link",
    "unsubscribe_subject",
    "unsubscribed_at",
]
