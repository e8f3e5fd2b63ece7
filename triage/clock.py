"""The time, as the practice sees it: instants in UTC, calendar dates in England."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PRACTICE_TIME = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    return datetime.now(UTC)


def practice_today() -> date:
    return datetime.now(PRACTICE_TIME).date()


def practice_date(moment: datetime) -> date:
    """The date in England of an instant: 23:30 UTC in June is already the next day there."""
    return moment.astimezone(PRACTICE_TIME).date()


def practice_midnight(day: date) -> datetime:
    """The instant a day starts in England: the bound for "decided on or after `day`"."""
    return datetime(day.year, day.month, day.day, tzinfo=PRACTICE_TIME)
