"""Deadlines of requests: one calendar month, extension to three within the first."""

from __future__ import annotations

from datetime import date

import pytest

from kluis.register.types import Duration
from kluis.subject_requests import days_left, extended_deadline, first_deadline
from kluis.subject_requests.policy import may_extend


@pytest.mark.parametrize(
    ("received", "first", "extended"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), date(2026, 4, 15)),
        (date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 30)),  # the month's last day
        (date(2024, 1, 30), date(2024, 2, 29), date(2024, 4, 30)),  # a leap year
        (date(2026, 11, 30), date(2026, 12, 30), date(2027, 2, 28)),
        (date(2026, 12, 31), date(2027, 1, 31), date(2027, 3, 31)),
    ],
)
def test_deadlines_in_calendar_months(received: date, first: date, extended: date) -> None:
    assert first_deadline(received) == first
    assert extended_deadline(received) == extended


def test_an_extension_is_announced_within_the_first_month() -> None:
    received = date(2026, 1, 31)
    assert may_extend(received, date(2026, 2, 28))
    assert not may_extend(received, date(2026, 3, 1))


def test_days_left_count_down_past_zero() -> None:
    assert days_left(date(2026, 12, 31), date(2026, 12, 1)) == 30
    assert days_left(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert days_left(date(2026, 11, 30), date(2026, 12, 1)) == -1


def test_a_shorter_promise_is_the_deadline() -> None:
    received = date(2026, 1, 31)
    assert first_deadline(received, Duration.parse("P14D")) == date(2026, 2, 14)
    # A promise longer than the law allows does not move the legal deadline.
    assert first_deadline(received, Duration.parse("P2M")) == date(2026, 2, 28)


def test_an_extension_keeps_a_promise_shorter_than_three_months() -> None:
    received = date(2026, 1, 31)
    # "Erased within two calendar months" (Konnektus): a complex request gets two months.
    two_months = Duration.parse("P2M")
    assert extended_deadline(received, two_months) == date(2026, 3, 31)
    assert may_extend(received, date(2026, 2, 20), two_months)
    # A promise of two weeks leaves nothing to extend into.
    assert not may_extend(received, date(2026, 2, 1), Duration.parse("P14D"))
    assert extended_deadline(received) == date(2026, 4, 30)
