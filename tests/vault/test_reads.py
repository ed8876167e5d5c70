"""Reading: the policies a read uses follow each newly applied register at once, and the
audit entries reads append keep the chain whole within one session."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditHead
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.versions import StoredRegister, save_version
from kluis.vault import (
    AccessDenied,
    Keyring,
    RecordInput,
    ValueKind,
    find_subjects,
    show_subject,
    store_record,
)
from kluis.vault.models import Record
from tests.conftest import DPO_ACTOR, MARKETING, RECRUITER, VAULT_REGISTER

EMAIL = "els.peeters@example.be"


@pytest.fixture
def person(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> uuid.UUID:
    return store_record(
        session,
        Keyring(keys),
        RECRUITER,
        "candidates",
        RecordInput({"email": EMAIL, "name": "Els"}),
        at=clock.now(),
    ).subject_id


def _grant_candidates_to_marketing(session: Session, clock: FixedClock) -> None:
    loaded = load_register(VAULT_REGISTER)
    register = loaded.register
    activities = [
        activity.model_copy(update={"access": ["marketing"]})
        if activity.id == "candidates"
        else activity
        for activity in register.activities
    ]
    save_version(
        session,
        register.model_copy(update={"activities": activities}),
        author="test",
        origin="narrowed",
        changes=[],
        at=clock.now(),
    )


def test_a_new_register_version_changes_access_at_once(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID
) -> None:
    ring = Keyring(keys)
    found = find_subjects(
        session, ring, RECRUITER, kind=ValueKind.email, value=EMAIL, at=clock.now()
    )
    assert [m.subject_id for m in found] == [person]
    assert show_subject(session, ring, RECRUITER, person, at=clock.now()).records
    with pytest.raises(AccessDenied):
        show_subject(session, ring, MARKETING, person, at=clock.now())

    _grant_candidates_to_marketing(session, clock)

    assert not find_subjects(
        session, ring, RECRUITER, kind=ValueKind.email, value=EMAIL, at=clock.now()
    )
    with pytest.raises(AccessDenied):
        show_subject(session, ring, RECRUITER, person, at=clock.now())
    view = show_subject(session, ring, MARKETING, person, at=clock.now())
    assert [record.values["name"] for record in view.records] == ["Els"]


def test_reads_see_what_the_session_has_not_flushed(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID
) -> None:
    record = session.query(Record).filter_by(subject_id=person).one()
    record.status = "restricted"  # pending in the session, not yet flushed
    view = show_subject(session, Keyring(keys), DPO_ACTOR, person, at=clock.now())
    assert [r.status for r in view.records] == ["restricted"]


def test_a_head_loaded_before_a_read_is_not_left_stale(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, person: uuid.UUID
) -> None:
    before = verify(session)
    assert before.intact
    held = session.get(AuditHead, 1)
    assert held is not None
    show_subject(session, Keyring(keys), DPO_ACTOR, person, at=clock.now(), reason="check")
    find_subjects(
        session, Keyring(keys), DPO_ACTOR, kind=ValueKind.email, value=EMAIL, at=clock.now()
    )
    after = verify(session)
    assert after.intact
    assert after.entries == before.entries + 2
    assert session.get(AuditHead, 1) is held
    assert (held.seq, held.hash) == (after.entries, after.head_hash)
