"""Safe working (issue 17): a GP's decisions today against the policy's limit, the BMA's 25
patient contacts per clinician per day, shown on the GP review list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Static

from policies import load_shipped_policy
from screens.app import TriageApp
from tests.conftest import Run
from tests.test_deciding import DECIDED_AT, practice_db, workspace
from tests.test_screens import SIZE, demo, settle
from tests.test_screens_history import act_as_gp
from triage.clock import FixedClock
from triage.services.deciding import Choice, decide, find_request
from triage.services.safe_working import safe_working_today
from triage.services.workspace import Workspace, open_workspace

__all__ = ["demo", "practice_db"]  # the fixtures, used by name


def test_a_gps_decisions_today_are_counted_against_the_policys_limit(practice_db: Path) -> None:
    gp = workspace(practice_db, "gwen")
    before = safe_working_today(gp)
    assert before is not None and (before.decided_today, before.limit) == (0, 25)
    decide(gp, find_request(gp, "S01").id, Choice(note="confirmed: principle-based"))
    after = safe_working_today(gp)
    assert after is not None and after.decided_today == 1 and not after.reached
    assert str(after) == "you have decided 1 of 25 today (safe working)"
    tomorrow = open_workspace(
        str(practice_db), "gwen", clock=FixedClock(DECIDED_AT + timedelta(days=1))
    )
    assert safe_working_today(tomorrow) == type(after)(0, 25)  # a new day starts at nought
    assert safe_working_today(workspace(practice_db, "cleo")) is None  # a clerk: no GP load


def test_past_the_limit_the_gp_is_told_routine_reviews_can_wait(
    run: Run, practice_db: Path, tmp_path: Path
) -> None:
    shipped = load_shipped_policy("weymouth-portland-pcn")
    assert shipped is not None
    one_a_day = tmp_path / "one-a-day.toml"
    one_a_day.write_text(
        shipped.text.replace(
            "contacts_per_clinician_per_day = 25", "contacts_per_clinician_per_day = 1"
        ).replace('version = "2025-01.2"', 'version = "2025-01-one"'),
        encoding="utf-8",
    )
    assert run("--db", practice_db, "policy", "activate", one_a_day).status == 0
    gp = workspace(practice_db, "gwen")
    decide(gp, find_request(gp, "S01").id, Choice(note="confirmed: principle-based"))
    load = safe_working_today(gp)
    assert load is not None and load.reached
    assert str(load) == (
        "safe-working limit reached: 1 of 1 decided today; routine reviews can wait for tomorrow"
    )


async def test_the_gp_review_list_shows_the_gps_decisions_today(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await act_as_gp(pilot)
        await pilot.press("f3")
        await settle(pilot)
        counts = str(app.screen.query_one("#counts", Static).render())
        # First: the line is cut at the screen's edge.
        assert counts.startswith("you have decided 0 of 25 today (safe working) · ")
