"""``kluis demo``: made-up people through the services, valid identifiers, records past
their period, open requests and a legal hold; the same seed makes the same people."""

from __future__ import annotations

import random
from datetime import date

import phonenumbers
from faker import Faker
from sqlalchemy import func, select
from stdnum.be import nn as be_nn

from kluis.cli.demo import _person
from kluis.retention import list_holds, retention_plan
from kluis.storage import transaction
from kluis.subject_requests import list_requests
from kluis.vault.models import Record, Subject
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import DPO_ACTOR


def test_demo_fills_the_vault(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("demo", "--people", "40", "--seed", "3")
    assert outcome.code == 0, outcome.stderr
    assert "Demo: 40 made-up people" in outcome.stdout
    with transaction(vault_home.engine) as session:
        subjects = session.execute(select(func.count()).select_from(Subject)).scalar_one()
        records = session.execute(select(func.count()).select_from(Record)).scalar_one()
        today = date.today()
        requests = list_requests(session, DPO_ACTOR, today=today)
        plan = retention_plan(session, DPO_ACTOR, at=today)
        holds = list_holds(session, DPO_ACTOR, active_on=today)
    assert 0 < subjects <= 40 and records >= subjects
    assert len(requests) == 3 and sum(1 for r in requests if r.overdue) == 1
    assert any(r.days_left is not None and 0 <= r.days_left <= 7 for r in requests)
    assert plan.due > 0  # some records are already past their period
    assert len(holds) == 1


def test_made_up_identifiers_are_valid_and_repeatable() -> None:
    def people(seed: int) -> list[object]:
        rng = random.Random(seed)
        fakers = {locale: Faker(locale) for locale in ("nl_BE", "fr_BE", "nl_NL")}
        for fake in fakers.values():
            fake.seed_instance(seed)
        return [_person(n, fakers, rng, date(2026, 11, 22)) for n in range(30)]

    first = people(5)
    assert first == people(5) and first != people(6)
    for person in first:
        assert be_nn.is_valid(person.national_number)  # type: ignore[attr-defined]
        assert phonenumbers.is_valid_number(phonenumbers.parse(person.phone))  # type: ignore[attr-defined]
        assert person.email.rsplit("@", 1)[1].startswith("example.")  # type: ignore[attr-defined]
