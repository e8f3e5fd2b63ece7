"""Statistics for managers: decisions per category and action this month, and each category's
decisions over the last twelve months, drawn in the terminal. The same counts as the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Label, Sparkline, Static

from screens.base import TriageScreen, call_service
from screens.widgets.footer import TriageFooter
from triage.rules import Permission
from triage.services.exports.report import ACTIONS, Summary, decision_statistics


class StatsScreen(TriageScreen):
    HELP = (
        "Decisions per category and action this month, and each category's decisions month by "
        "month over the last year (managers). The de-identified report for the LMC and ICB is "
        "on the decision log screen (m)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "Reload")]
    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {"reload": Permission.VIEW_STATISTICS}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="stats-title")
        yield DataTable(id="this-month", cursor_type="row", zebra_stripes=True)
        yield VerticalScroll(id="trends")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Statistics"
        table = self.query_one("#this-month", DataTable)
        for label, width in (("Category", 26), *((a, 9) for a in ACTIONS), ("Total", 7)):
            table.add_column(label, width=width)

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
        month = summary.months[-1]
        categories = sorted({category for _, category, _ in summary.totals})
        self.query_one("#stats-title", Static).update(
            Text(
                f"{summary.decisions:,} decisions from {summary.months[0]} to {month}; "
                f"this month ({month}):"
            )
        )
        table = self.query_one("#this-month", DataTable)
        table.clear()
        for category in categories:
            counts = [summary.totals[(month, category, action)] for action in ACTIONS]
            table.add_row(category, *(str(c) for c in counts), str(sum(counts)))
        trends = self.query_one("#trends", VerticalScroll)
        trends.remove_children()
        for category in categories:
            monthly = [
                float(sum(summary.totals[(m, category, a)] for a in ACTIONS))
                for m in summary.months
            ]
            trends.mount(
                Horizontal(
                    Label(Text(f"{category:<26}{int(sum(monthly)):>6}  ")),
                    Sparkline(monthly, summary_function=max),
                    classes="trend",
                )
            )
