"""Comparing two registers: every kind of change, and nothing when nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kluis.register.diff import Change, ChangeKind, diff_registers
from kluis.register.loader import load_register
from kluis.register.schema import Register
from kluis.register.versions import register_content
from tests.conftest import VAULT_REGISTER

Mutate = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def base() -> Register:
    return load_register(VAULT_REGISTER).register


def _activity(data: dict[str, Any], activity_id: str) -> dict[str, Any]:
    return next(a for a in data["activities"] if a["id"] == activity_id)


def changed(base: Register, mutate: Mutate) -> Register:
    data = json.loads(json.dumps(register_content(base)))
    mutate(data)
    return Register.model_validate(data)


def kinds(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return [(c.kind.value, c.activity or c.section, c.field) for c in changes]


def test_the_same_register_has_no_changes(base: Register) -> None:
    assert diff_registers(base, changed(base, lambda d: None)) == []


def test_the_first_register_adds_every_activity(base: Register) -> None:
    changes = diff_registers(None, base)
    assert [(c.kind, c.activity) for c in changes] == [
        (ChangeKind.activity_added, "candidates"),
        (ChangeKind.activity_added, "payroll"),
        (ChangeKind.activity_added, "newsletter"),
        (ChangeKind.activity_added, "intake"),
    ]


def test_activities_added_and_removed(base: Register) -> None:
    def mutate(data: dict[str, Any]) -> None:
        newsletter = _activity(data, "newsletter")
        data["activities"].remove(newsletter)
        data["activities"].append({**newsletter, "id": "mailing"})

    assert kinds(diff_registers(base, changed(base, mutate))) == [
        ("activity_added", "mailing", None),
        ("activity_removed", "newsletter", None),
    ]


def test_fields_added_removed_and_identifiers(base: Register) -> None:
    def mutate(data: dict[str, Any]) -> None:
        candidates = _activity(data, "candidates")
        del candidates["fields"]["phone"]
        candidates["fields"]["city"] = "user.contact.address.city"
        candidates["identifiers"] = ["email", "name"]

    assert kinds(diff_registers(base, changed(base, mutate))) == [
        ("field_added", "candidates", "city"),
        ("field_removed", "candidates", "phone"),
        ("identifier_added", "candidates", "name"),
        ("identifier_removed", "candidates", "phone"),
    ]


@pytest.mark.parametrize(
    ("category", "narrowing"),
    [
        ("user.demographic.age_range", True),  # sideways: a birth date is not an age range
        ("user.demographic", False),  # broader: still covers a date of birth
    ],
)
def test_a_category_change_says_whether_it_narrows(
    base: Register, category: str, narrowing: bool
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        _activity(data, "candidates")["fields"]["birth_date"] = category

    [change] = diff_registers(base, changed(base, mutate))
    assert change.kind is ChangeKind.field_category_changed
    assert (change.field, change.old, change.new) == (
        "birth_date",
        "user.demographic.date_of_birth",
        category,
    )
    assert change.narrowing is narrowing


def test_other_attributes_of_an_activity_are_named(base: Register) -> None:
    def mutate(data: dict[str, Any]) -> None:
        payroll = _activity(data, "payroll")
        payroll["retention"]["keep"] = "P7Y"
        payroll["access"] = ["payroll", "dpo"]
        del payroll["national_number"]

    [change] = diff_registers(base, changed(base, mutate))
    assert change.kind is ChangeKind.activity_changed
    assert change.activity == "payroll"
    assert set(change.items) == {"retention", "access", "national_number"}


def test_sections_by_id_and_the_organisation(base: Register) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["organisation"]["name"] = "Andere Naam BV"
        data["roles"] = [
            {"id": "recruiter", "name": {"nl": "Rekruteerder", "en": "Recruiter"}},
            data["roles"][1],
            {"id": "sales", "name": {"en": "Sales"}},
        ]

    changes = diff_registers(base, changed(base, mutate))
    assert [(c.section, c.items) for c in changes] == [
        ("organisation", ("name",)),
        ("roles", ("+sales", "-marketing", "~recruiter")),
    ]
    assert all(c.kind is ChangeKind.section_changed for c in changes)


def test_a_change_as_data_and_as_words(base: Register) -> None:
    def mutate(data: dict[str, Any]) -> None:
        _activity(data, "candidates")["fields"]["birth_date"] = "user.demographic.age_range"

    [change] = diff_registers(base, changed(base, mutate))
    assert json.loads(json.dumps(change.as_dict())) == {
        "kind": "field_category_changed",
        "activity": "candidates",
        "field": "birth_date",
        "old": "user.demographic.date_of_birth",
        "new": "user.demographic.age_range",
        "narrowing": True,
    }
    message, params = change.description()
    assert message.format(**params) == (
        "activity 'candidates': field 'birth_date' changes category from "
        "user.demographic.date_of_birth to user.demographic.age_range"
    )
    assert change.marker == "~"
    assert Change(ChangeKind.field_removed, activity="a", field="b").marker == "-"
    assert Change(ChangeKind.activity_added, activity="a").marker == "+"
