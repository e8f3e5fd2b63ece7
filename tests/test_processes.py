"""The installed `triage` program as separate processes: what a shell user and a crash see."""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import OS_LOGIN, SAMPLES
from tests.reliability.crashes import counts, half_saved, open_requests, wait_for_a_decision
from triage.demo import demo_records, write_demo_file
from triage.intake import COLUMNS
from triage.intake.reader import STREAM_CSV_FROM_BYTES

TRIAGE = str(Path(sys.executable).parent / ("triage.exe" if os.name == "nt" else "triage"))
ROWS = 4_000


@pytest.fixture
def environment(isolated_home: Path) -> dict[str, str]:
    return {**os.environ, "LOGNAME": OS_LOGIN, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inbox") / "big.jsonl"
    write_demo_file(path, ROWS, today=date(2025, 2, 3))
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same requests as a clinic's CSV export: over a megabyte, so read as it streams."""
    path = tmp_path_factory.mktemp("inbox") / "big.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for record in demo_records(ROWS, today=date(2025, 2, 3)):
            writer.writerow([record.get(column, "") for column in COLUMNS])
    assert path.stat().st_size > STREAM_CSV_FROM_BYTES
    return path


@pytest.fixture(scope="module")
def slow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough that importing it takes several seconds: time for an interrupt to land."""
    path = tmp_path_factory.mktemp("inbox") / "slow.jsonl"
    write_demo_file(path, 8 * ROWS, today=date(2025, 2, 3))
    return path


def test_the_console_script_runs(environment: dict[str, str]) -> None:
    result = subprocess.run(
        [TRIAGE, "--version"], capture_output=True, text=True, env=environment, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "triage, version 0.1.0")


def test_a_reader_that_stops_early_is_not_an_error_report(
    environment: dict[str, str], big_file: Path, tmp_path: Path
) -> None:
    database = tmp_path / "t.db"
    subprocess.run(
        [TRIAGE, "--db", database, "db", "init"], capture_output=True, env=environment, check=True
    )
    subprocess.run(
        [TRIAGE, "--db", database, "import", big_file],
        capture_output=True,
        env=environment,
        check=True,
    )
    reader = subprocess.Popen(
        [TRIAGE, "--db", database, "queue", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # like `| head -1`
    error = reader.stderr.read().decode()
    reader.wait(timeout=30)
    assert error == ""


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("kind", ["big_file", "big_csv"])
def test_killing_an_import_at_any_moment_never_leaves_half_of_it(
    environment: dict[str, str], kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    big_file: Path = request.getfixturevalue(kind)  # JSON Lines, and CSV read as it streams
    empty = tmp_path / "empty.db"
    subprocess.run(
        [TRIAGE, "--db", empty, "db", "init"], capture_output=True, env=environment, check=True
    )

    def fresh_copy(name: str) -> Path:
        copy = tmp_path / name
        shutil.copy(empty, copy)
        return copy

    started = time.monotonic()
    subprocess.run(
        [TRIAGE, "--db", fresh_copy("timed.db"), "import", big_file],
        capture_output=True,
        env=environment,
        check=True,
    )
    full_import = time.monotonic() - started

    rng = random.Random(20250203)
    outcomes = []
    for attempt in range(12):
        database = fresh_copy(f"killed-{attempt}.db")
        importer = subprocess.Popen(
            [TRIAGE, "--db", database, "import", big_file],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Start-up, reading, checking or saving; mostly before the commit, even when this
        # machine is quicker now than when the import was timed.
        time.sleep(rng.uniform(0.05, 0.7) * full_import)
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        integrity, stored, recorded = counts(database)
        assert integrity == "ok"
        assert stored in (0, ROWS), f"{stored} of {ROWS} requests: an import was half-written"
        assert recorded == stored  # the import record and its requests commit together
        outcomes.append(stored)
        subprocess.run(
            [TRIAGE, "--db", database, "import", big_file],
            capture_output=True,
            env=environment,
            check=True,
        )
        assert counts(database)[1:] == (ROWS, ROWS)  # and a rerun finishes the job, once
    assert 0 in outcomes, f"no kill landed before the commit ({outcomes}); the test proved nothing"


def test_ctrl_c_during_an_import_saves_nothing_and_says_so(
    environment: dict[str, str], slow_file: Path, tmp_path: Path
) -> None:
    database = tmp_path / "t.db"
    subprocess.run(
        [TRIAGE, "--db", database, "db", "init"],
        capture_output=True,
        env=environment,
        check=True,
    )
    importer = subprocess.Popen(
        [TRIAGE, "--db", database, "import", slow_file],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored, and Python keeps it so: give the
        # program the interrupt a person at a terminal would have, whatever ran these tests.
        preexec_fn=_default_interrupt,
    )
    time.sleep(2.0)  # past start-up, well before the end of reading and saving
    importer.send_signal(signal.SIGINT)
    _, error = importer.communicate(timeout=60)
    assert importer.returncode == 130
    assert (
        error.strip().splitlines()[-1]
        == "triage: error: interrupted; anything not yet saved was not saved"
    )
    assert counts(database)[1:] == (0, 0)


# --- deciding: `triage apply` killed at any moment --------------------------------------------

APPLY_REQUESTS = 3000  # enough that kills land while apply works, in batches


@pytest.fixture(scope="module")
def demo_queue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo practice (details set, policy in force) with APPLY_REQUESTS open requests."""
    from triage.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "queue.db"
    build_demo(APPLY_REQUESTS, database_path=path)
    return path


def test_killing_apply_at_any_moment_never_half_saves_and_a_rerun_finishes_once(
    environment: dict[str, str], demo_queue: Path, tmp_path: Path
) -> None:
    database = tmp_path / "apply.db"
    shutil.copy(demo_queue, database)
    command: list[str | Path] = [TRIAGE, "--db", database, "--user", "demo-clerk", "apply"]
    rng = random.Random(20250204)
    progress = []
    for attempt in range(15):
        worker = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if attempt % 2:  # a kill at any moment: often while starting up, on a busy machine
            time.sleep(rng.uniform(0.2, 1.6))
        else:  # a kill once decisions are being saved, however long starting up took
            wait_for_a_decision(database, worker)
            time.sleep(rng.uniform(0.0, 0.3))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert half_saved(database) == []
        progress.append(open_requests(database))
    assert any(0 < left < APPLY_REQUESTS for left in progress), (
        f"no kill landed during the work ({progress}); the test proved nothing"
    )
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    assert finished.stdout.startswith(f"{progress[-1]} open requests")
    assert open_requests(database) == 0
    assert half_saved(database) == []
    verified = subprocess.run(
        [TRIAGE, "--db", database, "--user", "demo-manager", "log", "verify"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr


def test_watch_imports_a_file_as_it_lands_and_stops_cleanly_on_sigterm(
    environment: dict[str, str], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    database = tmp_path / "practice.db"
    subprocess.run(
        [TRIAGE, "--db", database, "db", "init"], capture_output=True, env=environment, check=True
    )
    watcher = subprocess.Popen(
        [TRIAGE, "--db", str(database), "watch", str(inbox)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (inbox / "imported").is_dir() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.copy(SAMPLES / "requests.csv", inbox / "requests.csv")
        while not (inbox / "imported" / "requests.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (inbox / "imported" / "requests.csv").exists()
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, err
    assert "requests.csv: 16 imported, 0 already present; moved to imported/requests.csv" in out
    assert err.strip().endswith(f"stopped watching {inbox}")
