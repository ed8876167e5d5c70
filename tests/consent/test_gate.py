"""The consent gate: a record of an activity based on consent exists only while the person's
consent stands, whether the consent log holds it or the record brings it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.consent import Channel, ConsentLedger, consent_history, record_consent
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.versions import StoredRegister, save_version
from kluis.vault import Keyring, RecordInput, Refusal, Written, write_records
from kluis.vault.models import Record, Subject
from tests.conftest import MARKETING, RECRUITER, VAULT_REGISTER

GIVEN = {"consent_given": "2026-11-01", "consent_channel": "web_form", "consent_evidence": "f-7"}


def _write(
    session: Session,
    keys: LocalKeyProvider,
    clock: FixedClock,
    *rows: RecordInput,
    gate: ConsentLedger | None = None,
    activity: str = "newsletter",
) -> list[Written | Refusal]:
    return write_records(
        session,
        Keyring(keys),
        MARKETING if activity == "newsletter" else RECRUITER,
        activity,
        list(rows),
        at=clock.now(),
        consent=gate if gate is not None else ConsentLedger(),
    )


def _refusal(outcome: Written | Refusal) -> str:
    assert isinstance(outcome, Refusal), outcome
    return str(outcome.error)


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_record_without_consent_is_refused_and_nothing_is_stored(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    (outcome,) = _write(session, keys, clock, RecordInput({"email": "zonder@example.be"}))
    assert "rests on consent to 'newsletter'" in _refusal(outcome)
    assert "consent is none" in _refusal(outcome)
    assert (_count(session, Record), _count(session, Subject)) == (0, 0)


def test_without_the_gate_the_vault_fails_closed(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    (outcome,) = write_records(
        session,
        Keyring(keys),
        MARKETING,
        "newsletter",
        [RecordInput({"email": "lezer@example.be"}, consent=GIVEN)],
        at=clock.now(),
    )
    assert "cannot check consent" in _refusal(outcome)
    # Activities not based on consent need no gate.
    (other,) = write_records(
        session,
        Keyring(keys),
        RECRUITER,
        "candidates",
        [RecordInput({"email": "kandidaat@example.be"})],
        at=clock.now(),
    )
    assert isinstance(other, Written)


def test_a_record_brings_its_consent_which_is_logged_once(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    row = RecordInput({"email": "lezer@example.be"}, consent=GIVEN)
    (first,) = _write(session, keys, clock, row)
    assert isinstance(first, Written)
    (history,) = consent_history(session, MARKETING, first.subject_id)
    assert (history.action, history.channel, history.evidence) == ("given", "web_form", "f-7")
    assert (history.version.isoformat(), history.language) == ("2026-01-01", "nl")
    record = session.get(Record, first.record_id)
    assert record is not None and record.consent_given is not None
    assert record.consent_given.isoformat() == "2026-11-01"
    # The same row again (an import run twice) logs nothing twice.
    (again,) = _write(session, keys, clock, row)
    assert isinstance(again, Written) and again.outcome == "unchanged"
    assert len(consent_history(session, MARKETING, first.subject_id)) == 1


def test_a_consent_in_the_log_lets_records_in(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    (first,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=GIVEN)
    )
    assert isinstance(first, Written)
    # A change of the record needs no consent of its own while the logged one stands.
    (changed,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, source="data_subject")
    )
    assert isinstance(changed, Written)
    # Several rows of one person in one batch: the first brings the consent for all.
    both = _write(
        session,
        keys,
        clock,
        RecordInput({"email": "nieuw@example.be"}, consent=GIVEN),
        RecordInput({"email": "NIEUW@example.be"}),
    )
    assert all(isinstance(outcome, Written) for outcome in both), both


def test_after_a_withdrawal_only_a_newer_consent_lets_the_person_in(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    (first,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=GIVEN)
    )
    assert isinstance(first, Written)
    record_consent(
        session, MARKETING, first.subject_id, "newsletter", action="withdrawn",
        channel=Channel.email, language="nl", at=clock.now() - timedelta(days=1),
    )  # fmt: skip
    (plain,) = _write(session, keys, clock, RecordInput({"email": "lezer@example.be"}))
    assert "consent is withdrawn" in _refusal(plain)
    # An old export that still shows the consent from before the withdrawal: refused.
    (old,) = _write(session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=GIVEN))
    assert "does not stand: it is withdrawn" in _refusal(old)
    # Consent given again, after the withdrawal: in.
    renewed = {**GIVEN, "consent_given": (clock.now() - timedelta(hours=1)).isoformat()}
    (new,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=renewed)
    )
    assert isinstance(new, Written)


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"consent_given": "2026-11-01"}, "consent_channel", "needs 'consent_channel' too"),
        ({"consent_channel": "web_form"}, "consent_given", "needs 'consent_given' too"),
        ({**GIVEN, "consent_channel": "pigeon"}, "consent_channel", "not a channel of consent"),
        ({**GIVEN, "consent_language": "de"}, "consent_language", "not a language of Kluis"),
        ({**GIVEN, "consent_given": "2026-12-24"}, "consent_given", "still to come"),
        ({**GIVEN, "consent_given": "2026-11-01T10:00"}, "consent_given", "time zone"),
        ({**GIVEN, "consent_given": "soon"}, "consent_given", "not a valid date"),
        ({**GIVEN, "consent_version": "2025-06-01"}, "consent_version", "it is outdated"),
        ({**GIVEN, "consent_version": "2027-01-01"}, "consent_version", "newer than the register"),
    ],
)
def test_a_wrong_consent_is_refused_by_its_column(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    cells: dict[str, str],
    field: str,
    message: str,
) -> None:
    (outcome,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=cells)
    )
    assert message in _refusal(outcome)
    assert isinstance(outcome, Refusal) and outcome.error.field == field
    assert "lezer" not in str(outcome.error)  # the column, never the value
    assert _count(session, Subject) == 0


def test_consent_columns_belong_to_activities_based_on_consent(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    (outcome,) = _write(
        session,
        keys,
        clock,
        RecordInput({"email": "kandidaat@example.be"}, consent=GIVEN),
        activity="candidates",
    )
    assert "does not rest on consent" in _refusal(outcome)


def test_an_accepted_older_text_and_an_expired_consent(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    # A new text of the newsletter consent that still accepts consents on the old one, and
    # consent that lasts six months.
    changed = tmp_path / "register.yaml"
    changed.write_text(
        VAULT_REGISTER.read_text(encoding="utf-8").replace(
            "    version: 2026-01-01\n",
            "    version: 2026-06-01\n    accepts: [2026-01-01]\n    expires: P6M\n",
        ),
        encoding="utf-8",
    )
    register = load_register(changed).register
    save_version(session, register, author="test", origin="test", changes=[], at=clock.now())
    accepted = {**GIVEN, "consent_version": "2026-01-01"}
    (ok,) = _write(
        session, keys, clock, RecordInput({"email": "lezer@example.be"}, consent=accepted)
    )
    assert isinstance(ok, Written)
    expired = {**GIVEN, "consent_given": "2026-05-01", "consent_version": "2026-01-01"}
    (late,) = _write(
        session, keys, clock, RecordInput({"email": "oud@example.be"}, consent=expired)
    )
    assert "it is expired" in _refusal(late)
    older = {**GIVEN, "consent_version": "2025-01-01"}
    (outdated,) = _write(
        session, keys, clock, RecordInput({"email": "ouder@example.be"}, consent=older)
    )
    assert "it is outdated" in _refusal(outdated)
