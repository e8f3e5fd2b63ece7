"""The live queue: a change made on another workstation is seen without reloading by hand,
on SQLite and on PostgreSQL (two workspaces on one database stand for two workstations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

import screens.live
from screens.app import TriageApp
from screens.queue import QueueScreen
from screens.review import ReviewScreen
from tests.conftest import OS_LOGIN, SAMPLES, Run
from tests.test_deciding import PRACTICE, SAMPLE_DAY
from tests.test_screens import SIZE, column, settle
from triage.clock import Clock
from triage.services.changes import change_token
from triage.services.deciding import decide, find_request, flag
from triage.services.importing import import_files
from triage.services.workspace import Workspace, open_workspace


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY


def a_practice(run: Run, url: str) -> str:
    for args in (
        PRACTICE,
        ("policy", "activate", "weymouth-portland-pcn"),
        ("users", "add", "cleo", "--role", "clerk"),
    ):
        assert run("--db", url, *args).status == 0
    assert run("--db", url, "import", SAMPLES / "requests.csv").status == 0
    return url


@pytest.fixture
def practice(run: Run, db_path: Path) -> Iterator[Workspace]:
    """The samples in the queue, worked by cleo, a clerk, at this workstation."""
    workspace = open_workspace(a_practice(run, str(db_path)), "cleo", clock=SAMPLE_DAY)
    yield workspace
    workspace.close()


def tokens_follow_another_workstation(url: str) -> None:
    here = open_workspace(url, OS_LOGIN, clock=SAMPLE_DAY)  # the manager's screen
    there = open_workspace(url, "cleo", clock=SAMPLE_DAY)  # a clerk at another desk
    try:
        before = change_token(here)
        assert change_token(here) == before  # nothing happened: nothing to refresh
        decide(there, find_request(there, "S04").id)
        decided = change_token(here)
        assert decided != before
        flag(there, find_request(there, "S07").id, "please look at the eGFR")
        assert change_token(here) != decided
        flagged = change_token(here)
        import_files(there, [SAMPLES / "requests.json"])
        assert change_token(here) != flagged
    finally:
        here.close()
        there.close()


def test_a_decision_flag_or_import_elsewhere_moves_the_token_on_sqlite(
    run: Run, db_path: Path
) -> None:
    tokens_follow_another_workstation(a_practice(run, str(db_path)))


@pytest.mark.postgres
def test_a_decision_flag_or_import_elsewhere_moves_the_token_on_postgres(
    run: Run, postgres_url: str
) -> None:
    tokens_follow_another_workstation(a_practice(run, postgres_url))


async def test_the_queue_shows_a_decision_made_elsewhere_keeping_the_cursor(
    practice: Workspace, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens.live, "POLL_SECONDS", 0.05)
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        refs = column(app, "Ref")
        await pilot.press(*["j"] * refs.index("S10"))  # the clerk is on S10
        elsewhere = open_workspace(str(db_path), "cleo", clock=SAMPLE_DAY)
        decide(elsewhere, find_request(elsewhere, "S04").id)  # a colleague redirects S04
        elsewhere.close()
        await pilot.pause(0.3)
        await settle(pilot)
        assert "S04" not in column(app, "Ref")  # without pressing r
        grid = app.screen.query_one("#queue", DataTable)
        assert column(app, "Ref")[grid.cursor_row] == "S10"


async def test_gp_review_shows_a_request_sent_to_a_gp_elsewhere(
    practice: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens.live, "POLL_SECONDS", 0.05)
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "S07" not in column(app, "Ref")
        flag(practice, find_request(practice, "S07").id, "please look at the eGFR")
        await pilot.pause(0.3)
        await settle(pilot)
        assert "S07" in column(app, "Ref")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item for each page the queue (or GP review) reads."""
    counted: list[int] = []
    read_page = QueueScreen.read_page

    def counting(screen: QueueScreen, *args: Any) -> Any:
        counted.append(1)
        return read_page(screen, *args)

    monkeypatch.setattr(QueueScreen, "read_page", counting)
    return counted


async def test_the_queue_does_not_read_again_what_its_own_reload_has_shown(
    practice: Workspace, reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens.live, "POLL_SECONDS", 0.05)
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * column(app, "Ref").index("S04"))
        before = len(reads)
        await pilot.press("a")  # the clerk's own decision: the queue reloads once
        await settle(pilot)
        await pilot.pause(0.4)  # several looks for changes
        await settle(pilot)
        assert "S04" not in column(app, "Ref")  # it was decided
        assert len(reads) == before + 1  # not again for the change that reload has shown


async def test_back_from_a_request_the_queue_is_read_again_only_if_something_changed(
    practice: Workspace, reads: list[int]
) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = len(reads)
        await pilot.press("enter")  # only looked at
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(reads) == first  # the page as it was: nothing moved
        await pilot.press("enter")
        await settle(pilot)
        decide(practice, find_request(practice, "S04").id)  # meanwhile, at another desk
        await pilot.press("escape")
        await settle(pilot)
        assert len(reads) == first + 1
        assert "S04" not in column(app, "Ref")
