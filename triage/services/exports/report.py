"""The de-identified monthly summary for the LMC and ICB (docs/domain.md §6).

Counts of decisions by month, category, action, reason and provider type, with totals; and of
existing patients handed back (docs/caseload.md): notices sent, hand-backs the teams confirmed and
reminders, by month and category, with those still open at the end of the period. Nothing
else. No NHS number, name, date of birth, reference or free text goes in: only the product's own
codes. Small counts are suppressed by default (shown as "*"), as NHS statistical publications
do, because a count of 1 to 7 in a small practice can point to a person. A decision with several
reasons counts once under each reason; the totals count each decision once.

Formats, by the file's extension: .csv (one row per combination, then the totals) or .html (a
one-page report with a chart per category over the months, no scripts, no external files).
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from db import Transaction
from triage.clock import practice_midnight
from triage.errors import UserError
from triage.models import DECIDING_ACTIONS, DecisionFilter, HandBackRecord
from triage.rules import Permission, require
from triage.services.exports.files import check_destination, private_temporary
from triage.services.exports.recording import Exported, log_anchor, log_and_place
from triage.services.exports.rows import Anchor, tally_chosen
from triage.services.notices import hand_back_records
from triage.services.workspace import Workspace

DEFAULT_THRESHOLD = 8  # counts from 1 to 7 are suppressed
ACTIONS = tuple(action.value for action in DECIDING_ACTIONS)
Key = tuple[str, str, str, str, str]  # month, category, action, reason, provider type


HAND_BACK_COUNTS = ("notice_sent", "hand_back_confirmed", "hand_back_chased")


@dataclass
class Summary:
    months: list[str]
    counts: Counter[Key] = field(default_factory=Counter)
    totals: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # month, cat, action
    decisions: int = 0
    # Existing patients: (month, category, one of HAND_BACK_COUNTS), and by category the
    # hand-backs sent by the end of the period and not confirmed by then.
    hand_backs: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    open_hand_backs: Counter[str] = field(default_factory=Counter)

    def hand_back_total(self, category: str, what: str) -> int:
        return sum(self.hand_backs[(month, category, what)] for month in self.months)


def month_range(first: str, last: str | None) -> tuple[date, date]:
    """The first day of `first` and the last day of `last` (YYYY-MM each)."""
    try:
        start = datetime.strptime(first, "%Y-%m").date()
        end_month = datetime.strptime(last or first, "%Y-%m").date()
    except ValueError:
        raise UserError(f"months are written YYYY-MM, e.g. 2025-03 (got {first!r})") from None
    if end_month < start:
        raise UserError(f"--to {last} is before --month {first}")
    return start, _next_month(end_month) - timedelta(days=1)


def _next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def monthly_report(
    workspace: Workspace,
    first_month: str | None,
    last_month: str | None,
    destination: Path,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    show_small_counts: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Exported:
    require(workspace.user, Permission.EXPORT)
    if threshold < 1:
        raise UserError("the small-count threshold must be at least 1")
    writer = {".csv": _write_csv, ".html": _write_html}.get(destination.suffix.lower())
    if writer is None:
        raise UserError(f"{destination}: the report is written as .csv or .html")
    destination = check_destination(destination)
    first_month = first_month or workspace.clock.today().strftime("%Y-%m")
    start, end = month_range(first_month, last_month)
    chosen = DecisionFilter(start=start, end=end)
    suppress = 0 if show_small_counts else threshold
    with workspace.database.read() as tx:
        anchor = log_anchor(tx)
        summary = _summarise(tx, start, end)  # one query: counted when it answers
        if progress is not None:
            progress(summary.decisions, summary.decisions)
        _count_hand_backs(summary, hand_back_records(tx).values(), end)
        practice = tx.practice.get()
    title = f"{practice[0].name} ({practice[0].ods_code})" if practice else "The practice"
    with private_temporary(destination) as (temporary, out):
        writer(out, summary, suppress, anchor, title)
    return log_and_place(
        workspace, temporary, destination, "report" + destination.suffix, chosen,
        summary.decisions, anchor,
    )  # fmt: skip


def decision_statistics(workspace: Workspace, months: int = 12) -> Summary:
    """Counts for the last `months` months to this one (managers: the statistics view)."""
    require(workspace.user, Permission.VIEW_STATISTICS)
    today = workspace.clock.today()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start, end = month_range(first.strftime("%Y-%m"), today.strftime("%Y-%m"))
    with workspace.database.read() as tx:
        summary = _summarise(tx, start, end)
        _count_hand_backs(summary, hand_back_records(tx).values(), end)
    return summary


def _count_hand_backs(summary: Summary, records: Iterable[HandBackRecord], end: date) -> None:
    for record in records:
        category = record.category or "unrecorded"
        events = [("notice_sent", record.sent), ("hand_back_confirmed", record.confirmed)]
        events += [("hand_back_chased", chased) for chased in record.chased]
        for what, recorded in events:
            month = recorded.on.strftime("%Y-%m") if recorded else None
            if month in summary.months:
                summary.hand_backs[(month, category, what)] += 1
        sent, confirmed = record.sent, record.confirmed
        if sent is not None and sent.on <= end and (confirmed is None or confirmed.on > end):
            summary.open_hand_backs[category] += 1


def _summarise(tx: Transaction, start: date, end: date) -> Summary:
    """The decisions from `start` to `end`, counted by the database (one query), by month."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    summary = Summary([month.strftime("%Y-%m") for month in months])
    chosen = DecisionFilter(start=start, end=end)
    period_starts = [practice_midnight(month) for month in months[1:]]
    for tally in tally_chosen(tx, chosen, period_starts):
        decided = summary.months[tally.period]
        category = tally.category or "unrecorded"
        action, provider = tally.action.value, tally.provider_type.value
        for reason in tally.reasons or ["none"]:
            summary.counts[(decided, category, action, reason, provider)] += tally.count
        summary.totals[(decided, category, action)] += tally.count
        summary.decisions += tally.count
    return summary


