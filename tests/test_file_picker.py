"""Importing from the app: files picked from a folder tree or by pattern, the good rows of a
file with problems, and a refusal's problems kept on screen until read.

(A picker's folder tree keeps a worker running while it is open, so these tests pause rather
than wait for every worker.)"""

from __future__ import annotations

import csv
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, DirectoryTree, Input

from screens.app import TriageApp
from screens.file_picker import FilePicker, ImportProblems, files_in_words
from tests import test_screens
from tests.conftest import SAMPLES
from tests.test_screens import column, picked, settle, statuses, table
from triage.services.workspace import Workspace

NARROW = (80, 24)
practice = test_screens.practice  # the practice the screens' tests use, worked by a clerk


async def open_picker_in(pilot: Pilot[None], folder: Path) -> FilePicker:
    await settle(pilot)
    await pilot.press("i")
    picker = pilot.app.screen
    assert isinstance(picker, FilePicker)
    picker.query_one("#pattern", Input).value = str(folder)
    await pilot.press("enter")  # a folder: the tree goes there
    await pilot.pause(0.3)
    return picker


def with_one_bad_date(tmp_path: Path) -> Path:
    """The sixteen samples, S03's received date written the British way: one bad row."""
    with (SAMPLES / "requests.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    received = rows[0].index("received")
    assert rows[3][0] == "S03"
    rows[3][received] = "14/01/2025"
    path = tmp_path / "one-bad-row.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return path


async def test_a_file_picked_from_the_folder_tree_is_imported(practice: Workspace) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=NARROW) as pilot:
        picker = await open_picker_in(pilot, SAMPLES)
        tree = picker.query_one(DirectoryTree)
        shown = [str(node.label) for node in tree.root.children]
        assert "requests.csv" in shown and "fhir" in shown
        assert "README.md" not in shown  # only what the importer reads, and folders
        tree.focus()
        await pilot.press(*["down"] * shown.index("requests.csv"), "down", "enter")
        await pilot.pause(0.3)
        assert picker.chosen == [SAMPLES / "requests.csv"]
        assert "1 file: requests.csv" in str(picker.query_one("#chosen").render())
        # The picker fits 80x24: its list, its tick box and its buttons are on screen.
        for selector in ("#tree", "#skip-invalid", "#ok", "#cancel"):
            region = picker.query_one(selector).region
            assert region.height > 0 and region.bottom <= NARROW[1] and region.right <= 80
        await pilot.click("#ok")
        await picked(pilot)
        assert table(app).row_count == 16


async def test_a_pattern_chooses_every_file_it_matches(practice: Workspace) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=NARROW) as pilot:
        picker = await open_picker_in(pilot, SAMPLES)
        picker.query_one("#pattern", Input).value = str(SAMPLES / "requests.json*")
        await pilot.press("enter")
        await pilot.pause()
        assert picker.chosen == [SAMPLES / "requests.json", SAMPLES / "requests.jsonl"]
        picker.query_one("#pattern", Input).value = str(SAMPLES / "*.nothing")
        await pilot.press("enter")
        await pilot.pause()
        assert "Nothing is there" in str(picker.query_one("#problem").render())
        picker.query_one("#pattern", Input).value = ""
        await pilot.press("enter")  # an empty box: import what is chosen
        await picked(pilot)
        assert len(statuses(practice)) == 16  # the same sixteen requests, in two formats


async def test_a_refused_files_problems_stay_until_read_and_its_good_rows_can_follow(
    practice: Workspace, tmp_path: Path
) -> None:
    bad = with_one_bad_date(tmp_path)
    app = TriageApp(practice)
    async with app.run_test(size=NARROW) as pilot:
        picker = await open_picker_in(pilot, tmp_path)
        picker.query_one("#pattern", Input).value = str(bad)
        await pilot.press("enter", "enter")
        await picked(pilot)
        assert statuses(practice) == {}  # all or nothing, by default
        await pilot.pause(9)  # after any notification would have gone (8 s)
        assert isinstance(app.screen, ImportProblems)
        assert column(app, "File", "#problems") == ["one-bad-row.csv"]
        assert column(app, "Row", "#problems") == ["4"]
        assert column(app, "Field", "#problems") == ["received"]
        assert "is not an ISO 8601 date" in column(app, "Problem", "#problems")[0]
        heading = str(app.screen.query_one(".dialog-title").render())
        assert heading.startswith("Nothing imported: 1 problem in one-bad-row.csv.")
        await pilot.press("g")  # import the good rows instead
        await settle(pilot)
        assert len(statuses(practice)) == 15 and "S03" not in statuses(practice)
        assert isinstance(app.screen, ImportProblems)  # what was left out, still listed
        heading = str(app.screen.query_one(".dialog-title").render())
        assert heading == "15 requests imported; 1 row not, for 1 problem:"
        await pilot.press("escape")
        assert not isinstance(app.screen, ImportProblems)


async def test_the_tick_imports_the_good_rows_at_once(practice: Workspace, tmp_path: Path) -> None:
    bad = with_one_bad_date(tmp_path)
    app = TriageApp(practice)
    async with app.run_test(size=NARROW) as pilot:
        picker = await open_picker_in(pilot, tmp_path)
        picker.query_one("#skip-invalid", Checkbox).value = True
        picker.query_one("#pattern", Input).value = str(bad)
        await pilot.press("enter", "enter")
        await picked(pilot)
        assert len(statuses(practice)) == 15
        assert column(app, "Row", "#problems") == ["4"]


async def test_a_file_refused_whole_offers_no_good_rows(practice: Workspace) -> None:
    app = TriageApp(practice)
    async with app.run_test(size=NARROW) as pilot:
        picker = await open_picker_in(pilot, SAMPLES)
        picker.query_one("#pattern", Input).value = str(SAMPLES / "requests-bad.csv")
        await pilot.press("enter", "enter")
        await picked(pilot)
        assert isinstance(app.screen, ImportProblems)
        assert column(app, "Field", "#problems") == [
            "colour",
            "received",
            "ref",
            "request_type",
        ]
        assert not app.screen.query("#good-rows")  # a header not understood: no row is good
        await pilot.press("g")
        assert isinstance(app.screen, ImportProblems)
        assert statuses(practice) == {}


def test_many_chosen_files_are_summarised() -> None:
    files = [Path(f"RL-A{n:02}.pdf") for n in range(1, 82)]
    assert files_in_words(files) == "81 files: RL-A01.pdf, RL-A02.pdf, RL-A03.pdf and 78 more"
    assert files_in_words(files[:1]) == "1 file: RL-A01.pdf"
