"""Value types: durations, texts, countries and days of the year."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from kluis.register.types import Country, Duration, MonthDay, Text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7Y", (7, 0, 0, 0)),
        ("P2Y6M", (2, 6, 0, 0)),
        ("P4W", (0, 0, 4, 0)),
        ("p30d", (0, 0, 0, 30)),
    ],
)
def test_durations_parse(text: str, expected: tuple[int, int, int, int]) -> None:
    duration = Duration.parse(text)
    assert (duration.years, duration.months, duration.weeks, duration.days) == expected


@pytest.mark.parametrize("text", ["P", "7Y", "P7X", "PT1H", "P1.5Y", ""])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        Duration.parse(text)


def test_duration_arithmetic_clamps_month_ends_and_leap_days() -> None:
    assert Duration.parse("P1M").add_to(date(2025, 1, 31)) == date(2025, 2, 28)
    assert Duration.parse("P1Y").add_to(date(2024, 2, 29)) == date(2025, 2, 28)
    assert Duration.parse("P4Y").add_to(date(2024, 2, 29)) == date(2028, 2, 29)
    assert Duration.parse("P7Y").add_to(date(2024, 12, 31)) == date(2031, 12, 31)
    assert Duration.parse("P4W").add_to(date(2026, 11, 22)) == date(2026, 12, 20)
    assert str(Duration.parse("P2Y6M")) == "P2Y6M"


class _Model(BaseModel):
    text: Text
    country: Country
    day: MonthDay
    model_config = {"arbitrary_types_allowed": True}


def test_text_plain_string_is_the_first_language() -> None:
    model = _Model(text="Hallo", country="BE", day="12-31")  # type: ignore[arg-type]
    assert model.text.get("fr", "nl") == "Hallo"
    assert model.text.has("nl", "nl")
    assert not model.text.has("fr", "nl")


def test_text_mapping_falls_back_to_the_first_language() -> None:
    model = _Model(text={"nl": "Hallo", "en": "Hello"}, country="NL", day="06-30")  # type: ignore[arg-type]
    assert model.text.get("en", "nl") == "Hello"
    assert model.text.get("fr", "nl") == "Hallo"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("text", {"de": "Hallo"}, "kluis_text_language"),
        ("text", "  ", "kluis_empty_text"),
        ("country", "UK", "kluis_country"),
        ("country", "XX", "kluis_country"),
        ("day", "02-30", "kluis_month_day"),
        ("day", "12/31", "kluis_month_day"),
    ],
)
def test_bad_values_get_their_own_error_type(field: str, value: object, error: str) -> None:
    values: dict[str, object] = {"text": "x", "country": "BE", "day": "12-31", field: value}
    with pytest.raises(ValidationError) as caught:
        _Model(**values)  # type: ignore[arg-type]
    assert caught.value.errors()[0]["type"] == error
