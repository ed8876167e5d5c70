"""``kluis subject``: find by identifier, show as the acting user, erase as the DPO."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, store_record
from kluis.vault.models import Record, Subject, SubjectKey
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import PAYROLL, RECRUITER

EMAIL = "an.peeters@example.be"
PHONE = "0470 12 34 56"
RRN = "85.07.30-033.28"
IBAN = "BE71 0961 2345 6769"
NAME = "An [bold]Peeters[/]"  # markup-like text must be shown as it is


@dataclass(frozen=True)
class Person:
    subject: uuid.UUID
    candidate: uuid.UUID
    payroll: uuid.UUID


@pytest.fixture
def person(vault_home: VaultHome, clock: FixedClock) -> Person:
    """One person held by two activities: candidates (recruiter) and payroll (payroll)."""
    with transaction(vault_home.engine) as session:
        ring = Keyring(LocalKeyProvider(vault_home.keys))
        candidate = store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput({"name": NAME, "email": EMAIL, "phone": PHONE}),
            at=clock.now(),
        )
        payroll = store_record(
            session,
            ring,
            PAYROLL,
            "payroll",
            RecordInput(
                {"email": EMAIL, "rrn": RRN, "iban": IBAN}, {"employment_end": "2026-06-30"}
            ),
            at=clock.now(),
        )
    assert candidate.subject_id == payroll.subject_id
    return Person(candidate.subject_id, candidate.record_id, payroll.record_id)


def _json(text: str) -> object:
    return json.loads(text)


@pytest.mark.parametrize(
    ("option", "value", "user", "activities"),
    [
        ("--email", "AN.Peeters@Example.be", "dora", ["candidates", "payroll"]),
        ("--email", EMAIL, "rik", ["candidates"]),
        ("--email", EMAIL, "paula", ["payroll"]),
        ("--phone", "+32 470 12 34 56", "rik", ["candidates"]),
        ("--phone", "0470123456", "dora", ["candidates"]),
        ("--national-number", "85073003328", "paula", ["payroll"]),
    ],
)
def test_find_by_each_identifier_as_the_roles_allow(
    kluis: Kluis, person: Person, option: str, value: str, user: str, activities: list[str]
) -> None:
    outcome = kluis("subject", "find", option, value, "--format", "json", user=user)
    assert outcome.code == 0, outcome.stderr
    assert _json(outcome.stdout) == [{"subject": str(person.subject), "activities": activities}]


def test_find_shows_nothing_to_a_role_without_reach(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "find", "--email", EMAIL, "--format", "json", user="mark")
    assert (outcome.code, _json(outcome.stdout)) == (0, [])
    outcome = kluis("subject", "find", "--email", EMAIL, user="mark")
    assert "No data subject found." in outcome.stdout


def test_find_in_text_names_the_subject(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "find", "--email", EMAIL)
    assert outcome.code == 0
    assert str(person.subject) in outcome.stdout
    assert "payroll" in outcome.stdout


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--email", EMAIL, "--phone", PHONE),
    ],
)
def test_find_needs_exactly_one_identifier(
    kluis: Kluis, person: Person, args: tuple[str, ...]
) -> None:
    outcome = kluis("subject", "find", *args)
    assert outcome.code == 2
    assert "exactly one of" in outcome.stderr


def test_a_malformed_identifier_is_refused_without_echoing_it(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "find", "--email", "an.peeters-at-example")
    assert outcome.code == 2
    assert "the e-mail address searched for is not valid" in outcome.stderr
    assert "activity" not in outcome.stderr
    assert "an.peeters-at-example" not in outcome.stderr


def test_show_as_the_dpo_decrypts_every_record(
    kluis: Kluis, person: Person, vault_home: VaultHome
) -> None:
    outcome = kluis(
        "subject", "show", str(person.subject), "--format", "json", "--reason", "access request"
    )
    assert outcome.code == 0, outcome.stderr
    shown = _json(outcome.stdout)
    assert isinstance(shown, dict)
    assert shown["subject"] == str(person.subject)
    records = {record["activity"]: record for record in shown["records"]}
    assert records["candidates"]["values"] == {
        "name": NAME,
        "email": EMAIL,
        "phone": "+32470123456",
    }
    assert records["payroll"]["values"]["rrn"] == "85073003328"
    assert records["payroll"]["events"]["employment_end"] == "2026-06-30"
    assert records["payroll"]["record"] == str(person.payroll)
    with transaction(vault_home.engine) as session:
        reads = session.execute(
            select(AuditEntry.record_id, AuditEntry.reason, AuditEntry.actor).where(
                AuditEntry.action == "record_read"
            )
        ).all()
    assert sorted(reads) == sorted(
        [(person.candidate, "access request", "dora"), (person.payroll, "access request", "dora")]
    )


def test_show_as_a_role_shows_only_its_activities(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "show", str(person.subject), "--format", "json", user="rik")
    assert outcome.code == 0, outcome.stderr
    shown = _json(outcome.stdout)
    assert isinstance(shown, dict)
    assert [record["activity"] for record in shown["records"]] == ["candidates"]
    assert "85073003328" not in outcome.stdout


def test_show_in_text_prints_values_as_they_are(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "show", str(person.subject), user="rik")
    assert outcome.code == 0, outcome.stderr
    assert NAME in outcome.stdout
    assert "+32470123456" in outcome.stdout


def test_show_is_refused_to_a_role_without_reach(
    kluis: Kluis, person: Person, vault_home: VaultHome
) -> None:
    outcome = kluis("subject", "show", str(person.subject), user="mark")
    assert outcome.code == 5
    assert "'mark' may read none of the records" in outcome.stderr
    assert EMAIL not in outcome.stdout + outcome.stderr
    with transaction(vault_home.engine) as session:
        reads = session.execute(
            select(AuditEntry.seq).where(AuditEntry.action == "record_read")
        ).all()
        refused = session.execute(
            select(AuditEntry.actor, AuditEntry.subject_id).where(
                AuditEntry.action == "record_read_refused"
            )
        ).all()
        assert verify(session).intact
    assert reads == []
    assert refused == [("mark", person.subject)]


@pytest.mark.parametrize(
    ("subject", "code", "words"),
    [("not-a-uuid", 2, "is not one: ids look like"), (str(uuid.UUID(int=7)), 3, "no subject")],
)
def test_show_an_unknown_subject(
    kluis: Kluis, person: Person, subject: str, code: int, words: str
) -> None:
    outcome = kluis("subject", "show", subject)
    assert outcome.code == code
    assert words in outcome.stderr
    assert "not-a-uuid" not in outcome.stderr


def test_a_user_kluis_does_not_know_is_refused(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "show", str(person.subject), user="mallory")
    assert outcome.code == 5
    assert "'mallory' is not an active Kluis user" in outcome.stderr


def test_erase_by_the_dpo_with_a_reason(
    kluis: Kluis, person: Person, vault_home: VaultHome
) -> None:
    outcome = kluis(
        "subject", "erase", str(person.subject), "--reason", "Art. 17 request", "--format", "json"
    )
    assert outcome.code == 0, outcome.stderr
    assert _json(outcome.stdout) == {
        "subject": str(person.subject),
        "records": 2,
        "activities": ["candidates", "payroll"],
    }
    with transaction(vault_home.engine) as session:
        assert session.get(Subject, person.subject) is None
        assert session.get(SubjectKey, person.subject) is None
        assert session.execute(select(Record.id)).all() == []
        erased = session.execute(
            select(AuditEntry.actor, AuditEntry.reason).where(AuditEntry.action == "subject_erase")
        ).one()
    assert tuple(erased) == ("dora", "Art. 17 request")
    found = kluis("subject", "find", "--email", EMAIL, "--format", "json")
    assert _json(found.stdout) == []
    assert kluis("subject", "show", str(person.subject)).code == 3


def test_erase_in_text_says_what_was_erased(kluis: Kluis, person: Person) -> None:
    outcome = kluis("subject", "erase", str(person.subject), "--reason", "request")
    assert outcome.code == 0, outcome.stderr
    assert f"Subject {person.subject} erased: 2 record(s) in candidates, payroll" in outcome.stdout


@pytest.mark.parametrize("user", ["rik", "paula", "ada"])
def test_erase_is_refused_to_anyone_but_the_dpo(
    kluis: Kluis, person: Person, vault_home: VaultHome, user: str
) -> None:
    outcome = kluis("subject", "erase", str(person.subject), "--reason", "tidy up", user=user)
    assert outcome.code == 5
    assert "only the DPO may erase" in outcome.stderr
    with transaction(vault_home.engine) as session:
        assert session.get(SubjectKey, person.subject) is not None


def test_erase_needs_a_reason(kluis: Kluis, person: Person, vault_home: VaultHome) -> None:
    assert kluis("subject", "erase", str(person.subject)).code == 2
    outcome = kluis("subject", "erase", str(person.subject), "--reason", "  ")
    assert outcome.code == 2
    assert "needs a reason" in outcome.stderr
    with transaction(vault_home.engine) as session:
        assert session.get(SubjectKey, person.subject) is not None
