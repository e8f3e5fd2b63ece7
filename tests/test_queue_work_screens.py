"""The queue's shared work, driven as a user drives it: marking rows and acting on them all,
assigning, "my work", and the Due column."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from textual.widgets import Input, Static

from screens.app import TriageApp
from screens.dialogs import ConfirmDialog, NoteDialog
from screens.queue import ASSESS_AFTER_SECONDS
from tests.test_screens import SIZE, column, demo, settle, statuses, table
from triage.demo import DEMO_MANAGER, DEMO_PRACTICE
from triage.due import Due, due_state
from triage.models import QueueSort
from triage.services.deciding import find_request
from triage.services.practice import set_practice_details
from triage.services.workspace import Workspace, switch_user

__all__ = ["demo"]  # the fixture, used by name


def notices(app: TriageApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_marked_rows_are_assigned_in_one_step_and_show_in_my_work(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        refs = column(app, "Ref")[:3]
        await pilot.press("space", "space", "space")  # each mark moves down, as in a file manager
        assert column(app, " ")[:4] == ["*", "*", "*", " "]
        await pilot.press("g")
        assert isinstance(app.screen, NoteDialog)
        app.screen.query_one(Input).value = "demo-clerk mine this week"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one(Static).render())
        assert "Assign 3 requests" in question
        assert all(ref in question for ref in refs)
        await pilot.press("y")
        await settle(pilot)
        assert "3 done" in notices(app)[-1]
        assert column(app, " ")[:3] == [" ", " ", " "]  # done, so unmarked
        await pilot.press("m")  # my work
        await settle(pilot)
        assert column(app, "Ref") == refs
        await pilot.press("m")  # everyone's again
        await settle(pilot)
        assert table(app).row_count == 60


async def test_recording_marked_rows_saves_each_and_says_which_were_not(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second, third = column(app, "Ref")[:3]
        await pilot.press("space", "space", "space", "a")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Record the suggestion for 3 requests" in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await settle(pilot)
        # The oldest demo request is for a GP: refused on its own; the others were saved.
        said = notices(app)[-1]
        status = statuses(demo)
        marked = (first, second, third)
        decided = [ref for ref in marked if status[ref] == "decided"]
        refused = [ref for ref in marked if status[ref] == "open"]
        assert first in refused
        assert decided
        assert len(decided) + len(refused) == 3
        assert said.startswith(f"{len(decided)} done; {len(refused)} not, still marked:")
        assert all(f"{ref}: only a GP may decide" in said for ref in refused)
        assert column(app, " ")[: len(refused)] == ["*"] * len(refused)


async def test_unmarking_leaves_a_and_f_acting_on_the_one_row(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "u", "up", "f")
        assert isinstance(app.screen, NoteDialog)
        assert "these" not in str(app.screen.query_one(Static).render())


async def test_the_due_column_words_every_row_and_never_guesses(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        due = column(app, "Due")
        assert len(due) == 60
        for cell in due:
            assert cell == "?" or cell.startswith(("!! ", "! in ", "in "))
        with_supply = [find_request(demo, ref).supply_ends for ref in column(app, "Ref")]
        for cell, ends in zip(due, with_supply, strict=True):
            if ends is not None:
                assert cell != "?"


async def test_at_80_and_120_columns_the_queue_shows_every_column_up_to_due(
    demo: Workspace,
) -> None:
    """The Due column fits beside the flags at 80 columns (and beside the side pane at 120), and
    the table follows the terminal as it is resized, keeping its rows."""

    def shown_up_to_due() -> bool:
        grid = table(app)
        columns = list(grid.columns.values())
        up_to_due = columns[: [str(c.label) for c in columns].index("Due") + 1]
        needed = sum(column.get_render_width(grid) for column in up_to_due)
        return needed <= grid.scrollable_content_region.width

    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_up_to_due()
        assert all(words for words in column(app, "Due"))
        await pilot.press("j", "j", "j")
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert shown_up_to_due() and table(app).row_count == 60
        assert table(app).cursor_row == 3  # the clerk's place kept
        patient = next(c for c in table(app).columns.values() if str(c.label) == "Patient")
        assert patient.width == 12  # wide again: names in full
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert shown_up_to_due() and table(app).row_count == 60


def days_due(words: str) -> int | None:
    """The days until due that the Due column's words say: "!! 3d ago" -3, "! in 5d" 5."""
    if words == "?":
        return None
    number = int(words.split()[-2 if words.endswith("ago") else -1].removesuffix("d"))
    return -number if words.endswith("ago") else number


def test_how_soon_is_due_is_worked_out_from_the_date() -> None:
    today = date(2025, 2, 3)
    assert due_state(None, today) is Due.UNKNOWN
    assert due_state(date(2025, 2, 2), today) is Due.OVERDUE
    assert due_state(date(2025, 2, 17), today) is Due.SOON
    assert due_state(date(2025, 2, 18), today) is Due.LATER


async def test_the_queue_opens_most_urgent_first_when_the_practice_chooses(
    demo: Workspace,
) -> None:
    set_practice_details(switch_user(demo, DEMO_MANAGER), DEMO_PRACTICE, None, QueueSort.DUE)
    # The last letter gives no supply date; its words say the next dose is due tomorrow.
    tomorrow = demo.clock.today() + timedelta(days=1)
    with sqlite3.connect(demo.database.url.database or "") as connection:
        connection.execute(
            "UPDATE requests SET text = ? WHERE ref = 'DEMO-000060' AND supply_ends IS NULL",
            (f"Osteoporosis. Her next Prolia injection is due on {tomorrow:%d %B %Y}.",),
        )
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(ASSESS_AFTER_SECONDS + 0.2)  # the letters' dates are read meanwhile
        await settle(pilot)
        # The order is the Due column's: the letters' dates as well as the supply dates.
        days = [days_due(words) for words in column(app, "Due")]
        known = [day for day in days if day is not None]
        assert known and known == sorted(known)  # the soonest first
        assert days[len(known) :] == [None] * (len(days) - len(known))  # not known: last
        assert days[column(app, "Ref").index("DEMO-000060")] == 1
        assert "soonest due first" in str(app.screen.query_one("#counts", Static).render())
        await pilot.press("s")  # the clerk's own choice from then on: the next order
        await settle(pilot)
        assert "oldest first" in str(app.screen.query_one("#counts", Static).render())
