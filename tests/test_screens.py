"""The terminal app, driven as a user drives it (Pilot), and its look pinned (SVG snapshots).

The clock is pinned (ages, supply dates, letter dates and log times depend on it), so every run
sees the same screens."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.style import Style as TextualStyle
from textual.widgets import DataTable, Input, Select, Static, TextArea
from textual.widgets._footer import FooterKey
from textual.worker import WorkerCancelled

from screens.app import TriageApp
from screens.dialogs import ConfirmDialog, NoteDialog, OverrideDialog
from screens.help import HelpScreen
from screens.log import LogScreen
from screens.policy import PolicyScreen
from screens.queue import ASSESS_AFTER_SECONDS, DETAIL_AFTER_SECONDS, PAGE_SIZE, QueueScreen
from screens.request import RequestScreen
from screens.review import ReviewScreen
from screens.widgets.request_detail import RequestDetail, from_the_letter
from tests.conftest import SAMPLES, write_requests_csv
from tests.factories import make_request
from tests.test_deciding import PRACTICE
from triage import paths
from triage.classify import read
from triage.clock import FixedClock
from triage.demo import DEMO_CLERK, build_demo
from triage.models import Action, LetterKind
from triage.services.deciding import claim, find_request
from triage.services.importing import import_files
from triage.services.workspace import Workspace, open_workspace, switch_user

SnapCompare = Callable[..., bool]
SIZE = (120, 40)
NOW = datetime(2025, 2, 3, 10, 30, tzinfo=UTC)


PINNED = FixedClock(NOW)  # the snapshots show ages and dates as of this moment


# The oldest demo request goes to a GP (a PSA above the NICE NG12 threshold for the patient's
# age); the next one down has a suggestion a clerk can record.
TO_A_DECIDABLE_REQUEST = "down"


@pytest.fixture
def demo(isolated_home: Path) -> Iterator[Workspace]:
    build_demo(60, clock=PINNED)
    workspace = open_workspace(None, None, demo=True, default_user=DEMO_CLERK, clock=PINNED)
    yield workspace
    workspace.close()


@pytest.fixture
def practice(tmp_path: Path, run: object) -> Iterator[Workspace]:
    """A practice database with its details set and the Weymouth policy in force (by pat, the
    manager), worked by cleo, a clerk."""
    url = str(tmp_path / "practice.db")
    from triage.cli import main

    for args in (
        ("db", "init"),
        PRACTICE,
        ("policy", "activate", "weymouth-portland-pcn"),
        ("users", "add", "cleo", "--role", "clerk"),
    ):
        with pytest.raises(SystemExit):
            main(["--db", url, *args], clock=PINNED)
    workspace = open_workspace(url, "cleo", clock=PINNED)
    yield workspace
    workspace.close()


async def loaded(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def settle(pilot: Pilot[None]) -> None:
    """Wait for background work and the screens it changes, twice (a worker may start one)."""
    for _ in range(2):
        await loaded(pilot)


async def rested(pilot: Pilot[None]) -> None:
    """Wait for the side pane, which follows the cursor once it rests."""
    await pilot.pause(DETAIL_AFTER_SECONDS + 0.05)


async def picked(pilot: Pilot[None]) -> None:
    """Settle once the file picker has closed: its folder tree's worker is cancelled then, and
    waiting for a cancelled worker raises until it has gone."""
    for _ in range(50):
        try:
            await settle(pilot)
        except WorkerCancelled:
            await pilot.pause(0.1)
        else:
            return
    raise AssertionError("the picker's folder tree never stopped")


def table(app: TriageApp, selector: str = "#queue") -> DataTable[object]:
    return app.screen.query_one(selector, DataTable)


def column(app: TriageApp, name: str, selector: str = "#queue") -> list[str]:
    grid = table(app, selector)
    index = [str(col.label) for col in grid.columns.values()].index(name)
    return [str(grid.get_row_at(row)[index]) for row in range(grid.row_count)]


def detail_text(app: TriageApp) -> str:
    return str(app.screen.query_one(RequestDetail).content)


def statuses(workspace: Workspace) -> dict[str, str]:
    path = workspace.database.url.database
    assert path is not None
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT ref, status FROM requests").fetchall())


async def type_into(pilot: Pilot[None], text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")


# --- the queue ------------------------------------------------------------------------------------


async def test_the_queue_opens_with_every_open_request_oldest_first(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        received = column(app, "Received")
        assert len(received) == 60 and received == sorted(received)
        assert column(app, "Age")[0] == "20d"  # the oldest demo request: 20 days old
        assert app.sub_title == "Pat Jones (clerk) · demo data"
        counts = str(app.screen.query_one("#counts").render())
        assert counts.startswith("1–60 of 60 (oldest first) · 60 open · 0 awaiting GP")


async def test_moving_through_the_queue_shows_each_request_as_received(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second, third = column(app, "Ref")[:3]
        assert f"Ref: {first}" in detail_text(app)
        await pilot.press("j")
        await rested(pilot)
        assert f"Ref: {second}" in detail_text(app)
        await pilot.press("k")
        await rested(pilot)
        assert f"Ref: {first}" in detail_text(app)
        await pilot.press("down", "down")  # the pane follows once the cursor rests
        await rested(pilot)
        assert f"Ref: {third}" in detail_text(app)


async def test_each_request_shows_the_policys_suggestion_and_why(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        under_18 = column(app, "Flags").index("under 18")
        for _ in range(under_18):
            await pilot.press("j")
        await rested(pilot)
        shown = detail_text(app)
        assert "Suggests: GP review" in shown
        assert "A GP must review this: the patient is" in shown
        assert "Flags: under_18" in shown


async def test_filters_search_and_sort_narrow_the_queue(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(ASSESS_AFTER_SECONDS + 0.2)  # the stored assessments are refreshed
        await settle(pilot)
        app.screen.query_one("#category", Select).value = "adhd"
        await settle(pilot)
        categories = column(app, "Category")
        assert categories and set(categories) == {"ADHD"}
        app.screen.query_one("#category", Select).clear()
        app.screen.query_one("#flag", Select).value = "under_18"
        await settle(pilot)
        assert set(column(app, "Flags")) <= {f for f in column(app, "Flags") if "under 18" in f}
        app.screen.query_one("#flag", Select).clear()
        await settle(pilot)
        ref = column(app, "Ref")[5]
        await pilot.press("slash")
        await type_into(pilot, ref.lower())
        await pilot.press("enter")
        await settle(pilot)
        assert column(app, "Ref") == [ref]
        await pilot.press("slash")
        app.screen.query_one("#search", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert table(app).row_count == 60
        await pilot.press("s")  # newest first
        await settle(pilot)
        received = column(app, "Received")
        assert received == sorted(received, reverse=True)


async def test_a_long_queue_is_read_a_page_at_a_time(isolated_home: Path, tmp_path: Path) -> None:
    build_demo(PAGE_SIZE + 50, clock=PINNED)
    workspace = open_workspace(None, None, demo=True, default_user=DEMO_CLERK, clock=PINNED)
    app = TriageApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table(app).row_count == PAGE_SIZE
        counts = str(app.screen.query_one("#counts").render())
        assert counts.startswith(f"1–{PAGE_SIZE} of {PAGE_SIZE + 50}")
        table(app).move_cursor(row=PAGE_SIZE - 1)
        await pilot.press("j")  # past the last row: the next page
        await settle(pilot)
        assert table(app).row_count == 50
        assert str(app.screen.query_one("#counts").render()).startswith(
            f"{PAGE_SIZE + 1}–{PAGE_SIZE + 50} of"
        )
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table(app).row_count == PAGE_SIZE
    workspace.close()


async def test_reload_keeps_the_clerks_place_and_reads_new_requests(practice: Workspace) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table(app).row_count == 0
        import_files(practice, [SAMPLES / "requests.csv"])
        await pilot.press("r")
        await settle(pilot)
        assert table(app).row_count == 16
        await pilot.press("j", "j", "j")
        ref = column(app, "Ref")[3]
        await pilot.press("r")
        await settle(pilot)
        assert table(app).cursor_row == 3
        assert f"Ref: {ref}" in detail_text(app)


# --- deciding -------------------------------------------------------------------------------------


async def test_a_clerk_decides_three_requests_in_a_row_from_the_request_screen(
    practice: Workspace,
) -> None:
    import_files(practice, [SAMPLES / "requests.csv"])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#search", Input).value = "S0"
        await pilot.press("slash", "enter")
        await settle(pilot)
        refs = column(app, "Ref")
        start = refs.index("S04")
        table(app).move_cursor(row=start)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        specialist = app.screen.query_one("#letter-specialist", TextArea).text
        assert "Our reference: SCT-000004" in specialist
        for _ in range(3):  # S04 redirect, S05 redirect, S06 decline: accept each, move on
            await pilot.press("a")
            await settle(pilot)
        assert {ref: statuses(practice)[ref] for ref in ("S04", "S05", "S06")} == {
            "S04": "decided",
            "S05": "decided",
            "S06": "decided",
        }


async def test_switching_user_on_a_request_drafts_its_letters_for_the_new_user(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "enter")
        await settle(pilot)
        letter = app.screen.query_one("#letter-specialist", TextArea)
        assert "Pat Jones" in letter.text
        await pilot.press("f9", "down", "enter")  # the demo's GP
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert "Dr Asha Patel" in letter.text and "Pat Jones" not in letter.text


async def test_an_open_request_is_held_so_a_colleague_is_told_who_is_working_on_it(
    demo: Workspace,
) -> None:
    gp = switch_user(demo, "demo-gp")
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = column(app, "Ref")[:2]
        await pilot.press("enter")
        await settle(pilot)
        with demo.database.read() as tx:
            assert tx.requests.claim(find_request(demo, first).id)[0] == DEMO_CLERK
        await pilot.press("escape")  # leaving lets go of it
        await settle(pilot)
        with demo.database.read() as tx:
            assert tx.requests.claim(find_request(demo, first).id) == (None, None)
        claim(gp, find_request(demo, second).id)  # the GP, at another desk, opens the second
        await pilot.press("down", "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#letters-status", Static).render())
        assert f"demo-gp is working on {second}" in status


async def test_edited_letters_are_kept_warned_about_and_recorded(practice: Workspace) -> None:
    import_files(practice, [SAMPLES / "requests.csv"])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table(app).move_cursor(row=column(app, "Ref").index("S06"))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await type_into(pilot, "PS ")
        await pilot.press("escape")  # out of the letter
        assert isinstance(app.screen, RequestScreen)
        await pilot.press("escape")  # leaving: asked first
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert isinstance(app.screen, RequestScreen)
        await pilot.press("o")  # another action needs other letters: asked first too
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert isinstance(app.screen, RequestScreen)
        await pilot.press("a")
        await settle(pilot)
    with practice.database.read() as tx:
        [decision] = tx.decisions.for_request(next(r.id for r in tx.requests.with_ref("S06")))
    assert decision.letters_edited
    assert decision.letters[LetterKind.SPECIALIST].startswith("PS ")


async def test_a_database_error_is_one_clear_message_and_the_edits_stay(
    practice: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage.errors import DatabaseBusy

    def busy(*_: object, **__: object) -> None:
        raise DatabaseBusy("the database is busy: another user held it; nothing was saved")

    import_files(practice, [SAMPLES / "requests.csv"])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table(app).move_cursor(row=column(app, "Ref").index("S06"))
        await pilot.press("enter")
        await settle(pilot)
        received = app.screen.query_one("#received", Static).render()
        assert isinstance(received, Content)
        highlighted = {
            received.plain[span.start : span.end].lower()
            for span in received.spans
            if isinstance(span.style, TextualStyle) and span.style.reverse
        }
        assert highlighted  # the words that decided the category stand out
        assert highlighted <= {
            e.found for e in read(find_request(practice, "S06")).classification.evidence
        }
        await pilot.press("e")
        await type_into(pilot, "Edited ")
        await pilot.press("escape")
        monkeypatch.setattr("screens.deciding.decide", busy)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)  # still here, with the edits
        assert app.screen.query_one("#letter-specialist", TextArea).text.startswith("Edited ")
        [message] = [n.message for n in app._notifications]
        assert message == "the database is busy: another user held it; nothing was saved"
    assert statuses(practice)["S06"] == "open"


async def test_a_clerk_accepting_a_request_for_a_gp_is_told_at_once_and_nothing_is_asked(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the oldest demo request is for a GP
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)  # no form the service would refuse
        [refusal] = [n.message for n in app._notifications if n.severity == "error"]
        assert refusal.startswith("only a GP may decide DEMO-")
        assert "decided" not in statuses(demo).values()


async def test_deciding_otherwise_needs_a_reason(practice: Workspace) -> None:
    import_files(practice, [SAMPLES / "requests.csv"])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table(app).move_cursor(row=column(app, "Ref").index("S06"))
        await pilot.press("o")
        assert isinstance(app.screen, OverrideDialog)
        app.screen.query_one("#note", Input).focus()
        await pilot.press("enter")  # no reason yet: refused in the dialog
        assert isinstance(app.screen, OverrideDialog)
        assert "Say why" in str(app.screen.query_one("#problem").render())
        app.screen.query_one("#action", Select).value = Action.ACCEPT
        await type_into(pilot, "Funded locally")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    assert statuses(practice)["S06"] == "decided"
    with practice.database.read() as tx:
        [decision] = tx.decisions.for_request(next(r.id for r in tx.requests.with_ref("S06")))
    assert (decision.kind.value, decision.action, decision.note) == (
        "override",
        Action.ACCEPT,
        "Funded locally",
    )


async def test_a_clerk_flags_one_and_the_gp_reviews_it(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        confirms = column(app, "Flags").index("GP confirms")
        ref = column(app, "Ref")[confirms]
        table(app).move_cursor(row=confirms)
        await pilot.press("a")  # the clerk may not: the service says why
        await settle(pilot)
        assert statuses(demo)[ref] == "open"
        await pilot.press("f")
        assert isinstance(app.screen, NoteDialog)
        await type_into(pilot, "Please confirm")
        await pilot.press("enter")
        await settle(pilot)
        assert statuses(demo)[ref] == "awaiting_gp"
        await pilot.press("f9")  # the demo: act as the GP
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.workspace.user.name == "demo-gp"
        await pilot.press("f3")
        await settle(pilot)
        assert column(app, "Ref") == [ref]
        assert column(app, "Why a GP") == ["Please confirm"]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, NoteDialog)
        await type_into(pilot, "Confirmed")
        await pilot.press("enter")
        await settle(pilot)
        assert statuses(demo)[ref] == "decided"


# --- the log, the policy, help --------------------------------------------------------------------


async def test_the_log_shows_the_entries_verifies_and_exports(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")  # one decision by the clerk
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert column(app, "Event", "#log")[:4] == [
            "decision",
            "caseload_imported",  # the demo's existing patients
            "policy",
            "practice",
        ]
        assert str(app.screen.query_one("#chain").render()).startswith(
            "Chain verified: 7 entries; head "  # 3 demo users added, then these
        )
        await pilot.press("x")  # a clerk may not export: the refusal is shown
        await pilot.press("enter")
        await settle(pilot)
        assert not list(Path.home().glob("triage-decisions-*.csv"))
    manager = open_workspace(None, "demo-manager", demo=True, clock=PINNED)
    app = TriageApp(manager)
    out = paths.data_dir() / "export.csv"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("x")
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert out.exists() and oct(out.stat().st_mode & 0o777) == "0o600"
        assert column(app, "Event", "#log")[0] == "export"
    manager.close()


async def test_the_policy_screen_shows_the_policy_and_what_another_would_change(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, PolicyScreen)
        shown = str(app.screen.query_one("#policy").render())
        assert "Dorset GP Alliance collective action list" in shown
        await pilot.press("s", "enter")  # the Weymouth letter, offered by default
        await settle(pilot)
        title = str(app.screen.query_one("#changes-title").render())
        assert "weymouth-portland-pcn 2025-01.2 against dorset-gp-alliance 2024-10.2:" in title
        assert table(app, "#changes").row_count > 0


async def test_f1_explains_the_screen_and_its_keys(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("Static").render())
        assert "The requests to deal with, oldest first." in shown
        assert "Accept: Record the policy's suggestion, with letters" in shown
        assert "Scroll" not in shown  # only this screen's keys
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_f1_on_gp_review_explains_gp_review_not_the_queue(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("f1")
        shown = str(app.screen.query_one("Static").render())
        assert shown.startswith("GP review\nThe requests waiting for a GP, oldest first")
        for queues_key in ("Import", "Inbox", "Apply all", "Details", "To GP"):
            assert queues_key not in shown  # the queue's keys are not the GP's


# F1 on each screen: what it is for (the first words of its help) and keys of its own; not
# another screen's.
F1_ON = {
    "f2": ("Queue", "The requests to deal with", "Import: Import files", "Verify"),
    "f3": ("GP review", "The requests waiting for a GP", "Accept", "Import"),
    "f4": ("Decision log", "The decision log, newest first", "Verify: Check the whole", "Sort"),
    "f5": ("Policy", "The policy in force", "Simulate: What another policy", "Accept"),
    "f6": ("Statistics", "Decisions per category", "Reload", "Accept"),
}


@pytest.mark.parametrize("key", list(F1_ON))
async def test_f1_on_each_screen_describes_that_screens_keys(demo: Workspace, key: str) -> None:
    title, about, own_key, not_here = F1_ON[key]
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("Static").render())
        assert shown.startswith(f"{title}\n{about}")
        assert own_key in shown and not_here not in shown
        assert "Focus Next" not in shown  # Textual's own keys are the same everywhere
        assert "Help: What this screen is for" in shown  # the app's keys are on every screen


async def test_f1_on_a_request_describes_the_request_screen(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f1")
        shown = str(app.screen.query_one("Static").render())
        assert shown.startswith("Request\nOne request as received")
        assert "Edit letters" in shown and "Import" not in shown


# --- permissions before effort --------------------------------------------------------------------


def enabled(app: TriageApp, action: str) -> bool:
    [state] = {a.enabled for a in app.screen.active_bindings.values() if a.binding.action == action}
    return state


def refusals(app: TriageApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_a_manager_sees_deciding_greyed_and_is_told_who_may_before_any_dialog(
    demo: Workspace,
) -> None:
    manager = open_workspace(None, "demo-manager", demo=True, clock=PINNED)
    app = TriageApp(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not enabled(app, "accept") and not enabled(app, "override")
        assert not enabled(app, "apply_policy") and enabled(app, "flag")
        for key in ("a", "o", "A"):
            app.clear_notifications()
            await pilot.press(TO_A_DECIDABLE_REQUEST, key)
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)  # no dialog, no form
            assert refusals(app) == [
                "Only a clerk or a GP may decide a request; you are demo-manager (a manager)"
            ]
        await pilot.press("f1")
        shown = str(app.screen.query_one("Static").render())
        assert (
            "Accept: Record the policy's suggestion, with letters (not yours: only a clerk "
            in shown
        )
        await pilot.press("escape")
        [accept] = [c for c in app.get_system_commands(app.screen) if c.title == "Accept"]
        assert accept.help == "Not yours: only a clerk or a GP may decide a request"
        app.clear_notifications()
        accept.callback()  # from the palette: said, as its key does
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert refusals(app) == [
            "Only a clerk or a GP may decide a request; you are demo-manager (a manager)"
        ]
    manager.close()


async def test_a_clerk_sees_the_gps_and_managers_actions_greyed_and_switching_user_lights_them(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert enabled(app, "accept")
        await pilot.press("f4")
        await settle(pilot)
        assert not enabled(app, "export") and not enabled(app, "report")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)  # no "export to where?" first
        assert refusals(app) == [
            "Only a manager may export the decision log, its letters or the report; "
            "you are demo-clerk (a clerk)"
        ]
        await pilot.press("f6")
        await settle(pilot)
        assert not enabled(app, "reload")
        assert "only a manager may see the statistics" in refusals(app)[-1]
        await pilot.press("f9", "down", "down", "enter")  # the demo's manager
        await settle(pilot)
        assert enabled(app, "reload")
        await pilot.press("f4")
        await settle(pilot)
        assert enabled(app, "export")


async def test_a_clerk_on_gp_review_may_not_decide_and_is_told_before_the_note(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await type_into(pilot, "Supply short")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert not enabled(app, "accept") and not enabled(app, "override")
        app.clear_notifications()
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert refusals(app) == [
            "Only a GP may decide a request flagged for a GP; you are demo-clerk (a clerk)"
        ]


async def test_a_clerk_deciding_otherwise_on_a_request_for_a_gp_is_told_before_the_form(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)  # the oldest demo request is for a GP
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        [refusal] = refusals(app)
        assert refusal.startswith("only a GP may decide DEMO-")


# --- small terminals ------------------------------------------------------------------------------


async def test_at_80x24_the_queue_keeps_its_search_filters_columns_and_footer_keys(
    demo: Workspace,
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow", "-short")
        assert screen.query_one("#search", Input).outer_size.width >= 20  # 4 columns, once
        for box in screen.query("#filters Select"):
            assert box.region.right <= 80 and box.size.height == 1
        assert not screen.query_one("#detail-pane").display  # Enter shows the request in full
        grid = table(app)
        labels = [c.label.plain for c in grid.columns.values()]
        shown = [label for label in labels if label.strip()][:6]  # not the one-cell mark column
        assert shown == ["Age", "Ref", "Patient", "Category", "Suggests", "Flags"]
        assert (
            sum(c.get_render_width(grid) for c in grid.columns.values() if c.label.plain in shown)
            <= 78
        )
        keys = [key.action for key in screen.query(FooterKey)]
        assert keys[:2] == ["help", "quit"]  # a narrow footer cuts off on the right
        assert "command_palette" in keys


@pytest.mark.parametrize("keys", [(TO_A_DECIDABLE_REQUEST, "o"), ("A",), ("i",)])
async def test_at_80x24_every_dialogs_buttons_are_on_screen(
    demo: Workspace, keys: tuple[str, ...]
) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        # Not settle(): the import picker's folder tree keeps a worker running while it is open.
        for _ in range(100):
            await pilot.pause(0.05)
            buttons = list(app.screen.query("Button"))
            if buttons:
                break
        assert buttons
        for button in buttons:
            region = button.region
            assert region.height and region.bottom <= 24 and region.right <= 80


# --- untrusted text -------------------------------------------------------------------------------

INJECTIONS = {
    "patient_name": "[@click=app.quit]Jane[/]",
    "requester": "O'Brien [/bold]",
    "organisation": "\x1b[2J\x1b]0;pwned\x07Trust",
    "diagnosis": "MGUS [link=https://evil.example]click[/link] {{ 7*7 }}",
    "medications": "[@click=app.quit]aspirin[/]",
    "reply_to": "{% for x in range(3) %}x{% endfor %}",
    "text": "Dear Dr,\n\x1b[31mred\x1b[0m and \u202ereversed\u202c\n[b]not bold[/b]",
}


@pytest.fixture
def hostile(tmp_path: Path, practice: Workspace) -> Workspace:
    path = write_requests_csv(
        tmp_path / "hostile.csv",
        [["[@click=app.quit]R1", "2025-01-14", "9434765919", "1980-01-01", *INJECTIONS.values()]],
        columns=["ref", "received", "nhs_number", "date_of_birth", *INJECTIONS],
    )
    import_files(practice, [path])
    return practice


async def test_untrusted_text_shows_literally_on_every_screen_and_fires_nothing(
    hostile: Workspace,
) -> None:
    app = TriageApp(hostile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "[@click=app.quit]R1" in column(app, "Ref")
        detail = detail_text(app)
        assert "Patient: [@click=app.quit]Jane[/]" in detail
        assert "From: O'Brien [/bold]" in detail
        assert "\\x1b[2J\\x1b]0;pwned\\x07Trust" in detail
        assert "MGUS [link=https://evil.example]click[/link] {{ 7*7 }}" in detail
        assert "\x1b" not in detail and "\u202e" not in detail
        await pilot.click("#queue", offset=(30, 1))
        await pilot.click("#detail", offset=(12, 2))
        await pilot.press("enter")  # the request screen, with its letters
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        received = str(app.screen.query_one("#received").render())
        assert "[@click=app.quit]aspirin[/]" in received
        letters = "".join(
            app.screen.query_one(f"#letter-{kind}", TextArea).text
            for kind in ("specialist", "patient", "sms")
        )
        assert "{{ 7*7 }}" in letters and "49" not in letters
        assert "\x1b" not in letters
        await pilot.click("#received", offset=(10, 2))
        await pilot.press("f")  # flag it, so it shows on the GP's list and in the log
        await type_into(pilot, "check")
        await pilot.press("enter")
        await settle(pilot)
        for key in ("f3", "f4", "f5"):
            await pilot.press(key)
            await settle(pilot)
            if key == "f5":  # what another policy would do with it
                await pilot.press("s")
                app.screen.query_one(Input).value = "dorset-gp-alliance"
                await pilot.press("enter")
                await settle(pilot)
            screenshot = app.export_screenshot().replace("&#160;", " ")
            assert "\x1b" not in screenshot
            assert "[@click=app" in screenshot  # as written (narrow columns cut it short)
        assert app.is_running


# --- snapshots ------------------------------------------------------------------------------------


# Every screen and the main dialogs at the two sizes people use: a small terminal and a roomy one.
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
Size = tuple[int, int]


@SIZES
def test_queue_screen_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=settle)


@SIZES
def test_queue_as_a_manager_snapshot(
    demo: Workspace, snap_compare: SnapCompare, size: Size
) -> None:
    """Deciding is for clerks and GPs: the manager's footer greys it."""
    manager = open_workspace(None, "demo-manager", demo=True, clock=PINNED)
    assert snap_compare(TriageApp(manager), terminal_size=size, run_before=settle)
    manager.close()


