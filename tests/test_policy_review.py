"""A policy's review date (issue 17): "we intend to review our position ... in January 2025".
The manager is reminded from a fortnight before, on the queue and on the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Static

from policies import load_shipped_policy
from screens.app import TriageApp
from tests.conftest import Run
from tests.test_deciding import practice_db
from tests.test_screens import PINNED, SIZE, demo, settle
from triage.clock import FixedClock
from triage.demo import DEMO_MANAGER
from triage.services.policy import activate_policy, policy_review_due
from triage.services.workspace import Workspace, open_workspace, switch_user

__all__ = ["demo", "practice_db"]  # the fixtures, used by name


def reviewed_policy(folder: Path) -> Path:
    """The shipped Weymouth policy, which says the PCN reviews its position by 31 January
    2025, as a file of its own version (the practice's copy)."""
    shipped = load_shipped_policy("weymouth-portland-pcn")
    assert shipped is not None and "review_on = 2025-01-31" in shipped.text
    text = shipped.text.replace('version = "2025-01.2"', 'version = "2025-01-review"')
    path = folder / "reviewed.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("today", "reminder"),
    [
        (datetime(2025, 1, 10, 9, tzinfo=UTC), None),  # three weeks before: not yet
        (
            datetime(2025, 1, 20, 9, tzinfo=UTC),
            "Policy review due on 31 January 2025, in 11 days",
        ),
        (datetime(2025, 1, 31, 9, tzinfo=UTC), "Policy review due today"),
        (
            datetime(2025, 2, 3, 9, tzinfo=UTC),
            "Policy review was due on 31 January 2025",
        ),
    ],
    ids=["weeks-before", "days-before", "the-day", "after"],
)
def test_the_manager_is_reminded_of_the_policys_review_from_a_fortnight_before(
    run: Run, practice_db: Path, tmp_path: Path, today: datetime, reminder: str | None
) -> None:
    assert run("--db", practice_db, "policy", "activate", reviewed_policy(tmp_path)).status == 0
    manager = open_workspace(str(practice_db), "pat", clock=FixedClock(today))
    due = policy_review_due(manager)
    assert (str(due) if due else None) == reminder
    clerk = open_workspace(str(practice_db), "cleo", clock=FixedClock(today))
    assert policy_review_due(clerk) is None  # the manager's to do


def test_the_command_line_shows_the_review_date_and_reminds_the_manager(
    run: Run, practice_db: Path, tmp_path: Path
) -> None:
    policy = reviewed_policy(tmp_path)
    shown = run("--db", practice_db, "policy", "show", policy)
    assert "  review of this position due: 31 January 2025" in shown.out
    assert run("--db", practice_db, "policy", "activate", policy).status == 0
    queue = run("--db", practice_db, "queue").out  # pat, the manager, on 3 February
    assert (
        "Policy review was due on 31 January 2025 (weymouth-portland-pcn 2025-01-review).\n"
        "`triage policy show` says what the policy declares.\n" in queue
    )
    assert "Policy review" not in run("--db", practice_db, "--user", "cleo", "queue").out
    # A policy without a review date reminds no one.
    back = run("--db", practice_db, "policy", "activate", "dorset-gp-alliance")
    assert back.status == 0 and "now in force" in back.out
    assert "Policy review" not in run("--db", practice_db, "queue").out


async def test_the_managers_queue_starts_its_counts_line_with_the_reminder(
    demo: Workspace, tmp_path: Path
) -> None:
    manager = switch_user(demo, DEMO_MANAGER)
    activate_policy(manager, str(reviewed_policy(tmp_path)))
    app = TriageApp(open_workspace(None, DEMO_MANAGER, demo=True, clock=PINNED))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counts = str(app.screen.query_one("#counts", Static).render())
        assert counts.startswith("Policy review was due on 31 January 2025 · 1–")
        await pilot.press("f5")
        await settle(pilot)
        policy = str(app.screen.query_one("#policy", Static).render())
        assert "review of this position due 2025-01-31" in policy
