"""Several workstations at once: the quick part of the concurrency runs (concurrency.py has the
long ones), and a busy SQLite database naming who holds it."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, table_count
from tests.reliability import concurrency
from tests.test_deciding import queue_for_two_clerks


def entries_since(database: Path, seq: int) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        query = "SELECT event, actor FROM log_entries WHERE seq > ? ORDER BY seq"
        return list(connection.execute(query, (seq,)))


def assert_each_request_dealt_with_once(figures: concurrency.Figures) -> None:
    assert figures.problems == []
    assert figures.dealt_with_twice == 0
    assert (figures.dealt_with, figures.open_left) == (figures.requests, 0)
    assert figures.final_apply.startswith("0 open requests")
    assert figures.verify.startswith("The decision log verifies")


def test_four_clerks_applying_at_once_on_sqlite_all_finish_and_each_request_is_dealt_with_once(
    tmp_path: Path,
) -> None:
    figures = concurrency.run(str(tmp_path / "practice.db"), tmp_path, workers=4, requests=120)
    assert figures.runs == 4  # none had to be started again
    assert_each_request_dealt_with_once(figures)


def test_clerks_killed_while_applying_on_sqlite_lose_nothing_and_decide_nothing_twice(
    tmp_path: Path,
) -> None:
    figures = concurrency.run(
        str(tmp_path / "practice.db"),
        tmp_path,
        workers=4,
        requests=1500,  # enough work for four kills, with apply deciding in batches
        kill_every=1.5,
        most_kills=4,
    )
    assert figures.kills == 4, f"only {figures.kills} kills: the test proved little"
    assert_each_request_dealt_with_once(figures)


def test_clerks_killed_while_applying_on_postgres_lose_nothing_and_decide_nothing_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    figures = concurrency.run(
        postgres_url, tmp_path, workers=4, requests=1500, kill_every=1.5, most_kills=4
    )
    assert figures.kills == 4, f"only {figures.kills} kills: the test proved little"
    assert_each_request_dealt_with_once(figures)


def test_a_database_held_too_long_stops_apply_naming_the_holder_and_nothing_is_half_written(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_for_two_clerks(run, db_path)
    entries_before = table_count(db_path, "log_entries")
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.holder", "--db", db_path, "--user", "cleo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None
        holding = holder.stdout.readline().strip()
        assert holding.startswith("holding since ")
        monkeypatch.setenv("TRIAGE_SQLITE_WAIT_SECONDS", "2")
        result = run("--db", db_path, "--user", "cara", "apply")
    finally:
        holder.communicate("\n", timeout=60)
    assert result.status == 1
    since = holding.removeprefix("holding since ")
    assert result.err_lines == [
        f"triage: error: the database is busy: cleo's `holder.py` (pid {holder.pid} on "
        f"{socket.gethostname()}, since {since}) has held it for over 2 s; nothing was saved, "
        "try again"
    ]
    assert table_count(db_path, "decisions") == 0
    assert entries_since(db_path, entries_before) == [  # only the holder's first login
        ("password_set", "cleo"),
        ("login", "cleo"),
    ]
    assert run("--db", db_path, "--user", "cara", "apply").status == 0  # once it is let go
    assert run("--db", db_path, "log", "verify").status == 0
