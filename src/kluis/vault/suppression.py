"""The suppression list: identifiers direct marketing must never use again.

When a person objects to direct marketing (absolute: Art. 21(2)-(3)) or unsubscribes, the
blind indexes of their identifiers go on the list. A record of an activity the register
marks ``direct_marketing`` is then refused for anyone holding one of them, whether typed
in, sent through the API or imported. The list keeps keyed hashes only, linked to no
subject: it survives the person's erasure (so they are not mailed again after asking to be
forgotten) and tells nothing to whoever reads it without the index secret.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.register.versions import require_version
from kluis.vault.errors import SubjectNotFound
from kluis.vault.models import Identifier, Record, Subject, Suppression
from kluis.vault.policy import all_policies

REASONS: Final = ("objection", "unsubscribe")
_CHUNK: Final = 500


def marketing_activities(session: Session) -> list[str]:
    """The activities the applied register marks as direct marketing."""
    return [
        activity.id
        for activity in require_version(session).register.activities
        if activity.direct_marketing
    ]


def may_suppress(session: Session, actor: Actor) -> None:
    """Only the DPO, or a user with access to a direct-marketing activity, puts people on the
    suppression list."""
    policies = all_policies(require_version(session))
    marketing = [policies[activity] for activity in marketing_activities(session)]
    if not actor.is_dpo and not any(policy.may_access(actor) for policy in marketing):
        raise NotAllowed(
            "'{actor}' may not put people on the suppression list: no direct-marketing "
            "activity grants them access",
            actor=actor.name,
        )


def check_suppression(session: Session, actor: Actor, reason: str) -> None:
    """Refuse a reason that is neither an objection nor an unsubscribe, and an actor who may
    not suppress (:func:`may_suppress`)."""
    if reason not in REASONS:
        raise InvalidInput(
            "a suppression is an objection or an unsubscribe, not '{reason}'", reason=reason
        )
    may_suppress(session, actor)


def marketing_records(
    session: Session, subject_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """The subject's records in direct-marketing activities: (record id, subject id, activity)."""
    activities = marketing_activities(session)
    if not activities:
        return []
    rows = session.execute(
        select(Record.id, Record.subject_id, Record.activity).where(
            Record.subject_id == subject_id, Record.activity.in_(activities)
        )
    )
    return [(record_id, owner, activity) for record_id, owner, activity in rows]


def suppress_subject(
    session: Session, actor: Actor, subject_id: uuid.UUID, *, reason: str, at: datetime
) -> int:
    """Put the subject's identifiers on the suppression list; how many were new on it. The
    DPO, or a user with access to a direct-marketing activity, may."""
    check_suppression(session, actor, reason)
    if session.get(Subject, subject_id) is None:
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))
    digests = _digests_of(session, subject_id)
    new = sorted(digests - suppressed(session, digests))
    session.add_all(
        Suppression(kind=kind, digest=digest, reason=reason, at=at, actor=actor.name)
        for kind, digest in new
    )
    session.flush()
    record_event(
        session,
        actor,
        Event(
            "subject_suppress",
            subject_id=subject_id,
            reason=reason,
            detail={"identifiers": len(digests), "new": len(new)},
        ),
        at=at,
    )
    return len(new)


def _digests_of(session: Session, subject_id: uuid.UUID) -> set[tuple[str, bytes]]:
    """The blind indexes (kind, digest) of the subject's identifiers."""
    rows = session.execute(
        select(Identifier.kind, Identifier.digest).where(Identifier.subject_id == subject_id)
    )
    return {(str(kind), bytes(digest)) for kind, digest in rows}


def suppressed(session: Session, digests: Iterable[tuple[str, bytes]]) -> set[tuple[str, bytes]]:
    """Which of ``digests`` (kind, blind index) are on the suppression list."""
    by_kind: dict[str, list[bytes]] = {}
    for kind, digest in digests:
        by_kind.setdefault(kind, []).append(digest)
    found: set[tuple[str, bytes]] = set()
    for kind, wanted in by_kind.items():
        for start in range(0, len(wanted), _CHUNK):
            rows = session.execute(
                select(Suppression.digest).where(
                    Suppression.kind == kind,
                    Suppression.digest.in_(wanted[start : start + _CHUNK]),
                )
            ).scalars()
            found.update((kind, bytes(digest)) for digest in rows)
    return found


def subject_suppressed(session: Session, subject_id: uuid.UUID) -> bool:
    """Whether any identifier of the subject is on the suppression list."""
    return bool(suppressed(session, _digests_of(session, subject_id)))


def suppression_count(session: Session) -> int:
    """How many identifiers are on the suppression list."""
    return int(session.execute(select(func.count()).select_from(Suppression)).scalar_one())


__all__ = [
    "REASONS",
    "check_suppression",
    "marketing_activities",
    "marketing_records",
    "may_suppress",
    "subject_suppressed",
    "suppress_subject",
    "suppressed",
    "suppression_count",
]
