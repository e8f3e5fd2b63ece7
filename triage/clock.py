"""The time, as the practice sees it: instants in UTC, calendar dates in England.

Every service reads the time from the workspace's clock, so a test (or a demo built for a given
day) passes a `FixedClock` rather than patching the time out from under the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from triage.models import PRACTICE_TIME, practice_date

__all__ = [
    "PRACTICE_TIME",
    "SYSTEM_CLOCK",
    "Clock",
    "FixedClock",
    "practice_date",
    "practice_midnight",
]


class Clock:
    """The computer's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in England, whatever the computer's time zone."""
        return practice_date(self.now())


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock that always reads the same instant."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a fixed clock needs an instant with its time zone")

    def now(self) -> datetime:
        return self.at


SYSTEM_CLOCK = Clock()


def practice_midnight(day: date) -> datetime:
    """The instant a day starts in England: the bound for "decided on or after `day`"."""
    return datetime(day.year, day.month, day.day, tzinfo=PRACTICE_TIME)
