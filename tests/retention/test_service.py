"""The retention plan on a real vault: due records counted per activity and action, the
records without a due date, the records a law keeps; only for the DPO or an administrator."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from kluis.core.errors import NotAllowed
from kluis.register.schema import RetentionAction
from kluis.retention import retention_plan
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER
from tests.retention.conftest import AT, Vault


def test_the_plan_counts_what_is_due_and_when(session: Session, vault: Vault) -> None:
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


def test_the_plan_moves_with_its_day(session: Session, vault: Vault) -> None:
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 1, 1)).due == 1  # payroll only
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 1, 2)).due == 2  # and intake
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 5, 1)).due == 2
    assert retention_plan(session, DPO_ACTOR, at=date(2026, 5, 2)).due == 3  # and a candidate
    later = retention_plan(session, ADMIN_ACTOR, at=date(2031, 7, 1))
    assert later.due == 6
    assert all(not entry.schedule for entry in later.activities)


def test_only_the_dpo_or_an_administrator_plans(session: Session, vault: Vault) -> None:
    with pytest.raises(NotAllowed):
        retention_plan(session, RECRUITER, at=AT)
