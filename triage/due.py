"""How soon a request is due: the earlier of the supply's end (a field of the request) and the
next dose the letter's words give. An unknown date is said to be unknown, never guessed."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from triage.models import Assessed, Request

DUE_SOON_DAYS = 14  # a fortnight: time to reply before the patient runs out


class Due(StrEnum):
    OVERDUE = "overdue"
    SOON = "due soon"
    LATER = "later"
    UNKNOWN = "no date"


def due_date(item: Assessed[Request]) -> date | None:
    """The earliest date the request is due by, if the request or its letter gives one."""
    written = item.findings.written.next_due
    known = [day for day in (item.request.supply_ends, written and written.earliest) if day]
    return min(known) if known else None


def due_state(due: date | None, today: date) -> Due:
    if due is None:
        return Due.UNKNOWN
    if due < today:
        return Due.OVERDUE
    return Due.SOON if (due - today).days <= DUE_SOON_DAYS else Due.LATER


def due_words(due: date | None, today: date) -> str:
    """How soon, in a few characters: "!! 3d ago" overdue, "! in 5d" due within the fortnight,
    "in 40d", or "?" when neither the request nor its letter says. The marks say it without
    colour, for a screen reader, a printout or a terminal without it."""
    state = due_state(due, today)
    if due is None:
        return "?"
    days = (due - today).days
    words = {Due.OVERDUE: f"!! {-days}d ago", Due.SOON: f"! in {days}d", Due.LATER: f"in {days}d"}
    return words[state]