@SIZES
def test_request_screen_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def open_first(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=open_first)


@SIZES
def test_gp_review_screen_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def flag_then_review(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f")
        await type_into(pilot, "Supply short")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pilot.app.clear_notifications()  # a toast times out sooner on a busy machine

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=flag_then_review)


@SIZES
def test_log_screen_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def decide_then_log(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        pilot.app.clear_notifications()  # a toast times out sooner on a busy machine

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=decide_then_log)


@SIZES
def test_policy_screen_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def policy(pilot: Pilot[None]) -> None:
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=policy)


@SIZES
def test_statistics_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def decide_then_stats(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")
        await settle(pilot)
        await pilot.press("f9", "down", "down", "enter")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        pilot.app.clear_notifications()  # a toast times out sooner on a busy machine

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=decide_then_stats)


@SIZES
def test_help_snapshot(demo: Workspace, snap_compare: SnapCompare, size: Size) -> None:
    async def help_panel(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f1")

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=help_panel)


def steady_cursors(pilot: Pilot[None]) -> None:
    """A focused box's cursor blinks: caught on or off, a snapshot would differ run to run."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


# The dialogs, each opened by its key on the queue (the first decidable request, for a clerk).
DIALOG_KEYS = {
    "override": (TO_A_DECIDABLE_REQUEST, "o"),
    "note": (TO_A_DECIDABLE_REQUEST, "f"),
    "confirm": ("A",),
    "choice": ("f9",),
}
# Not the import picker (i): its folder tree shows the machine's home folder, and keeps a
# worker running while open; tests/test_file_picker.py and the 80x24 test above check it fits.


@SIZES
@pytest.mark.parametrize("dialog", list(DIALOG_KEYS))
def test_dialog_snapshot(
    demo: Workspace, snap_compare: SnapCompare, size: Size, dialog: str
) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*DIALOG_KEYS[dialog])
        await settle(pilot)
        steady_cursors(pilot)

    assert snap_compare(TriageApp(demo), terminal_size=size, run_before=open_dialog)


@SIZES
def test_details_dialog_snapshot(
    practice: Workspace, snap_compare: SnapCompare, size: Size
) -> None:
    import_files(practice, [SAMPLES / "fhir-nhs" / "eRS-r4-ResponseExampleReferral.json"])

    async def open_details(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.sub_title = "cleo (clerk) · practice.db"  # not the test's own temporary folder
        pilot.app.screen.query_one("#status", Select).value = "needs_details"
        await settle(pilot)
        pilot.app.screen.query_one("#queue", DataTable).focus()
        await pilot.press("d")
        await settle(pilot)
        steady_cursors(pilot)

    assert snap_compare(TriageApp(practice), terminal_size=size, run_before=open_details)


async def test_import_and_apply_all_run_in_the_background_with_progress(
    practice: Workspace,
) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        app.screen.query_one(Input).value = str(SAMPLES / "requests.csv")
        await pilot.press("enter", "enter")  # onto the picker's list, then imported
        await picked(pilot)
        assert table(app).row_count == 16
        await pilot.press("A")
        await settle(pilot)  # a dry run first: the question says what applying will do
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one(Static).render())
        assert "3 open requests will be decided" in question
        assert "13 sent to a GP" in question
        await pilot.press("y")
        await settle(pilot)
        # S04 and S05 redirected and S06 declined; the rest wait for a GP.
        assert sorted(ref for ref, status in statuses(practice).items() if status == "decided") == [
            "S04",
            "S05",
            "S06",
        ]
        assert "13 awaiting GP" in str(app.screen.query_one("#counts").render())
        await pilot.press("i")
        app.screen.query_one(Input).value = str(SAMPLES / "requests-bad.csv")
        await pilot.press("enter", "enter")
        await picked(pilot)  # refused: the problems are shown, nothing is imported
        assert len(statuses(practice)) == 16
        assert table(app, "#problems").row_count == 4  # (tests/test_file_picker.py: the rest)
        await pilot.press("escape")
        await pilot.press("i")
        app.screen.query_one(Input).value = '"unclosed.csv'
        await pilot.press("enter")
        await pilot.pause()  # one message, not a crash
        assert "No closing quotation" in str(app.screen.query_one("#problem").render())
        assert app.is_running


async def test_the_statistics_view_counts_decisions_for_managers(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert column(app, "Category")[1] == "MH bloods"
        await pilot.press(TO_A_DECIDABLE_REQUEST, "a")  # the clerk declines it
        await settle(pilot)
        await pilot.press("f6")  # a clerk is told statistics are for managers
        await settle(pilot)
        assert table(app, "#this-month").row_count == 0
        await pilot.press("f9", "down", "down", "enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert column(app, "decline", "#this-month") == ["1"]
        assert column(app, "Category", "#this-month") == ["mental health bloods/ECG"]


async def test_the_log_screen_exports_xlsx_and_the_report(demo: Workspace) -> None:
    manager = open_workspace(None, "demo-manager", demo=True, clock=PINNED)
    app = TriageApp(manager)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        for key, name in (("x", "log.xlsx"), ("m", "report.html"), ("L", "letters")):
            await pilot.press(key)
            app.screen.query_one(Input).value = str(paths.data_dir() / name)
            await pilot.press("enter")
            await settle(pilot)
            assert (paths.data_dir() / name).exists()
        assert column(app, "Event", "#log")[:3] == ["export", "export", "export"]
    manager.close()


async def test_notifications_quoting_a_request_show_it_literally(
    practice: Workspace, tmp_path: Path
) -> None:
    path = write_requests_csv(
        tmp_path / "escape.csv",
        [["E\x1b[2JX", "2025-01-14", "9434765919", "Ann", "1980-01-01", "Dr R", "Haematology"]],
    )
    import_files(practice, [path])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await type_into(pilot, "check")
        await pilot.press("enter")
        await settle(pilot)
        [message] = [notification.message for notification in app._notifications]
        assert message == "E\\x1b[2JX now waits for a GP."


def test_the_request_shows_what_its_letter_says_of_dates_and_its_kind() -> None:
    request = make_request(
        text="Date: 3 March 2025. Please continue: her next injection is due on 4 April 2025.",
        medications=("Prolia 60mg",),
        request_type=None,
    )
    said = dict(from_the_letter(read(request).written))
    assert said == {
        "Next dose or test": (
            "4 April 2025 ('Please continue: her next injection is due on 4 April 2025')"
        ),
        "Request": "continuation ('please continue')",
    }


# --- letters that need their details ---------------------------------------------------------------


async def test_a_clerk_types_a_letters_missing_nhs_number_and_it_joins_the_queue(
    practice: Workspace, tmp_path: Path
) -> None:
    from tests.letter_factory import clinic_letter, pdf_of

    letter = tmp_path / "letter.pdf"
    letter.write_bytes(pdf_of(clinic_letter().replace("NHS No: 943 476 5919", "")))
    import_files(practice, [letter])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#counts").render()).startswith("nothing matches")
        assert "1 needs details" in str(app.screen.query_one("#counts").render())
        app.screen.query_one("#status", Select).value = "needs_details"
        await settle(pilot)
        assert column(app, "Ref") == ["RHEU/2291/JO"]
        assert "Needs: nhs_number: no NHS number labelled in the letter" in detail_text(app)
        table(app).focus()
        await pilot.press("d")
        await pilot.pause()
        beside = " ".join(str(box.render()) for box in app.screen.query("#details-letter Static"))
        assert "Still needed: nhs_number: no NHS number labelled" in beside
        assert app.focused is not None and app.focused.id == "nhs_number"  # typed at once
        assert "I reviewed Mrs Elliott in clinic today" in beside  # typed from the letter itself
        await pilot.click("#nhs_number")
        await type_into(pilot, "9434765918")  # a typo: the service refuses it, nothing is saved
        await pilot.press("enter")
        await settle(pilot)
        assert statuses(practice)["RHEU/2291/JO"] == "needs_details"
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#nhs_number")
        await type_into(pilot, "9434765919")
        await pilot.press("enter")
        await settle(pilot)
        assert statuses(practice)["RHEU/2291/JO"] == "open"


async def test_the_details_dialog_asks_for_what_is_missing_an_e_referral_s_sender(
    practice: Workspace,
) -> None:
    import_files(practice, [SAMPLES / "fhir-nhs" / "eRS-r4-ResponseExampleReferral.json"])
    app = TriageApp(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#status", Select).value = "needs_details"
        await settle(pilot)
        table(app).focus()
        await pilot.press("d")
        await pilot.pause()
        # The search result gives only the patient's NHS number, and no sender or clinician.
        assert [box.id for box in app.screen.query(Input)] == [
            "patient_name",
            "date_of_birth",
            "organisation",
            "requester",
        ]
        # Four boxes are more than 80x24 shows: the dialog scrolls to each as it is focused.
        for box, typed in (
            ("patient_name", "Ann Example"),
            ("date_of_birth", "03/02/1980"),
            ("organisation", "Rheumatology"),
            ("requester", "Dr J Okafor"),
        ):
            app.screen.query_one(f"#{box}", Input).focus()
            await pilot.pause()
            await pilot.click(f"#{box}")  # visible once focused
            await type_into(pilot, typed)
        await pilot.press("enter")
        await settle(pilot)
        assert statuses(practice)["000000070000"] == "open"


async def test_the_app_watches_the_inbox_folder_and_the_queue_shows_each_letter_that_lands(
    practice: Workspace, tmp_path: Path
) -> None:
    from tests.letter_factory import clinic_letter, pdf_of

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("I")
        await pilot.pause()
        app.screen.query_one("#value", Input).value = str(inbox)
        await pilot.press("enter")
        await pilot.pause()
        assert f"watching {inbox}" in app.sub_title
        (inbox / "letter.pdf").write_bytes(pdf_of(clinic_letter()))
        for _ in range(150):  # imported once settled (2 s), looked at every second
            await pilot.pause(0.1)
            if column(app, "Ref") == ["RHEU/2291/JO"]:
                break
        assert column(app, "Ref") == ["RHEU/2291/JO"]  # the queue shows it without a reload
        assert (inbox / "imported" / "letter.pdf").exists()

        await pilot.press("I")  # again: stop, once asked
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "watching" not in app.sub_title


async def test_a_letters_file_is_saved_from_its_request_exactly_as_it_arrived(
    practice: Workspace, tmp_path: Path
) -> None:
    from tests.letter_factory import clinic_letter, pdf_of

    original = pdf_of(clinic_letter())
    letter = tmp_path / "scan-0042.pdf"
    letter.write_bytes(original)
    import_files(practice, [letter])
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table(app).focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        box = app.screen.query_one("#value", Input)
        assert box.value == "~/scan-0042-original.pdf"  # its own name, offered in the home folder
        box.value = str(tmp_path / "saved.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "saved.pdf").read_bytes() == original
