"""Which rights apply, from each activity's legal basis (Art. 15-22)."""

from __future__ import annotations

from typing import Any

import pytest

from kluis.documents.rights import ALWAYS, Right, plan, rights_for
from kluis.register.marketing import is_direct_marketing
from kluis.register.schema import Activity


def activity(basis: str | None, **extra: Any) -> Activity:
    data: dict[str, Any] = {
        "id": extra.pop("id", "activity"),
        "name": "Activity",
        "purposes": ["A purpose"],
        "data_subjects": extra.pop("data_subjects", ["customer"]),
    }
    if basis is not None:
        data["legal_basis"] = {"basis": basis, **extra.pop("legal_basis", {})}
    return Activity.model_validate({**data, **extra})


@pytest.mark.parametrize(
    ("basis", "present", "absent"),
    [
        ("contract", {Right.portability}, {Right.objection, Right.withdraw_consent}),
        ("consent", {Right.portability, Right.withdraw_consent}, {Right.objection}),
        ("legitimate_interests", {Right.objection}, {Right.portability, Right.withdraw_consent}),
        ("public_task", {Right.objection}, {Right.portability}),
        ("legal_obligation", set(), {Right.portability, Right.objection}),
        ("vital_interests", set(), {Right.portability, Right.objection}),
    ],
)
def test_rights_per_legal_basis(basis: str, present: set[Right], absent: set[Right]) -> None:
    rights = set(rights_for(activity(basis)))
    assert set(ALWAYS) <= rights
    assert present <= rights
    assert not absent & rights


def test_explicit_consent_for_special_categories_gives_withdrawal_and_portability() -> None:
    rights = rights_for(
        activity("legal_obligation", special_categories={"condition": "explicit_consent"})
    )
    assert Right.withdraw_consent in rights and Right.portability in rights


def test_automated_decisions_give_the_rights_of_article_22() -> None:
    decisions = {"logic": "a score", "significance": "credit or not"}
    assert Right.automated_decisions in rights_for(
        activity("contract", automated_decisions=decisions)
    )
    assert Right.automated_decisions not in rights_for(activity("contract"))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"data_subjects": ["newsletter_subscriber"]}, True),
        ({"data_subjects": ["prospect"]}, True),
        ({"id": "event-mailing"}, True),
        ({"id": "prospection"}, True),
        ({"legal_basis": {"consent": "marketing_news"}}, True),
        ({"id": "payroll", "data_subjects": ["employee"]}, False),
        ({"id": "market-research"}, False),
        ({"id": "payroll", "direct_marketing": True}, True),
        ({"data_subjects": ["prospect"], "direct_marketing": False}, False),
    ],
)
def test_direct_marketing_is_recognised(extra: dict[str, Any], expected: bool) -> None:
    assert is_direct_marketing(activity("consent", **extra)) is expected
    assert (Right.marketing_objection in rights_for(activity("consent", **extra))) is expected


def test_plan_lists_activities_per_limited_right() -> None:
    result = plan(
        [
            activity("contract", id="a"),
            activity("legal_obligation", id="b"),
            activity("consent", id="c"),
        ]
    )
    assert result.activities[Right.portability] == ("a", "c")
    assert result.activities[Right.access] == ("a", "b", "c")
    assert result.erasure_limited == ("b",)
    assert not result.applies(Right.objection)
