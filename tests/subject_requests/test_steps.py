"""The steps of carrying out a request: done once with what they did, failed and tried
again, audited; an erasure's outcome kept by its step gives the same letter later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.subject_requests import (
    Channel,
    Kind,
    carry_out_erasure,
    file_request,
    mark_done,
    mark_failed,
    outcome_of,
    outcome_result,
    step_result,
    steps_of,
)
from kluis.vault import Keyring, RecordInput, ValueKind, store_record
from tests.conftest import DPO_ACTOR, PAYROLL, RECRUITER

EMAIL = "stap@example.be"


@pytest.fixture
def request_id(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> int:
    ring = Keyring(keys)
    store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Stap", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    store_record(
        session, ring, PAYROLL, "payroll",
        RecordInput({"name": "Stap", "email": EMAIL}, {"employment_end": "2025-06-30"}),
        at=clock.now(),
    )  # fmt: skip
    return file_request(
        session, ring, DPO_ACTOR, kind=Kind.erasure, channel=Channel.email, language="nl",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    ).id  # fmt: skip


def test_a_step_fails_then_is_done_once(
    session: Session, request_id: int, clock: FixedClock
) -> None:
    assert step_result(session, request_id, "letter") is None
    mark_failed(session, DPO_ACTOR, request_id, "letter", "OSError: disk full", at=clock.now())
    assert step_result(session, request_id, "letter") is None  # failed is not done
    later = clock.now() + timedelta(minutes=5)
    mark_done(session, DPO_ACTOR, request_id, "letter", result={"file": "x.pdf"}, at=later)
    assert step_result(session, request_id, "letter") == {"file": "x.pdf"}
    (step,) = steps_of(session, request_id)
    assert (step.status, step.attempts, step.error, step.done_at) == ("done", 2, None, later)
    audited = session.execute(
        select(AuditEntry.detail).where(AuditEntry.action == "request_step")
    ).scalars()
    assert [entry["status"] for entry in audited] == ["failed", "done"]


def test_an_erasure_outcome_survives_its_step(
    session: Session, request_id: int, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    done = carry_out_erasure(session, Keyring(keys), DPO_ACTOR, request_id, at=clock.now())
    assert (len(done.erased), len(done.kept)) == (1, 1)
    stored = outcome_result(done)
    assert EMAIL not in str(stored) and "Stap" not in str(stored)  # ids and activities only
    again = outcome_of(session, DPO_ACTOR, request_id, stored)
    assert (again.erased, again.kept, again.recipients) == (done.erased, done.kept, done.recipients)
    assert (again.language, again.subject_id) == (done.language, done.subject_id)
    # Carried out a second time the erasure finds nothing: the step's record is what counts.
    second = carry_out_erasure(session, Keyring(keys), DPO_ACTOR, request_id, at=clock.now())
    assert second.erased == []
