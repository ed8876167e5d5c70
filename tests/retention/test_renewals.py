"""Renewals: the people to ask before their period ends, and the renewal that extends it
by the rule's ``renew``, before the end and never after."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.versions import save_version
from kluis.retention import renew, renewals_due, retention_plan
from kluis.vault.models import Record
from tests.conftest import DPO_ACTOR, RECRUITER, VAULT_REGISTER
from tests.retention.conftest import Vault


@pytest.fixture
def renewable(session: Session, vault: Vault, tmp_path: Path, clock: FixedClock) -> Vault:
    """The vault, with candidates kept two years and renewable by two more."""
    text = VAULT_REGISTER.read_text(encoding="utf-8").replace(
        "retention: {keep: P2Y, after: selection_end, then: erase}",
        "retention: {keep: P2Y, after: selection_end, then: erase, renew: P2Y}",
    )
    assert "renew: P2Y" in text
    path = tmp_path / "register.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_register(path)
    save_version(session, loaded.register, author="test", origin="r", changes=[], at=clock.now())
    return vault


def test_who_to_ask_before_the_period_ends(session: Session, renewable: Vault) -> None:
    candidate = renewable["candidates"][0]  # selection ended 2026-10-15: due 2028-10-16
    assert renewals_due(session, DPO_ACTOR, at=date(2028, 8, 16), within=60) == []
    due = renewals_due(session, DPO_ACTOR, at=date(2028, 8, 17), within=60)
    assert [(d.record_id, d.subject_id, d.due, d.renewals) for d in due] == [
        (candidate.record_id, candidate.subject_id, date(2028, 10, 16), 0)
    ]
    # On the due date the period has ended: too late to ask.
    assert renewals_due(session, DPO_ACTOR, at=date(2028, 10, 16)) == []


def test_a_renewal_extends_the_period_once(
    session: Session, renewable: Vault, keys: LocalKeyProvider
) -> None:
    candidate = renewable["candidates"][0]
    asked = datetime(2028, 9, 1, 10, 0, tzinfo=UTC)
    done = renew(session, DPO_ACTOR, candidate.record_id, reason="Agreed by e-mail", at=asked)
    assert (done.renewals, done.due) == (1, date(2030, 10, 16))
    record = session.get(Record, candidate.record_id)
    assert record is not None and record.renewals == 1
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "record_renew")
    ).scalar_one()
    assert (entry.record_id, entry.reason, entry.detail) == (
        candidate.record_id,
        "Agreed by e-mail",
        {"renewals": 1},
    )
    # The plan and the list follow the renewal.
    plan = retention_plan(session, DPO_ACTOR, at=date(2028, 10, 16))
    candidates = next(entry for entry in plan.activities if entry.activity == "candidates")
    assert candidates.due == 1  # only the one whose selection ended in 2024
    assert date(2030, 10, 1) in candidates.schedule
    assert renewals_due(session, DPO_ACTOR, at=date(2030, 9, 1))[0].renewals == 1
    # Once more, two years more.
    again = renew(session, DPO_ACTOR, candidate.record_id, reason="Agreed again", at=asked)
    assert (again.renewals, again.due) == (2, date(2032, 10, 16))


def test_too_late_or_not_renewable(session: Session, renewable: Vault, clock: FixedClock) -> None:
    late = renewable["candidates"][1]  # due since 2026-05-02
    with pytest.raises(Conflict):
        renew(session, DPO_ACTOR, late.record_id, reason="x", at=clock.now())
    running = renewable["candidates"][2]  # selection not ended: no period yet
    with pytest.raises(InvalidInput):
        renew(session, DPO_ACTOR, running.record_id, reason="x", at=clock.now())
    payroll = renewable["payroll"][1]  # the register gives payroll no renewal
    with pytest.raises(InvalidInput):
        renew(session, DPO_ACTOR, payroll.record_id, reason="x", at=clock.now())
    soon = renewable["candidates"][0]
    with pytest.raises(InvalidInput):
        renew(session, DPO_ACTOR, soon.record_id, reason=" ", at=clock.now())
    with pytest.raises(NotAllowed):
        renew(session, RECRUITER, soon.record_id, reason="x", at=clock.now())
