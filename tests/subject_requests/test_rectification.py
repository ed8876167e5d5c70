"""Rectification (Art. 16): the record corrected through the vault's write path, audited
with the request, the register enforced, the recipients to tell listed (Art. 19)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.subject_requests import Channel, Kind, file_request, rectify
from kluis.vault import FieldRefused, Keyring, RecordInput, ValueKind, show_subject, store_record
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

EMAIL = "fout@example.be"


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


def _request(session: Session, ring: Keyring, clock: FixedClock, kind: Kind) -> int:
    return file_request(
        session, ring, DPO_ACTOR, kind=kind, channel=Channel.email, language="nl",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    ).id  # fmt: skip


def test_a_record_is_corrected_and_audited(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    written = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Fien Fout", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    request = _request(session, ring, clock, Kind.rectification)
    done = rectify(
        session, ring, DPO_ACTOR, request, activity="candidates", values={"name": "Fien Juist"},
        at=clock.now(),
    )  # fmt: skip
    assert done.outcome == "updated"
    (record,) = show_subject(session, ring, DPO_ACTOR, written.subject_id, at=clock.now()).records
    assert record.values == {"name": "Fien Juist", "email": EMAIL}
    reasons = session.execute(
        select(AuditEntry.reason).where(AuditEntry.action == "record_update")
    ).scalars()
    assert list(reasons) == [f"rectification request {request}"]
    with pytest.raises(FieldRefused):  # the register still decides what a value may be
        rectify(
            session, ring, DPO_ACTOR, request, activity="candidates",
            values={"email": "not an address"}, at=clock.now(),
        )  # fmt: skip


def test_only_the_dpo_and_only_rectification(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Fien Fout", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    request = _request(session, ring, clock, Kind.rectification)
    with pytest.raises(NotAllowed):
        rectify(session, ring, ADMIN_ACTOR, request, activity="candidates", values={},
                at=clock.now())  # fmt: skip
    access = _request(session, ring, clock, Kind.access)
    with pytest.raises(Conflict):
        rectify(session, ring, DPO_ACTOR, access, activity="candidates", values={},
                at=clock.now())  # fmt: skip
