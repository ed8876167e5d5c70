"""An objection (Art. 21): processing on legitimate interests stops unless overriding grounds
are recorded for the activity; direct marketing stops at once; what rests on another basis
goes on."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.subject_requests import (
    Channel,
    Kind,
    carry_out_objection,
    file_request,
    shred_before_objection_request,
)
from kluis.vault import Keyring, RecordInput, ValueKind, store_record
from kluis.vault.models import Record, Suppression
from tests.conftest import (
    ADMIN_ACTOR,
    DPO_ACTOR,
    LEDGER,
    MARKETING,
    PAYROLL,
    RECRUITER,
    consent_for,
)

EMAIL = "bezwaar@example.be"


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


@pytest.fixture
def person(session: Session, ring: Keyring, clock: FixedClock) -> dict[str, object]:
    """A candidate (legitimate interests), an employee (legal obligation), a reader (consent,
    direct marketing)."""
    return {
        activity: store_record(
            session,
            ring,
            actor,
            activity,
            RecordInput(values, consent=consent_for(activity)),
            at=clock.now(),
            consent=LEDGER,
        )
        for activity, actor, values in (
            ("candidates", RECRUITER, {"name": "Bo Bezwaar", "email": EMAIL}),
            ("payroll", PAYROLL, {"name": "Bo Bezwaar", "email": EMAIL}),
            ("newsletter", MARKETING, {"email": EMAIL}),
        )
    }


def _objection(session: Session, ring: Keyring, clock: FixedClock) -> int:
    return file_request(
        session, ring, DPO_ACTOR, kind=Kind.objection, channel=Channel.letter, language="nl",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    ).id  # fmt: skip


def test_an_objection_stops_what_rests_on_interests_and_marketing(
    session: Session, ring: Keyring, clock: FixedClock, person: dict[str, object]
) -> None:
    request = _objection(session, ring, clock)
    assert shred_before_objection_request(session, ring, DPO_ACTOR, request, grounds={}) == 0
    done = carry_out_objection(session, ring, DPO_ACTOR, request, grounds={}, at=clock.now())
    assert (done.stopped, done.continued, done.marketing_stopped) == (["candidates"], {}, True)
    left = session.execute(select(Record.activity)).scalars().all()
    assert left == ["payroll"]  # a legal obligation is no legitimate interest
    assert session.execute(select(Suppression)).first() is not None


def test_overriding_grounds_keep_an_activity_going(
    session: Session, ring: Keyring, clock: FixedClock, person: dict[str, object]
) -> None:
    request = _objection(session, ring, clock)
    grounds = {"candidates": "Pending claim about the selection procedure"}
    done = carry_out_objection(session, ring, DPO_ACTOR, request, grounds=grounds, at=clock.now())
    assert done.stopped == [] and done.continued == grounds
    assert sorted(session.execute(select(Record.activity)).scalars()) == ["candidates", "payroll"]
    recorded = session.execute(
        select(AuditEntry.reason).where(AuditEntry.action == "objection_overridden")
    ).scalars()
    assert list(recorded) == ["Pending claim about the selection procedure"]
    with pytest.raises(InvalidInput):
        carry_out_objection(
            session, ring, DPO_ACTOR, request, grounds={"payroll": "x"}, at=clock.now()
        )


def test_only_the_dpo_and_only_objections(
    session: Session, ring: Keyring, clock: FixedClock, person: dict[str, object]
) -> None:
    request = _objection(session, ring, clock)
    with pytest.raises(NotAllowed):
        carry_out_objection(session, ring, ADMIN_ACTOR, request, grounds={}, at=clock.now())
    access = file_request(
        session, ring, DPO_ACTOR, kind=Kind.access, channel=Channel.email, language="nl",
        identifiers={}, at=clock.now(),
    ).id  # fmt: skip
    with pytest.raises(Conflict):
        carry_out_objection(session, ring, DPO_ACTOR, access, grounds={}, at=clock.now())
