"""The practice's calendar, which every layer shares: dates are England's, and months are
counted as people count them."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from zoneinfo import ZoneInfo

PRACTICE_TIME = ZoneInfo("Europe/London")


def practice_date(moment: datetime) -> date:
    """The date in England of an instant: 23:30 UTC in June is already the next day there."""
    return moment.astimezone(PRACTICE_TIME).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier, if negative), clamped to the month's length:
    31 Jan + 1 is 28 or 29 Feb."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
