"""Time, passed in: services take a :class:`Clock` so deadlines are tested with a fixed one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time, always timezone-aware in UTC."""

    def now(self) -> datetime:
        """The current moment."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current moment, in UTC."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told; tests set :attr:`moment` to move it."""

    moment: datetime

    def now(self) -> datetime:
        """The moment this clock is set to."""
        return self.moment

    @classmethod
    def on(cls, day: date) -> FixedClock:
        """A clock standing at noon UTC on ``day``."""
        return cls(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
