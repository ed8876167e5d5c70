"""The consent log on a real vault: giving and withdrawing alike, audited, the records'
consent dates kept so that retention runs from a withdrawal; who may record consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.consent import (
    Channel,
    State,
    consent_history,
    consent_proof,
    consent_standing,
    record_consent,
)
from kluis.core.clock import FixedClock
from kluis.core.errors import InvalidInput, NotAllowed, NotFound
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.retention import retention_plan
from kluis.vault import Keyring, RecordInput, store_record
from kluis.vault.models import Record
from tests.conftest import DPO_ACTOR, LEDGER, MARKETING, PAYROLL

GIVEN_AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
#: The consent the reader's record came with (a record of the newsletter needs one).
ARRIVED = {
    "consent_given": "2026-01-15",
    "consent_channel": "paper",
    "consent_evidence": "signed form",
}


@pytest.fixture
def reader(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> Record:
    """A newsletter reader."""
    written = store_record(
        session,
        Keyring(keys),
        MARKETING,
        "newsletter",
        RecordInput({"email": "lezer@example.be"}, consent=ARRIVED),
        at=clock.now(),
        consent=LEDGER,
    )
    record = session.get(Record, written.record_id)
    assert record is not None
    return record


def test_giving_and_withdrawing_are_logged_alike(
    session: Session, reader: Record, clock: FixedClock
) -> None:
    given = record_consent(
        session,
        MARKETING,
        reader.subject_id,
        "newsletter",
        action="given",
        channel=Channel.web_form,
        language="nl",
        evidence="form submission 2026-0311",
        given_at=GIVEN_AT,
        at=clock.now(),
    )
    assert given.state is State.valid
    session.refresh(reader)
    assert (reader.consent_given, reader.consent_withdrawn) == (date(2026, 3, 1), None)
    withdrawn = record_consent(
        session,
        MARKETING,
        reader.subject_id,
        "newsletter",
        action="withdrawn",
        channel=Channel.email,
        language="nl",
        at=clock.now(),
    )
    assert withdrawn.state is State.withdrawn
    session.refresh(reader)
    assert reader.consent_withdrawn == clock.now().date()
    history = consent_history(session, MARKETING, reader.subject_id)
    assert [(event.action, event.channel, event.version) for event in history] == [
        ("given", "paper", date(2026, 1, 1)),
        ("given", "web_form", date(2026, 1, 1)),
        ("withdrawn", "email", date(2026, 1, 1)),
    ]
    assert [event.evidence for event in history] == [
        "signed form",
        "form submission 2026-0311",
        None,
    ]
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.action.like("consent_%"))
    ).scalars()
    assert list(actions) == ["consent_given", "consent_given", "consent_withdrawn"]
    (now,) = consent_standing(session, DPO_ACTOR, reader.subject_id, on=clock.now().date())
    assert (now.purpose, now.state) == ("newsletter", State.withdrawn)


def test_retention_runs_from_the_withdrawal(
    session: Session, reader: Record, clock: FixedClock
) -> None:
    def due(on: date) -> int:
        plan = retention_plan(session, DPO_ACTOR, at=on)
        return next(entry for entry in plan.activities if entry.activity == "newsletter").due

    withdrawal = clock.now()
    record_consent(
        session, MARKETING, reader.subject_id, "newsletter", action="given",
        channel=Channel.web_form, language="en", given_at=GIVEN_AT, at=withdrawal,
    )  # fmt: skip
    assert due(date(2030, 1, 1)) == 0  # consent stands: no due date
    record_consent(
        session, MARKETING, reader.subject_id, "newsletter", action="withdrawn",
        channel=Channel.email, language="en", at=withdrawal,
    )  # fmt: skip
    # The register keeps newsletter records one year after a withdrawal.
    last_day = date(2027, 11, 22)
    assert due(last_day) == 0
    assert due(last_day + timedelta(days=1)) == 1
    # Given again, the consent stands and the record has no due date any more.
    record_consent(
        session, MARKETING, reader.subject_id, "newsletter", action="given",
        channel=Channel.phone, language="en", at=withdrawal + timedelta(hours=1),
    )  # fmt: skip
    assert due(date(2030, 1, 1)) == 0


def test_what_is_refused(session: Session, reader: Record, clock: FixedClock) -> None:
    def give(**changes: object) -> None:
        arguments: dict[str, object] = {
            "action": "given",
            "channel": Channel.email,
            "language": "nl",
            "at": clock.now(),
        }
        arguments.update(changes)
        record_consent(session, MARKETING, reader.subject_id, "newsletter", **arguments)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput):
        give(action="maybe")
    with pytest.raises(InvalidInput):
        give(language="de")
    with pytest.raises(InvalidInput):
        give(given_at=clock.now() + timedelta(days=1))
    with pytest.raises(InvalidInput):
        give(version=date(2027, 1, 1))
    with pytest.raises(NotFound):
        record_consent(
            session, MARKETING, reader.subject_id, "lottery", action="given",
            channel=Channel.email, language="nl", at=clock.now(),
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        record_consent(
            session, PAYROLL, reader.subject_id, "newsletter", action="given",
            channel=Channel.email, language="nl", at=clock.now(),
        )  # fmt: skip
    assert consent_standing(session, PAYROLL, reader.subject_id, on=clock.now().date()) == []
    history = consent_history(session, MARKETING, reader.subject_id)
    assert [event.evidence for event in history] == ["signed form"]  # nothing refused is logged


def test_a_proof_holds_the_words_shown_and_the_history(
    session: Session, reader: Record, clock: FixedClock
) -> None:
    record_consent(
        session, MARKETING, reader.subject_id, "newsletter", action="given",
        channel=Channel.web_form, language="nl", evidence="form 311", given_at=GIVEN_AT,
        at=clock.now(),
    )  # fmt: skip
    proof = consent_proof(session, MARKETING, reader.subject_id, "newsletter", at=clock.now())
    assert proof.standing.state is State.valid
    assert [(event.action, event.evidence) for event in proof.history] == [
        ("given", "signed form"),
        ("given", "form 311"),
    ]
    assert proof.texts[date(2026, 1, 1)]["nl"] == "Ik wil de nieuwsbrief ontvangen"
    audited = session.execute(
        select(AuditEntry.action).where(AuditEntry.subject_id == reader.subject_id)
    ).scalars()
    assert "consent_proof" in list(audited)
    with pytest.raises(NotAllowed):
        consent_proof(session, PAYROLL, reader.subject_id, "newsletter", at=clock.now())
