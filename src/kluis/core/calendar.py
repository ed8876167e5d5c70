"""Calendar arithmetic as EU law counts periods (Regulation (EEC, Euratom) No 1182/71):
months and years to the same day number, or to the month's last day when it is shorter."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_calendar(day: date, *, months: int = 0, days: int = 0) -> date:
    """``day`` plus ``months`` calendar months (to the same day number, or the month's last
    day), then ``days`` days."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last)) + timedelta(days=days)


__all__ = ["add_calendar"]
