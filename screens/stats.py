"""Statistics for managers: decisions per category and action this month, and each category's
decisions month by month over the last year, drawn to one scale. The same counts as the report.

Every bar is drawn as Rich text scaled to the largest value on show, so a category with one
decision is one sliver and one with forty is a full bar: comparing categories is the point.
(Textual's Sparkline scales each line to its own largest value, which made every bar alike.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from screens.base import TriageScreen, call_service
from screens.widgets.footer import TriageFooter
from triage.models import Category, Unsorted, read_as
from triage.rules import Permission
from triage.services.exports.report import (
    ACTIONS,
    HAND_BACK_COUNTS,
    Summary,
    decision_statistics,
)

UNRECORDED = "unrecorded"  # the report's key for a decision whose category was not recorded
_UNSORTED_WORDS = {Unsorted.MIXED: "more than one category", Unsorted.UNCLASSIFIED: "no category"}
BAR_WIDTH = 12  # the longest bar of this month's table
LABEL_WIDTH = 24  # a category's name in this month's table
MONTH_WIDTH = 4  # a month in the chart: "Mar ", or a three-cell column and a gap
CHART_LABEL_WIDTH = 22  # so that 12 months and the year fit in 80 columns
# Eight heights of a column, lowest first; a month with none is a dot, so a gap is not mistaken
# for the chart's edge.
LEVELS = "▁▂▃▄▅▆▇█"


class StatsScreen(TriageScreen):
    HELP = (
        "Decisions per category and action this month, with a bar to scale, and each "
        "category's decisions month by month over the last year, every column to the same "
        "scale (the tallest is the busiest month of any category; a dot is a month with none). "
        "For managers. The de-identified report for the LMC and ICB is on the decision log "
        "screen (m)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "Reload")]
    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {"reload": Permission.VIEW_STATISTICS}

    stats_title = getters.query_one("#stats-title", Static)
    this_month = getters.query_one("#this-month", DataTable)
    trends = getters.query_one("#trends", Static)
    trends_pane = getters.query_one("#trends-pane", VerticalScroll)
    hand_back_stats = getters.query_one("#hand-back-stats", Static)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="stats-title")
        yield DataTable(id="this-month", cursor_type="row", zebra_stripes=True)
        yield Static(id="hand-back-stats")
        with VerticalScroll(id="trends-pane"):
            yield Static(id="trends")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Statistics"
        columns = (("Category", LABEL_WIDTH), *((a, 8) for a in ACTIONS), ("Total", 5))
        for label, width in columns:
            self.this_month.add_column(label, width=width)
        self.this_month.add_column("", width=BAR_WIDTH)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        call_service(
            self,
            "No statistics",
            lambda: decision_statistics(self.workspace),
            self._show,
            group="load",
            exclusive=True,
        )

    def _show(self, summary: Summary) -> None:
        self.hand_back_stats.update(hand_back_line(summary))
        first, month = summary.months[0], summary.months[-1]
        table = self.this_month
        table.clear()
        if not summary.decisions:
            self.stats_title.update(
                Text(
                    f"No decisions yet in this period ({month_words(first)} to "
                    f"{month_words(month)}).",
                    style="bold",
                )
            )
            table.display = self.trends_pane.display = False
            return
        self.trends_pane.display = True
        totals = this_months_totals(summary)
        self.stats_title.update(
            Text(
                f"{decisions(summary.decisions)} from {month_words(first)} to "
                f"{month_words(month)}. This month, {month_words(month)}"
                + (":" if totals else ": no decisions yet.")
            )
        )
        largest = max(totals.values(), default=0)
        for category, total in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
            counts = [summary.totals[(month, category, action)] for action in ACTIONS]
            table.add_row(
                Text(category_words(category)),
                *(Text(str(count), justify="right") for count in counts),
                Text(str(total), justify="right"),
                Text(bar(total, largest, BAR_WIDTH), style="bold"),
            )
        table.display = bool(totals)
        self.trends.update(monthly_chart(summary))


def hand_back_line(summary: Summary) -> Text:
    """Existing patients handed back: this month's notices, confirmations and reminders, and
    how many wait for their team now."""
    month = summary.months[-1]
    sent, confirmed, chased = (
        sum(count for (m, _, w), count in summary.hand_backs.items() if m == month and w == what)
        for what in HAND_BACK_COUNTS
    )
    waiting = sum(summary.open_hand_backs.values())
    if not (sent or confirmed or chased or waiting):
        return Text("Existing patients: no notice of hand-back sent yet.")
    return Text(
        f"Existing patients handed back, this month: {sent} notices sent, {confirmed} confirmed "
        f"by their teams, {chased} reminders; {waiting} wait for their team's confirmation."
    )


def this_months_totals(summary: Summary) -> dict[str, int]:
    month = summary.months[-1]
    totals: dict[str, int] = {}
    for (decided, category, _), count in summary.totals.items():
        if decided == month and count:
            totals[category] = totals.get(category, 0) + count
    return totals


def monthly_chart(summary: Summary) -> Text:
    """A row per category, a column per month, every column to the scale of the busiest
    month of any category; the busiest categories over the year first."""
    per_month: dict[str, list[int]] = {}
    for (decided, category, _), count in summary.totals.items():
        months = per_month.setdefault(category, [0] * len(summary.months))
        months[summary.months.index(decided)] += count
    tallest = max((count for months in per_month.values() for count in months), default=0)
    text = Text()
    text.append(
        f"Month by month (the tallest column is {decisions(tallest)})\n", style="bold underline"
    )
    text.append(" " * CHART_LABEL_WIDTH)
    for month in summary.months:
        text.append(f"{date.fromisoformat(month + '-01'):%b}".ljust(MONTH_WIDTH))
    text.append(" Year\n")
    for category, months in sorted(per_month.items(), key=lambda item: (-sum(item[1]), item[0])):
        text.append(shortened(category_words(category), CHART_LABEL_WIDTH - 1))
        text.append(" ")
        for count in months:
            text.append(column(count, tallest).center(MONTH_WIDTH - 1) + " ", style="bold")
        text.append(f"{sum(months):>5}\n")
    return text


def bar(value: int, largest: int, width: int) -> str:
    """A horizontal bar `width` long for the largest value, in eighths of a cell; any value
    above nothing shows at least a sliver."""
    if value <= 0 or largest <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / largest))
    whole, part = divmod(eighths, 8)
    return "█" * whole + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def column(value: int, tallest: int) -> str:
    """One month's column against the tallest month on show: eight heights; a dot for none."""
    if value <= 0 or tallest <= 0:
        return "·"
    return LEVELS[max(1, round(value * len(LEVELS) / tallest)) - 1] * (MONTH_WIDTH - 1)


def shortened(words: str, width: int) -> str:
    """`words` in exactly `width` cells: padded, or cut with an ellipsis."""
    return words.ljust(width) if len(words) <= width else words[: width - 1] + "…"


def category_words(key: str) -> str:
    """A category as a clerk would say it ("mental health bloods/ECG", not a slug)."""
    if key == UNRECORDED:
        return "not recorded"
    read = read_as(key)
    return read.label if isinstance(read, Category) else _UNSORTED_WORDS[read]


def decisions(count: int) -> str:
    return f"{count:,} decision{'' if count == 1 else 's'}"


def month_words(month: str) -> str:
    """ "2025-02" as "February 2025"."""
    return f"{date.fromisoformat(month + '-01'):%B %Y}"
