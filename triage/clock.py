"""The time, as the practice sees it: instants in UTC, calendar dates in England.

Every service reads the time from the workspace's clock, so a test (or a demo built for a given
day) passes a `FixedClock` rather than patching the time out from under the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PRACTICE_TIME = ZoneInfo("Europe/London")


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


def practice_date(moment: datetime) -> date:
    """The date in England of an instant: 23:30 UTC in June is already the next day there."""
    return moment.astimezone(PRACTICE_TIME).date()


def practice_midnight(day: date) -> datetime:
    """The instant a day starts in England: the bound for "decided on or after `day`"."""
    return datetime(day.year, day.month, day.day, tzinfo=PRACTICE_TIME)
