"""Carrying out a rectification request (Art. 16): the person's record is corrected through
the vault's one write path (the register enforced, the change audited with the request as
its reason), and the recipients of that activity's data are listed, to be told (Art. 19)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kluis.consent import ConsentLedger
from kluis.core.actor import Actor
from kluis.register.versions import require_version
from kluis.subject_requests.policy import Kind
from kluis.subject_requests.service import request_for
from kluis.vault import Keyring, RecordInput, store_record


@dataclass(frozen=True)
class Rectified:
    """A correction made: the record, whether it changed, and whom to tell."""

    activity: str
    outcome: str
    recipients: list[str]


def rectify(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    request_id: int,
    *,
    activity: str,
    values: Mapping[str, str],
    at: datetime,
) -> Rectified:
    """Correct the person's record of ``activity`` with ``values`` (the DPO only)."""
    request = request_for(session, actor, request_id, Kind.rectification, matched=True)
    assert request.subject_id is not None
    written = store_record(
        session,
        keyring,
        actor,
        activity,
        RecordInput(dict(values)),
        at=at,
        reason=f"rectification request {request_id}",
        subject_id=request.subject_id,
        consent=ConsentLedger(),
    )
    register = require_version(session).register
    recipients = next(
        (list(item.recipients) for item in register.activities if item.id == activity), []
    )
    return Rectified(activity, written.outcome, recipients)


__all__ = ["Rectified", "rectify"]
