"""Retention rules as pure functions: calendar arithmetic, fiscal years, due dates."""

from __future__ import annotations

from datetime import date

import pytest

from kluis.register.schema import Activity, Retention, RetentionAction, RetentionEvent
from kluis.register.types import Duration
from kluis.retention import Rule, add_period, due_date, fiscal_year_end
from kluis.retention.policy import rule_of


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),  # no 29 February: the month's last day
        (date(2024, 2, 29), "P4Y", date(2028, 2, 29)),
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
        (date(2023, 1, 31), "P1M", date(2023, 2, 28)),
        (date(2026, 3, 31), "P6M", date(2026, 9, 30)),
        (date(2026, 11, 30), "P3M", date(2027, 2, 28)),
        (date(2024, 8, 31), "P2Y6M", date(2027, 2, 28)),
        (date(2026, 12, 31), "P7Y", date(2033, 12, 31)),
        (date(2026, 1, 10), "P2W", date(2026, 1, 24)),
        (date(2026, 1, 10), "P30D", date(2026, 2, 9)),
        (date(2026, 12, 20), "P1M15D", date(2027, 2, 4)),
        (date(2026, 5, 5), "P0D", date(2026, 5, 5)),
    ],
)
def test_periods_count_in_calendar_units(start: date, period: str, expected: date) -> None:
    assert add_period(start, Duration.parse(period)) == expected


@pytest.mark.parametrize(
    ("day", "year_end", "expected"),
    [
        (date(2026, 5, 10), "12-31", date(2026, 12, 31)),
        (date(2026, 12, 31), "12-31", date(2026, 12, 31)),
        (date(2027, 1, 1), "12-31", date(2027, 12, 31)),
        (date(2026, 8, 1), "06-30", date(2027, 6, 30)),
        (date(2026, 6, 30), "06-30", date(2026, 6, 30)),
        (date(2026, 3, 1), "02-29", date(2027, 2, 28)),
        (date(2027, 12, 1), "02-29", date(2028, 2, 29)),
    ],
)
def test_the_fiscal_year_a_day_falls_in(day: date, year_end: str, expected: date) -> None:
    assert fiscal_year_end(day, year_end) == expected


def _rule(keep: str | None, after: RetentionEvent | None, *, review: str | None = None) -> Rule:
    retention = Retention(
        keep=Duration.parse(keep) if keep else None,
        after=after,
        review=Duration.parse(review) if review else None,
    )
    return Rule(
        activity="a",
        retention=retention,
        keep=retention.keep,
        after=after,
        then=RetentionAction.erase,
        review=retention.review,
        renew=None,
        legal_obligation=False,
    )


def test_a_record_is_due_the_day_after_its_period() -> None:
    rule = _rule("P2Y", RetentionEvent.selection_end)
    assert due_date(rule, {"selection_end": date(2026, 10, 15)}, "12-31") == date(2028, 10, 16)
    # Kept "only for the selection" (P0D): due the day after the selection ended.
    only = _rule("P0D", RetentionEvent.selection_end)
    assert due_date(only, {"selection_end": date(2026, 10, 15)}, "12-31") == date(2026, 10, 16)


def test_seven_years_after_the_fiscal_year_of_the_record() -> None:
    rule = _rule("P7Y", RetentionEvent.fiscal_year_end)
    invoice = {"record_date": date(2026, 5, 10)}
    assert due_date(rule, invoice, "12-31") == date(2034, 1, 1)
    assert due_date(rule, invoice, "03-31") == date(2034, 4, 1)


@pytest.mark.parametrize(
    ("rule", "events"),
    [
        (_rule("P5Y", RetentionEvent.employment_end), {"employment_end": None}),  # still employed
        (_rule("P5Y", RetentionEvent.employment_end), {}),
        (_rule(None, None, review="P1Y"), {"collected": date(2020, 1, 1)}),  # review only
        # No consent is recorded on records yet: no withdrawal has happened.
        (_rule("P1Y", RetentionEvent.consent_withdrawn), {"collected": date(2020, 1, 1)}),
    ],
)
def test_no_due_date_until_the_event(rule: Rule, events: dict[str, date | None]) -> None:
    assert due_date(rule, events, "12-31") is None


def test_a_legal_obligation_is_read_from_the_legal_basis() -> None:
    base = {
        "id": "payroll",
        "name": {"en": "Payroll"},
        "purposes": [{"en": "Paying wages"}],
        "data_subjects": ["employee"],
        "data_categories": ["user.name"],
        "access": ["payroll"],
        "security": ["access_control"],
        "retention": {"keep": "P5Y", "after": "employment_end", "then": "anonymize"},
    }
    law = Activity.model_validate(
        {**base, "legal_basis": {"basis": "legal_obligation", "law": {"en": "Social law"}}}
    )
    contract = Activity.model_validate({**base, "legal_basis": {"basis": "contract"}})
    none = Activity.model_validate(
        {**base, "retention": None, "legal_basis": {"basis": "contract"}}
    )
    law_rule, contract_rule = rule_of(law), rule_of(contract)
    assert law_rule is not None and law_rule.legal_obligation
    assert law_rule.then is RetentionAction.anonymize and law_rule.column == "employment_end"
    assert contract_rule is not None and not contract_rule.legal_obligation
    assert rule_of(none) is None
