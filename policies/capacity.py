"""Capacity windows: the rolling period a rule's limit counts accepted requests over.

A window ends on the decision date and includes it: a day is that day, a week the seven days
to it, a month the days since the same date last month (16 January to 15 February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal

Per = Literal["day", "week", "month"]


def window_start(on: date, per: Per) -> date:
    if per == "day":
        return on
    if per == "week":
        return on - timedelta(days=6)
    year, month = (on.year, on.month - 1) if on.month > 1 else (on.year - 1, 12)
    day = min(on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=1)
