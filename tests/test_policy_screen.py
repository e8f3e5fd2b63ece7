"""The policy screen's comparison: what another policy would change, rule and action before
and after, and each request one Enter away."""

from __future__ import annotations

from rich.text import Text

from screens.app import TriageApp
from screens.request import RequestScreen
from tests import test_screens
from tests.test_screens import SIZE, column, settle, table
from triage.services.workspace import Workspace

NARROW = (80, 24)
demo = test_screens.demo  # the demo practice, as the screens' tests use it


async def test_the_comparison_shows_the_rule_and_action_that_change_and_opens_each(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("s", "enter")  # the Weymouth letter, offered by default
        await settle(pilot)
        title = str(app.screen.query_one("#changes-title").render())
        assert "19 of 60 open requests would change" in title
        assert table(app, "#changes").row_count == 19  # only the requests that change
        rules = column(app, "Rule", "#changes")
        actions = column(app, "Action", "#changes")
        # Dorset declines mental health bloods by a rule; Weymouth has none, so a GP reviews.
        assert rules[0] == "mental-health-bloods\n→ otherwise"
        assert actions[0] == "decline → GP review"
        # A rule renamed with the same action: the action is shown once, as it stays.
        assert ("gender-dysphoria-new\n→ gender-hormones-new", "decline") in zip(
            rules, actions, strict=True
        )
        cell = table(app, "#changes").get_row_at(0)[2]
        assert isinstance(cell, Text) and "GP review" in cell.plain
        # Both reasons, under the table, and the whole of each cell fits at 80 columns.
        reasons = str(app.screen.query_one("#change-detail").render())
        assert "Now: decline (rule mental-health-bloods)" in reasons
        assert "Would be: GP review (no rule matched)" in reasons
        grid = table(app, "#changes")
        assert grid.virtual_size.width <= grid.size.width
        ref = column(app, "Ref", "#changes")[2]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert f"Ref: {ref}" in str(app.screen.query_one("#received").render())
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "PolicyScreen"  # (isinstance: mypy says unreachable)
        assert table(app, "#changes").row_count == 19  # the comparison is still there


async def test_p_and_c_switch_between_the_policy_and_the_changes(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one("#policy").region.width > 0
        await pilot.press("c")
        assert app.screen.query_one("#policy").region.width == 0
        assert "s: simulate another policy" in str(app.screen.query_one("#changes-title").render())
        await pilot.press("p")
        assert app.screen.query_one("#policy").region.width > 0
