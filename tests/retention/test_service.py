"""The retention plan on a real vault: due records counted per activity and action, the
records without a due date, the records a law keeps; only for the DPO or an administrator."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from kluis.core.clock import FixedClock
from kluis.core.errors import NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.schema import RetentionAction
from kluis.register.versions import StoredRegister
from kluis.retention import retention_plan
from kluis.vault import Keyring, RecordInput, Refusal, write_records
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

AT = date(2026, 12, 1)


def _person(number: int) -> dict[str, str]:
    return {"name": f"Persoon {number}", "email": f"persoon.{number}@example.be"}


@pytest.fixture
def vault(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    """Records of every activity, with events before, after and without their periods."""
    ring = Keyring(keys)
    batches = {
        "candidates": [
            {"selection_end": "2026-10-15"},  # due 2028-10-16
            {"selection_end": "2024-05-01"},  # due 2026-05-02: due now
            {},  # selection still running
        ],
        "payroll": [
            {"employment_end": "2020-03-31"},  # due 2025-04-01: due now
            {"employment_end": "2026-06-30"},  # kept by law until 2031-07-01
            {},  # still employed
        ],
        "newsletter": [{}, {}],  # no consent withdrawal is recorded: no due date
        "intake": [
            {"collected": "2025-01-01"},  # due 2026-01-02: anonymised now
            {},  # collected today (2026-11-22): due 2027-11-23
        ],
    }
    number = 0
    for activity, events in batches.items():
        items = []
        for event in events:
            number += 1
            values = _person(number)
            if activity == "newsletter":
                del values["name"]
            items.append(RecordInput(values, event))
        outcomes = write_records(session, ring, DPO_ACTOR, activity, items, at=clock.now())
        refused = [outcome.error.message for outcome in outcomes if isinstance(outcome, Refusal)]
        assert not refused, refused


def test_the_plan_counts_what_is_due_and_when(session: Session, vault: None) -> None:
    plan = retention_plan(session, DPO_ACTOR, at=AT)
    by_activity = {entry.activity: entry for entry in plan.activities}
    candidates = by_activity["candidates"]
    assert (candidates.records, candidates.due, candidates.open) == (3, 1, 1)
    assert candidates.schedule == {date(2028, 10, 1): 1}
    assert candidates.next_due == date(2028, 10, 16)
    assert candidates.action is RetentionAction.erase
    assert candidates.held_by_law == 0

    payroll = by_activity["payroll"]
    assert (payroll.records, payroll.due, payroll.open, payroll.held_by_law) == (3, 1, 1, 1)
    assert payroll.next_due == date(2031, 7, 1)

    newsletter = by_activity["newsletter"]
    assert (newsletter.records, newsletter.due, newsletter.open) == (2, 0, 2)

    intake = by_activity["intake"]
    assert (intake.due, intake.action) == (1, RetentionAction.anonymize)
    assert intake.schedule == {date(2027, 11, 1): 1}
    assert plan.due == 3
    assert plan.fiscal_year_end == "12-31"


def test_the_plan_moves_with_its_day(session: Session, vault: None) -> None:
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 1, 1)).due == 1  # payroll only
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 1, 2)).due == 2  # and intake
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 5, 1)).due == 2
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 5, 2)).due == 3  # and a candidate
    later = retention_plan(session, ADMIN_ACTOR, at=date(2031, 7, 1))
    assert later.due == 6
    assert all(not entry.schedule for entry in later.activities)


def test_only_the_dpo_or_an_administrator_plans(session: Session, vault: None) -> None:
    with pytest.raises(NotAllowed):
        retention_plan(session, RECRUITER, at=AT)