def shown(count: int, suppress: int) -> str:
    """A count as published: "*" for a small count that could identify someone."""
    return "*" if 0 < count < suppress else str(count)


def _write_csv(out: BinaryIO, summary: Summary, suppress: int, anchor: Anchor, title: str) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(("month", "category", "action", "reason", "provider_type", "decisions"))
    for key in sorted(summary.counts):
        writer.writerow((*key, shown(summary.counts[key], suppress)))
    for month, category, action in sorted(summary.totals):
        count = summary.totals[(month, category, action)]
        writer.writerow((month, category, action, "all", "all", shown(count, suppress)))
    writer.writerow(("all", "all", "all", "all", "all", shown(summary.decisions, suppress)))
    for month, category, what in sorted(summary.hand_backs):
        count = summary.hand_backs[(month, category, what)]
        writer.writerow((month, category, what, "all", "all", shown(count, suppress)))
    for category in sorted(summary.open_hand_backs):
        count = summary.open_hand_backs[category]
        writer.writerow(
            (summary.months[-1], category, "hand_back_open", "all", "all", shown(count, suppress))
        )
    text.flush()
    text.detach()


def _write_html(out: BinaryIO, summary: Summary, suppress: int, anchor: Anchor, title: str) -> None:
    categories = sorted({category for _, category, _ in summary.totals})
    period = f"{summary.months[0]} to {summary.months[-1]}"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Shared-care requests pushed back: {html.escape(period)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;"
        "text-align:right}th:first-child,td:first-child{text-align:left}"
        ".decline{fill:#b2182b}.redirect{fill:#ef8a62}.accept{fill:#67a9cf}</style></head><body>",
        f"<h1>Shared-care requests: {html.escape(period)}</h1>",
        f"<p>{html.escape(title)}. Decisions on shared-care requests by category and action. "
        "De-identified: no patient is named or numbered. "
        + (
            f"Counts from 1 to {suppress - 1} are shown as *.</p>"
            if suppress
            else "Small counts are shown (not suppressed).</p>"
        ),
        "<table><tr><th>Category</th>"
        + "".join(f"<th>{action}</th>" for action in ACTIONS)
        + "<th>total</th></tr>",
    ]
    for category in categories:
        per_action = [
            sum(summary.totals[(m, category, action)] for m in summary.months) for action in ACTIONS
        ]
        parts.append(
            f"<tr><td>{html.escape(category)}</td>"
            + "".join(f"<td>{shown(count, suppress)}</td>" for count in per_action)
            + f"<td>{shown(sum(per_action), suppress)}</td></tr>"
        )
    parts.append(
        f"<tr><th>all</th><td colspan='3'></td><th>{shown(summary.decisions, suppress)}</th></tr>"
        "</table>"
    )
    parts.extend(_hand_back_table(summary, suppress))
    for category in categories:
        parts.append(f"<h2>{html.escape(category)}</h2>")
        parts.append(_chart(summary, category, suppress))
    parts.append(
        f"<p><small>Decision log head when this report was made: {anchor.count} entries, "
        f"sha256 {anchor.hash}.</small></p></body></html>"
    )
    out.write("\n".join(parts).encode())


def _hand_back_table(summary: Summary, suppress: int) -> list[str]:
    """Existing patients handed back, by category: what the period saw, and what is open."""
    categories = sorted(
        {category for _, category, _ in summary.hand_backs} | set(summary.open_hand_backs)
    )
    if not categories:
        return []
    rows = [
        "<h2>Existing patients handed back</h2>",
        "<p>Notices of hand-back sent to specialist teams, hand-backs the teams confirmed, and "
        "reminders sent, in the period; and hand-backs still waiting for the team's "
        "confirmation at its end (the practice keeps prescribing until then).</p>",
        "<table><tr><th>Category</th><th>notices sent</th><th>confirmed</th><th>reminders</th>"
        "<th>open at the end</th></tr>",
    ]
    for category in categories:
        counts = [summary.hand_back_total(category, what) for what in HAND_BACK_COUNTS]
        counts.append(summary.open_hand_backs[category])
        rows.append(
            f"<tr><td>{html.escape(category)}</td>"
            + "".join(f"<td>{shown(count, suppress)}</td>" for count in counts)
            + "</tr>"
        )
    rows.append("</table>")
    return rows


def _chart(summary: Summary, category: str, suppress: int) -> str:
    """Stacked bars per month (declined, redirected, accepted), as inline SVG."""
    width, height, bar = 40 * len(summary.months) + 60, 160, 24
    peak = max(
        (sum(summary.totals[(m, category, a)] for a in ACTIONS) for m in summary.months),
        default=0,
    )
    scale = (height - 40) / max(peak, 1)
    shapes = []
    for index, month in enumerate(summary.months):
        x, y = 40 + index * 40, float(height - 20)
        for action in ACTIONS:
            count = summary.totals[(month, category, action)]
            if suppress and 0 < count < suppress:
                count = 0  # a suppressed count is not drawn either
            size = count * scale
            y -= size
            if size:
                shapes.append(
                    f"<rect class='{action}' x='{x}' y='{y:.1f}' width='{bar}' "
                    f"height='{size:.1f}'><title>{month} {action}</title></rect>"
                )
        shapes.append(f"<text x='{x}' y='{height - 5}' font-size='9'>{month[2:]}</text>")
    return (
        f"<svg width='{width}' height='{height}' role='img' "
        f"aria-label='{html.escape(category)} by month'>" + "".join(shapes) + "</svg>"
    )
