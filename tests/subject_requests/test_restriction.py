"""Restriction (Art. 18): the person's records stored, not used; only the DPO reads them,
nobody changes them, retention keeps them; lifted only after the person was told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.retention import retention_plan
from kluis.subject_requests import (
    Channel,
    Kind,
    Outcome,
    close_request,
    file_request,
    lift,
    restrict,
)
from kluis.vault import (
    AccessDenied,
    Keyring,
    RecordInput,
    Refusal,
    ValueKind,
    show_subject,
    store_record,
    write_records,
)
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

EMAIL = "beperk@example.be"


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


def test_a_restricted_record_is_stored_not_used(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    written = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Bert Beperk", "email": EMAIL}, {"selection_end": "2024-01-01"}),
        at=clock.now(),
    )  # fmt: skip
    request = file_request(
        session, ring, DPO_ACTOR, kind=Kind.restriction, channel=Channel.email, language="nl",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    ).id  # fmt: skip
    with pytest.raises(NotAllowed):
        restrict(session, ADMIN_ACTOR, request, at=clock.now())
    assert restrict(session, DPO_ACTOR, request, at=clock.now()) == 1
    # Only the DPO reads it; nobody changes it; retention keeps it (it is due since 2026).
    with pytest.raises(AccessDenied):
        show_subject(session, ring, RECRUITER, written.subject_id, at=clock.now())
    assert show_subject(session, ring, DPO_ACTOR, written.subject_id, at=clock.now()).records
    changed = write_records(
        session, ring, RECRUITER, "candidates",
        [RecordInput({"name": "Bert B.", "email": EMAIL})], at=clock.now(),
    )  # fmt: skip
    assert isinstance(changed[0], Refusal) and "restricted" in changed[0].error.message
    plan = retention_plan(session, DPO_ACTOR, at=date(2026, 12, 1))
    candidates = next(entry for entry in plan.activities if entry.activity == "candidates")
    assert (candidates.due, candidates.held) == (0, 1)
    # The request is answered; the restriction stays until lifted, once the person was
    # told, never ahead of it.
    close_request(session, DPO_ACTOR, request, outcome=Outcome.answered, at=clock.now())
    with pytest.raises(InvalidInput):
        lift(session, DPO_ACTOR, request, informed_on=clock.now().date() + timedelta(days=1),
             at=clock.now())  # fmt: skip
    assert lift(session, DPO_ACTOR, request, informed_on=clock.now().date(), at=clock.now()) == 1
    assert show_subject(session, ring, RECRUITER, written.subject_id, at=clock.now()).records


def test_only_restriction_requests_of_someone_known(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    unknown = file_request(
        session, ring, DPO_ACTOR, kind=Kind.restriction, channel=Channel.email, language="nl",
        identifiers={ValueKind.email: "niemand@example.be"}, at=clock.now(),
    ).id  # fmt: skip
    with pytest.raises(Conflict):
        restrict(session, DPO_ACTOR, unknown, at=clock.now())
    access = file_request(
        session, ring, DPO_ACTOR, kind=Kind.access, channel=Channel.email, language="nl",
        identifiers={}, at=clock.now(),
    ).id  # fmt: skip
    with pytest.raises(Conflict):
        restrict(session, DPO_ACTOR, access, at=clock.now())
