"""Reviews: records due for review counted from their collection or last review, kept with a
reason (the next review counts from then) or erased (anonymised where the rule says so), the
key of a person left with nothing destroyed first; every decision audited."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import InvalidInput, NotAllowed, NotFound
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.types import Duration
from kluis.register.versions import StoredRegister, save_version
from kluis.retention import (
    Decision,
    retention_plan,
    review_cutoff,
    review_records,
    reviews_due,
    shred_before_review,
)
from kluis.vault import Keyring, RecordInput, store_record
from kluis.vault.models import AnonymousRecord, Record, SubjectKey
from tests.conftest import CONSENT, DPO_ACTOR, LEDGER, PAYROLL, RECRUITER, VAULT_REGISTER


@pytest.mark.parametrize(
    ("review", "at", "cutoff"),
    [
        ("P6M", date(2026, 11, 22), date(2026, 5, 22)),
        ("P1M", date(2026, 3, 31), date(2026, 2, 28)),  # no 29-31 February to count from
        ("P1Y", date(2025, 2, 28), date(2024, 2, 29)),  # a year after 29 Feb ends 28 Feb
        ("P2W", date(2026, 1, 10), date(2025, 12, 27)),
    ],
)
def test_the_last_day_to_count_a_review_from(review: str, at: date, cutoff: date) -> None:
    assert review_cutoff(Duration.parse(review), at) == cutoff


@pytest.fixture
def reviewed_register(session: Session, policy: StoredRegister, clock: FixedClock, tmp_path: Path) -> None:  # fmt: skip
    """The vault test register with reviews: candidates every six months, intake every
    three."""
    text = (
        VAULT_REGISTER.read_text(encoding="utf-8")
        .replace("after: selection_end, then: erase}", "after: selection_end, then: erase, review: P6M}")
        .replace("after: collected, then: anonymize}", "after: collected, then: anonymize, review: P3M}")
    )  # fmt: skip
    path = tmp_path / "register.yaml"
    path.write_text(text, encoding="utf-8")
    register = load_register(path).register
    save_version(session, register, author="test", origin="test", changes=[], at=clock.now())


def _put(session: Session, keys: LocalKeyProvider, clock: FixedClock, activity: str,
         email: str, collected: str) -> tuple[uuid.UUID, uuid.UUID]:  # fmt: skip
    written = store_record(
        session, Keyring(keys), RECRUITER, activity,
        RecordInput({"email": email}, {"collected": collected},
                    consent=CONSENT if activity == "intake" else {}),
        at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    return written.record_id, written.subject_id


def test_a_kept_record_is_due_again_a_period_after_its_review(
    session: Session, reviewed_register: None, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    old, _ = _put(session, keys, clock, "candidates", "oud@example.be", "2026-01-10")
    new, _ = _put(session, keys, clock, "candidates", "nieuw@example.be", "2026-10-01")
    today = clock.now().date()
    (due,) = reviews_due(session, DPO_ACTOR, at=today)
    assert (due.record_id, due.since, due.due) == (old, date(2026, 1, 10), date(2026, 7, 10))
    plan = {
        entry.activity: entry for entry in retention_plan(session, DPO_ACTOR, at=today).activities
    }
    assert plan["candidates"].review_due == 1
    kept = review_records(session, Keyring(keys), DPO_ACTOR, [old], decision=Decision.keep,
                          reason="selection for the 2027 vacancies", at=clock.now())  # fmt: skip
    assert kept.kept == [old]
    assert reviews_due(session, DPO_ACTOR, at=today) == []
    plan = {
        entry.activity: entry for entry in retention_plan(session, DPO_ACTOR, at=today).activities
    }
    assert plan["candidates"].review_due == 0

    # Six months after its review it is due again; the other one six months after collection.
    def due_on(day: date) -> set[uuid.UUID]:
        return {item.record_id for item in reviews_due(session, DPO_ACTOR, at=day)}

    assert due_on(date(2027, 5, 21)) == {new}
    assert due_on(date(2027, 5, 22)) == {new, old}
    audited = session.execute(
        select(AuditEntry.reason).where(AuditEntry.action == "record_review")
    ).scalars()
    assert list(audited) == ["selection for the 2027 vacancies"]


def test_a_record_no_longer_needed_goes_as_its_rule_says(
    session: Session, reviewed_register: None, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    candidate, alone = _put(session, keys, clock, "candidates", "weg@example.be", "2026-01-10")
    intake, _ = _put(session, keys, clock, "intake", "intake@example.be", "2026-01-10")
    ring, records = Keyring(keys), [candidate, intake]
    # The key of the person left with nothing goes first, in its own transaction.
    assert shred_before_review(session, ring, DPO_ACTOR, records, decision=Decision.erase) == 1
    assert session.get(SubjectKey, alone) is None
    done = review_records(session, ring, DPO_ACTOR, records, decision=Decision.erase,
                          reason="no vacancy fits", at=clock.now())  # fmt: skip
    assert (done.erased, done.anonymised) == ([candidate], [intake])
    assert session.get(Record, candidate) is None and session.get(Record, intake) is None
    assert session.execute(select(func.count()).select_from(AnonymousRecord)).scalar_one() == 1
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.action.like("review_%"))
    ).scalars()
    assert sorted(actions) == ["review_anonymise", "review_erase"]


def test_what_a_review_refuses(
    session: Session, reviewed_register: None, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    record, _ = _put(session, keys, clock, "candidates", "r@example.be", "2026-01-10")
    ring = Keyring(keys)
    payroll = store_record(
        session, ring, PAYROLL, "payroll",
        RecordInput({"email": "p@example.be"}, {"employment_end": "2026-01-31"}), at=clock.now(),
    ).record_id  # fmt: skip
    with pytest.raises(InvalidInput, match="has no review"):
        review_records(session, ring, DPO_ACTOR, [payroll], decision=Decision.keep,
                       reason="x", at=clock.now())  # fmt: skip
    with pytest.raises(NotFound):
        review_records(session, ring, DPO_ACTOR, [uuid.uuid4()], decision=Decision.keep,
                       reason="x", at=clock.now())  # fmt: skip
    with pytest.raises(InvalidInput, match="needs its reason"):
        review_records(session, ring, DPO_ACTOR, [record], decision=Decision.keep,
                       reason="  ", at=clock.now())  # fmt: skip
    with pytest.raises(NotAllowed):
        reviews_due(session, RECRUITER, at=clock.now().date())
    with pytest.raises(NotFound, match="has no review"):
        reviews_due(session, DPO_ACTOR, at=clock.now().date(), activity="payroll")
    assert session.get(Record, record) is not None
