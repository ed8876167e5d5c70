"""Need-to-know: a matrix of roles by activities, for reading and changing records."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.actor import Actor
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import (
    AccessDenied,
    Keyring,
    RecordInput,
    ValueKind,
    find_subjects,
    show_subject,
    store_record,
)
from tests.conftest import (
    ADMIN_ACTOR,
    DPO_ACTOR,
    LEDGER,
    MARKETING,
    PAYROLL,
    RECRUITER,
    consent_for,
)

ACTIVITIES = {
    "candidates": (RECRUITER, {"email": "e@example.be", "name": "Els"}),
    "payroll": (PAYROLL, {"email": "e@example.be", "rrn": "85.07.30-033.28"}),
    "newsletter": (MARKETING, {"email": "e@example.be"}),
}
#: Who may reach which activity: the register's ``access`` plus the DPO; admin reaches none.
MATRIX = {
    "rik": {"candidates"},
    "paula": {"payroll"},
    "mark": {"newsletter"},
    "dora": {"candidates", "payroll", "newsletter"},
    "ada": set(),
}
ACTORS = [RECRUITER, PAYROLL, MARKETING, DPO_ACTOR, ADMIN_ACTOR]


@pytest.fixture
def person(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> uuid.UUID:
    subject = None
    for activity, (actor, values) in ACTIVITIES.items():
        subject = store_record(
            session,
            Keyring(keys),
            actor,
            activity,
            RecordInput(values, consent=consent_for(activity)),
            at=clock.now(),
            consent=LEDGER,
        ).subject_id
    assert subject is not None
    return subject


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.name)
def test_show_reaches_exactly_the_granted_activities(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID, actor: Actor
) -> None:
    expected = MATRIX[actor.name]
    if not expected:
        with pytest.raises(AccessDenied):
            show_subject(session, Keyring(keys), actor, person, at=clock.now())
        return
    view = show_subject(session, Keyring(keys), actor, person, at=clock.now(), reason="request 12")
    assert {record.activity for record in view.records} == expected
    reads = session.execute(
        select(AuditEntry.activity, AuditEntry.reason).where(
            AuditEntry.action == "record_read", AuditEntry.actor == actor.name
        )
    ).all()
    assert sorted(reads) == sorted((activity, "request 12") for activity in expected)


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.name)
@pytest.mark.parametrize("activity", sorted(ACTIVITIES))
def test_changes_reach_exactly_the_granted_activities(
    session: Session,
    keys: LocalKeyProvider,
    clock: FixedClock,
    person: uuid.UUID,
    actor: Actor,
    activity: str,
) -> None:
    values = {**ACTIVITIES[activity][1], "email": "e@example.be"}
    if activity in MATRIX[actor.name]:
        written = store_record(
            session,
            Keyring(keys),
            actor,
            activity,
            RecordInput(values, {"last_contact": "2026-11-01"}, consent=consent_for(activity)),
            at=clock.now(),
            consent=LEDGER,
        )
        assert written.outcome == "updated"
    else:
        with pytest.raises(AccessDenied):
            store_record(
                session,
                Keyring(keys),
                actor,
                activity,
                RecordInput(values, consent=consent_for(activity)),
                at=clock.now(),
                consent=LEDGER,
            )


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.name)
def test_find_reveals_only_reachable_activities(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID, actor: Actor
) -> None:
    matches = find_subjects(
        session, Keyring(keys), actor, kind=ValueKind.email, value="E@example.be", at=clock.now()
    )
    if MATRIX[actor.name]:
        assert [(m.subject_id, set(m.activities)) for m in matches] == [
            (person, MATRIX[actor.name])
        ]
    else:
        assert matches == []
    entry = session.execute(
        select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    ).scalar_one()
    assert entry.action == "subject_find"
    assert entry.detail == {"kind": "email", "matches": len(matches)}
    assert "example.be" not in str(entry.detail)


def test_find_by_national_number_and_phone(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID
) -> None:
    ring = Keyring(keys)
    assert [
        m.subject_id
        for m in find_subjects(
            session,
            ring,
            DPO_ACTOR,
            kind=ValueKind.national_number,
            value="85073003328",
            at=clock.now(),
        )
    ] == [person]
    assert (
        find_subjects(
            session, ring, DPO_ACTOR, kind=ValueKind.phone, value="0470 00 00 00", at=clock.now()
        )
        == []
    )
