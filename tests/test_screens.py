"""The terminal app, driven as a user drives it (Pilot), and its look pinned (SVG snapshots)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.app import TriageApp
from screens.queue import QueueScreen
from screens.widgets.request_detail import RequestDetail
from tests.conftest import SAMPLES, write_requests_csv
from triage.demo import DEMO_CLERK, build_demo
from triage.importing import import_files
from triage.workspace import Workspace, open_workspace

SnapCompare = Callable[..., bool]
SIZE = (120, 40)


DEMO_DAY = date(2025, 2, 3)


@pytest.fixture
def demo(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    # Suggestions depend on the day (ages, supply dates): pin it so the screens are stable.
    monkeypatch.setattr("triage.queue.practice_today", lambda: DEMO_DAY)
    build_demo(60, today=DEMO_DAY)
    workspace = open_workspace(None, None, demo=True, default_user=DEMO_CLERK)
    yield workspace
    workspace.close()


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Workspace]:
    workspace = open_workspace(str(tmp_path / "practice.db"), None)
    yield workspace
    workspace.close()


async def loaded(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def detail_text(app: TriageApp) -> str:
    return str(app.screen.query_one(RequestDetail).content)


async def test_the_queue_opens_with_every_open_request_oldest_first(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one("#queue", DataTable)
        assert table.row_count == 60
        received = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
        assert received == sorted(received)
        assert app.sub_title == "Pat Jones (clerk) · demo data"


async def test_moving_through_the_queue_shows_each_request_as_received(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        first, second = (str(table.get_row_at(row)[1]) for row in (0, 1))
        assert f"Ref: {first}" in detail_text(app)
        await pilot.press("j")
        assert f"Ref: {second}" in detail_text(app)
        await pilot.press("k")
        assert f"Ref: {first}" in detail_text(app)
        await pilot.press("down")
        assert f"Ref: {second}" in detail_text(app)


async def test_each_request_shows_the_policys_suggestion_and_why(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one("#queue", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]
        under_18 = next(index for index, row in enumerate(rows) if row[5] == "under 18")
        for _ in range(under_18):
            await pilot.press("j")
        shown = detail_text(app)
        assert "Suggests: GP review" in shown
        assert "A GP must review this: the patient is" in shown
        assert "Flags: under_18" in shown
        assert "Reads as: " in shown
        assert "suggestions: dorset-gp-alliance 2024-10" in str(
            app.screen.query_one("#counts").render()
        )


async def test_reload_keeps_the_clerks_place(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        table = app.screen.query_one("#queue", DataTable)
        ref = str(table.get_row_at(3)[1])
        await pilot.press("r")
        await loaded(pilot)
        assert table.cursor_row == 3
        assert f"Ref: {ref}" in detail_text(app)


async def test_reload_reads_new_requests(practice: Workspace) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.screen.query_one("#queue", DataTable).row_count == 0
        import_files(practice, [SAMPLES / "requests.csv"])
        await pilot.press("r")
        await loaded(pilot)
        assert app.screen.query_one("#queue", DataTable).row_count == 16


INJECTIONS = {
    "patient_name": "[@click=app.quit]Jane[/]",
    "requester": "O'Brien [/bold]",
    "organisation": "\x1b[2J\x1b]0;pwned\x07Trust",
    "diagnosis": "[link=https://evil.example]click[/link]",
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


async def test_untrusted_text_shows_literally_and_fires_nothing(hostile: Workspace) -> None:
    app = TriageApp(hostile)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        cells = [str(cell) for cell in app.screen.query_one("#queue", DataTable).get_row_at(0)]
        assert "[@click=app.quit]R1" in cells
        detail = detail_text(app)
        assert "Patient: [@click=app.quit]Jane[/]" in detail
        assert "From: O'Brien [/bold]" in detail
        assert "\\x1b[2J\\x1b]0;pwned\\x07Trust" in detail
        assert "[link=https://evil.example]click[/link]" in detail
        assert "\\x1b[31mred\\x1b[0m and \\u202ereversed\\u202c" in detail
        assert "\x1b" not in detail and "\u202e" not in detail
        # Click the row and the detail pane where the "links" are: nothing may fire.
        await pilot.click("#queue", offset=(30, 1))
        await pilot.click("#detail", offset=(12, 2))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, QueueScreen)
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot and "[@click=app.quit]Jane[/]" in screenshot.replace(
            "&#160;", " "
        )


def test_queue_screen_snapshot(demo: Workspace, snap_compare: SnapCompare) -> None:
    assert snap_compare(TriageApp(demo), terminal_size=SIZE, run_before=loaded)


def test_queue_screen_snapshot_after_moving_down(
    demo: Workspace, snap_compare: SnapCompare
) -> None:
    async def move(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("j", "j", "j")

    assert snap_compare(TriageApp(demo), terminal_size=SIZE, run_before=move)
