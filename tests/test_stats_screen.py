"""The statistics screen: bars to one scale, months named, categories in words, and an empty
period said so."""

from __future__ import annotations

from screens.app import TriageApp
from screens.stats import bar, column
from tests import test_screens
from tests.test_screens import PINNED, settle, table
from tests.test_screens import column as table_column
from triage.demo import DEMO_CLERK
from triage.services.deciding import apply_policy
from triage.services.workspace import Workspace, open_workspace

NARROW = (80, 24)
demo = test_screens.demo  # the demo practice, as the screens' tests use it


def manager() -> Workspace:
    return open_workspace(None, "demo-manager", demo=True, clock=PINNED)


async def test_categories_are_drawn_to_one_scale_with_months_named(demo: Workspace) -> None:
    clerk = open_workspace(None, DEMO_CLERK, demo=True, clock=PINNED)
    apply_policy(clerk)  # post-bariatric 3, eating disorder 2, ... (the Dorset list's
    # DMARD, denosumab, PSA and INR rules only say "consider": those go to a GP)
    clerk.close()
    workspace = manager()
    app = TriageApp(workspace)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        categories = table_column(app, "Category", "#this-month")
        assert categories[:2] == ["post-bariatric surgery", "eating disorder"]  # busiest first
        assert "mental health bloods/ECG" in categories
        grid = table(app, "#this-month")
        bars = {
            str(grid.get_row_at(row)[0]): str(grid.get_row_at(row)[-1])
            for row in range(grid.row_count)
        }
        assert bars["post-bariatric surgery"] == "█" * 12  # the largest: the whole bar
        assert bars["MGUS"] == "█" * 8  # 2 of 3
        chart = str(app.screen.query_one("#trends").render())
        months = "Mar Apr May Jun Jul Aug Sep Oct Nov Dec Jan Feb  Year"
        assert months in chart
        lines = {line.split("  ")[0]: line for line in chart.splitlines()}
        assert lines["post-bariatric surge…"].rstrip().endswith("███     3")
        assert lines["MGUS"].rstrip().endswith("▅▅▅     2")
        assert " · " in lines["MGUS"]  # a month with none
        assert "mental health bloods…" in chart  # cut to fit 80 columns, not wrapped
        assert all(len(line) <= 76 for line in chart.splitlines())
    workspace.close()


async def test_a_period_with_no_decisions_says_so(demo: Workspace) -> None:
    workspace = manager()
    app = TriageApp(workspace)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        title = str(app.screen.query_one("#stats-title").render())
        assert title == "No decisions yet in this period (March 2024 to February 2025)."
        assert not table(app, "#this-month").display
    workspace.close()


def test_bars_are_to_scale_and_any_value_shows() -> None:
    assert bar(40, 40, 12) == "█" * 12
    assert bar(20, 40, 12) == "█" * 6
    assert bar(1, 400, 12) == "▏"  # a sliver, never nothing
    assert bar(0, 40, 12) == ""
    assert column(4, 4) == "███"
    assert column(1, 8) == "▁▁▁"
    assert column(0, 8) == "·"
