"""Carrying out an erasure request: everything erasable erased, what a legal obligation or a
hold keeps named with until when, recipients to inform, the letter in the request's language;
the key of a person left with nothing destroyed first."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.documents import DocumentFormat, render_erasure_answer
from kluis.register.taxonomy import Taxonomy
from kluis.register.versions import StoredRegister, require_version
from kluis.retention import lift_hold, set_hold
from kluis.subject_requests import (
    Channel,
    Kind,
    carry_out_erasure,
    erasure_plan,
    file_request,
    shred_before_erasure,
)
from kluis.vault import Keyring, RecordInput, ValueKind, store_record
from kluis.vault.models import Record, Subject, SubjectKey
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, PAYROLL, RECRUITER

EMAIL = "wis@example.be"


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


def _erasure(session: Session, ring: Keyring, clock: FixedClock) -> int:
    return file_request(
        session, ring, DPO_ACTOR, kind=Kind.erasure, channel=Channel.email, language="en",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    ).id  # fmt: skip


def test_the_law_keeps_what_it_keeps_and_the_rest_goes(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    candidate = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Wim Wis", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    payroll = store_record(
        session, ring, PAYROLL, "payroll",
        RecordInput({"name": "Wim Wis", "email": EMAIL}, {"employment_end": "2025-06-30"}),
        at=clock.now(),
    )  # fmt: skip
    request = _erasure(session, ring, clock)
    plan = erasure_plan(session, DPO_ACTOR, request, at=clock.now())
    assert plan.erased == [(candidate.record_id, "candidates")]
    (kept,) = plan.kept
    assert (kept.record_id, kept.reason, kept.until) == (
        payroll.record_id, "legal_obligation", date(2030, 7, 1),
    )  # fmt: skip
    assert shred_before_erasure(session, ring, DPO_ACTOR, request, at=clock.now()) == 0
    done = carry_out_erasure(session, ring, DPO_ACTOR, request, at=clock.now())
    assert session.get(Record, candidate.record_id) is None
    assert session.get(Record, payroll.record_id) is not None
    letter = render_erasure_answer(
        done, taxonomy=policy_taxonomy(session), suppressed=False,
        format=DocumentFormat.html, language="en", today=date(2026, 12, 1),
    ).decode()  # fmt: skip
    assert "What we erased" in letter and "Candidates" in letter
    assert "What we must keep" in letter and "until 30 June 2030" in letter


def policy_taxonomy(session: Session) -> Taxonomy:
    return require_version(session).taxonomy


def test_a_hold_keeps_and_a_person_left_with_nothing_is_shredded_first(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    lone = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Wim Wis", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    request = _erasure(session, ring, clock)
    hold = set_hold(session, DPO_ACTOR, activity="candidates", reason="Claim 9", at=clock.now())
    plan = erasure_plan(session, DPO_ACTOR, request, at=clock.now())
    assert plan.erased == [] and [k.reason for k in plan.kept] == ["legal_hold"]
    lift_hold(session, DPO_ACTOR, hold.id, reason="settled", at=clock.now())
    assert shred_before_erasure(session, ring, DPO_ACTOR, request, at=clock.now()) == 1
    assert session.get(SubjectKey, lone.subject_id) is None
    carry_out_erasure(session, ring, DPO_ACTOR, request, at=clock.now())
    assert session.get(Subject, lone.subject_id) is None
    assert session.execute(select(Record)).first() is None


def test_only_the_dpo_and_only_erasure_requests(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    request = _erasure(session, ring, clock)
    with pytest.raises(NotAllowed):
        erasure_plan(session, ADMIN_ACTOR, request, at=clock.now())
    access = file_request(
        session, ring, DPO_ACTOR, kind=Kind.access, channel=Channel.email, language="en",
        identifiers={}, at=clock.now(),
    ).id  # fmt: skip
    with pytest.raises(Conflict):
        erasure_plan(session, DPO_ACTOR, access, at=clock.now())
