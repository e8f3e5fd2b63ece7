"""The inbox folder: each settled file imported on its own and moved; a file still being written
left alone; a restart after importing but before moving adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Run, table_count
from tests.letter_factory import clinic_letter, pdf_of
from triage.services.importing import import_files
from triage.services.inbox import SETTLE_SECONDS, Inbox, import_arrivals
from triage.services.workspace import Workspace, open_workspace


@pytest.fixture
def workspace(db_path: Path) -> Workspace:
    return open_workspace(str(db_path), None)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_watch_once_imports_each_file_and_moves_it_with_a_reason_when_refused(
    run: Run, db_path: Path, inbox: Path
) -> None:
    (inbox / "letter.pdf").write_bytes(pdf_of(clinic_letter()))
    (inbox / "broken.csv").write_text("ref,received,nhs_number\nX1,not a date,1\n")
    (inbox / "still-copying.pdf.part").write_bytes(b"%PDF-1.4 half")
    ran = run("--db", db_path, "watch", "--once", inbox)
    assert ran.status == 0, ran.err
    assert "letter.pdf: 1 imported, 0 already present; moved to imported/letter.pdf" in ran.out
    assert "broken.csv: not imported: " in ran.out
    assert "broken.csv:1: patient_name: required column missing (and 3 more)" in ran.out
    assert "moved to failed/broken.csv (why: failed/broken.csv.reason.txt)" in ran.out
    reason = (inbox / "failed" / "broken.csv.reason.txt").read_text()
    assert "broken.csv:1: organisation: required column missing" in reason
    assert sorted(path.name for path in inbox.iterdir()) == [
        "failed", "imported", "still-copying.pdf.part",
    ]  # fmt: skip
    assert table_count(db_path, "requests") == 1


def test_a_file_still_being_written_waits_until_it_settles(
    workspace: Workspace, inbox: Path
) -> None:
    watched = Inbox(inbox)
    path = inbox / "requests.csv"
    path.write_bytes((SAMPLES / "requests.csv").read_bytes()[:200])  # half of it so far
    assert import_arrivals(workspace, watched, now=100.0) == []  # first seen
    path.write_bytes((SAMPLES / "requests.csv").read_bytes())  # the copy finishes
    assert import_arrivals(workspace, watched, now=100.0 + SETTLE_SECONDS) == []  # it changed
    assert import_arrivals(workspace, watched, now=100.0 + SETTLE_SECONDS + 0.5) == []
    [arrival] = import_arrivals(workspace, watched, now=100.0 + 2 * SETTLE_SECONDS + 1)
    assert arrival.summary is not None and arrival.summary.added == 16
    assert arrival.moved_to == inbox / "imported" / "requests.csv"


def test_a_restart_between_importing_and_moving_adds_nothing(
    workspace: Workspace, inbox: Path, db_path: Path
) -> None:
    path = inbox / "letter.pdf"
    path.write_bytes(pdf_of(clinic_letter()))
    import_files(workspace, [path])  # then the watcher stopped before moving the file
    watched = Inbox(inbox)
    import_arrivals(workspace, watched, now=0.0)
    [arrival] = import_arrivals(workspace, watched, now=SETTLE_SECONDS)
    assert arrival.summary is not None
    assert (arrival.summary.added, arrival.summary.already_present) == (0, 1)
    assert table_count(db_path, "requests") == 1


def test_a_file_of_the_same_name_already_imported_keeps_both(
    workspace: Workspace, inbox: Path
) -> None:
    watched = Inbox(inbox)
    (inbox / "imported" / "letter.pdf").write_bytes(b"an earlier letter")
    (inbox / "letter.pdf").write_bytes(pdf_of(clinic_letter()))
    import_arrivals(workspace, watched, now=0.0)
    [arrival] = import_arrivals(workspace, watched, now=SETTLE_SECONDS)
    assert arrival.moved_to.name == "letter.1.pdf"
    assert (inbox / "imported" / "letter.pdf").read_bytes() == b"an earlier letter"


def test_watching_a_folder_that_is_not_there_is_one_clear_line(run: Run, tmp_path: Path) -> None:
    ran = run("watch", "--once", tmp_path / "nowhere")
    assert ran.status == 1
    assert ran.err.strip().endswith(f"{tmp_path / 'nowhere'} is not a folder")
