"""How the queue shows requests: its columns, one request as a row, the choices of its status
filter and order, and the line of counts under the table."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from triage.clock import practice_date
from triage.due import Due, due_date, due_state, due_words
from triage.models import Assessed, QueueSort, Request, Status
from triage.presentation import (
    ACTION_LABELS,
    QUEUE_ORDER_WORDS,
    SHORT_FLAG,
    STATUS_LABELS,
    short_category,
    status_counts,
)
from triage.safe_text import one_line
from triage.services.queue import QueuePage

STATUS_CHOICES = {
    "waiting": ((Status.OPEN, Status.AWAITING_GP), "not decided"),
    **{status.value: ((status,), STATUS_LABELS[status]) for status in Status},
}
# Short rows keep the table fast (docs/architecture.md §4); the side pane shows everything in full.
# What a clerk decides by comes first, so 80 columns show it; the date received (which Age says
# in days) comes last.
Columns = tuple[tuple[str, int], ...]
COLUMNS: Columns = (
    ("Age", 4),
    ("Ref", 11),
    ("Patient", 12),
    ("Category", 11),
    ("Suggests", 9),
    ("Flags", 11),
    ("Due", 9),
    ("Received", 10),
)
# Below this many columns (an 80-column terminal) screens are -narrow (TriageApp's breakpoint), and
# the queue narrows the columns that can spare it, so that Due fits beside the flags: a name
# cut to its first nine letters is still found by the ref beside it.
NARROW_BELOW = 100
NARROW_WIDTHS = {"Patient": 9, "Category": 10, "Flags": 10}
# Overdue and due-soon rows stand out by a word and a symbol as well as a style, never colour alone.
_DUE_STYLES = {
    Due.OVERDUE: "bold reverse",
    Due.SOON: "bold underline",
    Due.LATER: "",
    Due.UNKNOWN: "",
}
MARKED = Text("*", style="bold")  # the mark column of a row marked for a bulk action
UNMARKED = Text(" ")


def queue_row(item: Assessed[Request], today: date) -> tuple[Text, ...]:
    """The request's cells in the order of COLUMNS, each literal and on one line."""
    request = item.request
    received = practice_date(request.received)
    age = (today - received).days
    before = (
        f"{age}d",
        request.ref,
        request.patient.name or "(not given)",
        short_category(item.findings.classification),
        ACTION_LABELS[item.suggestion.action] if item.suggestion else "-",
        ", ".join(SHORT_FLAG[flag] for flag in item.flags),
    )
    return (
        *(Text(one_line(value)) for value in before),
        due_cell(item, today),
        Text(received.isoformat()),
    )


def due_cell(item: Assessed[Request], today: date) -> Text:
    """How soon the supply ends or the next dose is due: "!! 3d ago" overdue, "! in 5d" due
    within the fortnight, "in 40d", or "?" when neither the request nor its letter says."""
    due = due_date(item)
    return Text(due_words(due, today), style=_DUE_STYLES[due_state(due, today)])


def counts_line(page: QueuePage, sort: QueueSort) -> str:
    """Which rows are shown of how many, the counts by status, and the policy in force."""
    counts = status_counts(page.counts)
    if page.total == 0:
        shown = "nothing matches"
    else:
        shown = f"{page.offset + 1:,}–{page.offset + len(page.items):,} of {page.total:,}"
    policy = f"suggestions: {page.policy}" if page.policy else "no policy in force"
    order = QUEUE_ORDER_WORDS[sort]
    return f"{shown} ({order}) · {counts} · {policy} · Enter opens"
