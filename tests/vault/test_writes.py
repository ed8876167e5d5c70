"""Writing records: the register enforced on every value, people matched by identifiers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import (
    AccessDenied,
    FieldRefused,
    Keyring,
    RecordInput,
    Refusal,
    store_record,
    write_records,
)
from kluis.vault.models import Identifier, Record, Subject
from kluis.vault.sealing import open_values
from tests.conftest import MARKETING, PAYROLL, RECRUITER

CANDIDATE = {"name": "An Peeters", "email": "an.peeters@example.be", "phone": "0470 12 34 56"}


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_values_are_stored_normalised_and_sealed(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    written = store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput(CANDIDATE, {"selection_end": "15/10/2026"}),
        at=clock.now(),
    )
    record = session.get(Record, written.record_id)
    assert record is not None
    assert "Peeters" not in str(record.data)
    assert record.selection_end.isoformat() == "2026-10-15"
    assert record.collected == clock.now().date()
    values = open_values(Keyring(keys).cipher(session, written.subject_id), record.id, record.data)
    assert values == {
        "name": "An Peeters",
        "email": "an.peeters@example.be",
        "phone": "+32470123456",
    }


@pytest.mark.parametrize(
    ("activity", "values", "field", "words"),
    [
        (
            "candidates",
            {"email": "a@example.be", "salary": "3000"},
            "salary",
            "does not declare field 'salary'",
        ),
        ("candidates", {"email": "not-an-address"}, "email", "not a valid e-mail address"),
        (
            "candidates",
            {"email": "a@example.be", "phone": "12"},
            "phone",
            "not a valid phone number",
        ),
        (
            "candidates",
            {"email": "a@example.be", "birth_date": "31/02/1990"},
            "birth_date",
            "not a valid date",
        ),
        (
            "payroll",
            {"email": "a@example.be", "iban": "BE00 0000 0000 0000"},
            "iban",
            "not a valid IBAN",
        ),
        (
            "payroll",
            {"email": "a@example.be", "rrn": "85.07.30-033.29"},
            "rrn",
            "not a valid national number",
        ),
        ("intake", {"email": "a@example.be", "rrn": "85.07.30-033.28"}, "rrn", "no legal ground"),
    ],
)
def test_each_refusal_names_activity_and_field_never_the_value(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    activity: str,
    values: dict[str, str],
    field: str,
    words: str,
) -> None:
    actor = PAYROLL if activity == "payroll" else RECRUITER
    with pytest.raises(FieldRefused) as caught:
        store_record(session, Keyring(keys), actor, activity, RecordInput(values), at=clock.now())
    message = str(caught.value)
    assert words in message
    assert caught.value.field == field
    assert activity in message
    assert values[field] not in message
    assert _count(session, Record) == 0


def test_a_record_without_identifier_is_refused(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    with pytest.raises(FieldRefused, match="no identifier"):
        store_record(
            session,
            Keyring(keys),
            RECRUITER,
            "candidates",
            RecordInput({"name": "X"}),
            at=clock.now(),
        )


def test_unknown_event_and_bad_source_are_refused(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    with pytest.raises(FieldRefused, match="not an event"):
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput(CANDIDATE, {"hired": "2026-01-01"}),
            at=clock.now(),
        )
    with pytest.raises(FieldRefused, match="source 'client'"):
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput(CANDIDATE, source="client"),
            at=clock.now(),
        )


def test_the_same_person_is_matched_not_duplicated(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    first = store_record(
        session, ring, RECRUITER, "candidates", RecordInput(CANDIDATE), at=clock.now()
    )
    again = store_record(
        session, ring, RECRUITER, "candidates", RecordInput(CANDIDATE), at=clock.now()
    )
    by_phone = store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"phone": "+32 470 12 34 56", "name": "An P."}),
        at=clock.now(),
    )
    payroll = store_record(
        session,
        Keyring(keys),
        PAYROLL,
        "payroll",
        RecordInput({"email": "AN.PEETERS@example.be", "iban": "BE71 0961 2345 6769"}),
        at=clock.now(),
    )
    assert again.outcome == "unchanged" and again.record_id == first.record_id
    assert by_phone.outcome == "updated" and by_phone.record_id == first.record_id
    assert payroll.subject_id == first.subject_id and payroll.outcome == "created"
    assert _count(session, Subject) == 1
    assert _count(session, Record) == 2
    record = session.get(Record, first.record_id)
    assert record is not None
    values = open_values(ring.cipher(session, first.subject_id), record.id, record.data)
    assert values["name"] == "An P." and values["email"] == "an.peeters@example.be"


def test_identifiers_of_two_people_in_one_row_are_refused(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"email": "a@example.be"}),
        at=clock.now(),
    )
    store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"email": "b@example.be", "phone": "0470123456"}),
        at=clock.now(),
    )
    outcomes = write_records(
        session,
        ring,
        RECRUITER,
        "candidates",
        [RecordInput({"email": "a@example.be", "phone": "0470123456"}, row=7)],
        at=clock.now(),
    )
    assert isinstance(outcomes[0], Refusal)
    assert outcomes[0].row == 7
    assert "2 different people" in str(outcomes[0].error)


def test_a_batch_reports_each_row_and_writes_only_the_good_ones(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    outcomes = write_records(
        session,
        Keyring(keys),
        RECRUITER,
        "candidates",
        [
            RecordInput({"email": "a@example.be"}, row=2),
            RecordInput({"email": "broken"}, row=3),
            RecordInput({"email": "c@example.be"}, row=4),
            RecordInput({"email": "a@example.be", "name": "A"}, row=5),
        ],
        at=clock.now(),
    )
    kinds = [type(o).__name__ if isinstance(o, Refusal) else o.outcome for o in outcomes]
    assert kinds == ["created", "Refusal", "created", "updated"]
    assert _count(session, Record) == 2
    assert _count(session, Identifier) == 2
    actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    assert actions[-3:] == ["record_create", "record_create", "record_update"]


def test_writing_outside_ones_roles_is_refused(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    with pytest.raises(
        AccessDenied, match="'mark' may not change records of activity 'candidates'"
    ):
        store_record(
            session, Keyring(keys), MARKETING, "candidates", RecordInput(CANDIDATE), at=clock.now()
        )


def test_an_empty_value_keeps_what_is_stored_and_a_rerun_changes_nothing(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    # The same person twice in one file: once without an event, once with it.
    batch = [
        RecordInput({**CANDIDATE, "phone": ""}, {"selection_end": ""}, row=2),
        RecordInput(CANDIDATE, {"selection_end": "2026-10-15"}, row=3),
    ]
    first = write_records(session, Keyring(keys), RECRUITER, "candidates", batch, at=clock.now())
    assert [o.outcome for o in first if not isinstance(o, Refusal)] == ["created", "updated"]
    entries = _count(session, AuditEntry)
    again = write_records(session, Keyring(keys), RECRUITER, "candidates", batch, at=clock.now())
    assert [o.outcome for o in again if not isinstance(o, Refusal)] == ["unchanged", "unchanged"]
    assert _count(session, AuditEntry) == entries
    [record] = session.scalars(select(Record)).all()
    assert record.selection_end is not None
    assert record.selection_end.isoformat() == "2026-10-15"
    cipher = Keyring(keys).cipher(session, record.subject_id)
    assert open_values(cipher, record.id, record.data)["phone"] == "+32470123456"
