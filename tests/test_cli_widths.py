"""The command line's tables at 80 and 120 columns: what a clerk decides by (ref, patient,
suggestion, flags, when due, status) always shows, whole; the rest gives way, least important first; and a
long list of files in an error is summarised, not printed on one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Run

KEPT = ("Ref", "Patient", "Suggests", "Flags", "Due", "Status")


@pytest.fixture
def queued(run: Run, db_path: Path) -> Path:
    """The sixteen CSV samples, with a policy in force, so rows have suggestions and flags."""
    assert run("--db", db_path, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", db_path, "import", SAMPLES / "requests.csv").status == 0
    return db_path


def flags_of(run: Run, db: Path) -> set[str]:
    lines = run("--db", db, "queue", "--format", "json").out.splitlines()
    return {flag for line in lines for flag in json.loads(line)["suggestion"]["flags"]}


def header(table: str) -> list[str]:
    return re.split(r"\s{2,}", table.splitlines()[0].strip())


@pytest.mark.parametrize("width", [80, 120])
def test_the_queue_fits_the_terminal_and_keeps_what_a_clerk_decides_by(
    run: Run, queued: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    shown = run("--db", queued, "queue", "--limit", "0").out
    assert max(len(line) for line in shown.splitlines()) <= width
    columns = header(shown)
    assert [column for column in columns if column in KEPT] == list(KEPT)
    # Least important first: at 80 the sender and the NHS number go; at 120 only the sender.
    assert "From" not in columns
    assert ("NHS number" in columns) is (width == 120)
    words = set(shown.split())
    flags = flags_of(run, queued)
    assert flags >= {"gp_confirmation", "under_18"}
    assert all(flag in words or f"{flag}," in words for flag in flags)  # never split
    assert all(f"S{number:02}" in words for number in range(1, 17))  # refs whole too


@pytest.mark.parametrize("width", [80, 120])
def test_policy_simulate_fits_the_terminal_and_keeps_the_suggestion_and_why(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", "weymouth-portland-pcn",
        "--on", "2025-02-01", SAMPLES / "requests.csv",
    )  # fmt: skip
    assert result.status == 0, result.err
    table = result.out.rsplit("\n", 2)[0]
    assert max(len(line) for line in table.splitlines()) <= width
    columns = header(table)
    assert {"Ref", "Suggests", "Flags", "Why"} <= set(columns)
    assert ("Rule" in columns) is (width == 120)
    assert "gp_confirmation" in table.split()


def test_an_error_naming_many_files_names_a_few_and_counts_the_rest(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    bad = (SAMPLES / "requests-bad.csv").read_text()
    files = []
    for number in range(1, 82):
        files.append(tmp_path / f"RL-A{number:02}.csv")
        files[-1].write_text(bad)
    result = run("--db", db_path, "import", *files)
    assert result.status == 1
    last = result.err_lines[-1]
    assert f"in 81 files: {files[0]}, {files[1]}, {files[2]} and 78 more;" in last
    assert str(files[3]) not in last
