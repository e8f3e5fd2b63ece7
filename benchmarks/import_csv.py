"""Importing a CSV file: `triage import` against sqlite3's executemany of the same rows.

What is timed: `triage.services.importing.import_files` on one CSV file of `--sizes` requests
(reading, checking every row, leaving out requests already stored, and writing the new ones
with the import's record, as `triage import FILE` does once the database is open), with
SQLite's synchronous=FULL as the product runs it. The file is written as a clinic's system
exports one: every column of docs/import-formats.md in its header, a UTF-8 byte-order mark
(Excel's "CSV UTF-8"), CRLF line ends, and the letter's text in quotes where it needs them; the
requests are the demo's (triage.demo.demo_records), every scenario in turn.

The baseline, in the same run: the very rows the import stored, read back from its database
and inserted into the same schema (an empty copy of the database, its indexes and search
triggers included) with sqlite3's executemany in one transaction, nothing else. Each side runs
in a child process of its own, `--rounds` times, alternately (the best time of each is taken:
the machines are shared); its time is measured inside it (start-up and the program's own
imports left out), in wall and in processor time, and its peak memory (peak RSS, read by the
child itself at the end: Linux's VmHWM, or getrusage elsewhere) includes the interpreter and
everything it imported. How long the import held SQLite's write lock (its one write
transaction, BEGIN IMMEDIATE to COMMIT) is printed too: other writers wait that long. The
ratio import / executemany and the growth of time and memory from one size to the next are the
figures to compare between runs (the aims: at most 2x, and memory that stays flat as the file
grows). Run from the repository root:

    .venv/bin/python benchmarks/import_csv.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from memory import peak_mb

TODAY = date(2026, 11, 27)
HERE = Path(__file__).resolve()


@dataclass(frozen=True)
class Child:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    start_mb: float  # peak RSS when the timed work began: the interpreter and its imports
    locked: float  # seconds the write lock was held, at the longest


@dataclass(frozen=True)
class Side:
    """One side's best of its rounds."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    start_mb: float
    locked: float  # the write lock's longest hold, in the fastest run

    @classmethod
    def best(cls, runs: Sequence[Child]) -> Side:
        fastest = min(runs, key=lambda run: run.seconds)
        return cls(
            fastest.seconds,
            min(run.cpu_seconds for run in runs),
            max(run.peak_mb for run in runs),
            max(run.start_mb for run in runs),
            fastest.locked,
        )


# --- the parent: files, databases and the two children -------------------------------------


def write_csv(path: Path, rows: int) -> None:
    from triage.demo import demo_records
    from triage.intake import COLUMNS

    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)  # CRLF and minimal quoting, as Excel and clinic systems write
        writer.writerow(COLUMNS)
        for record in demo_records(rows, today=TODAY):
            writer.writerow([record.get(column, "") for column in COLUMNS])


def empty_database(path: Path) -> None:
    """The schema as `triage db init` makes it, with a clerk to import as."""
    from triage.clock import SYSTEM_CLOCK
    from triage.models import Role
    from triage.services.workspace import open_database_for

    database = open_database_for(str(path), create=True)
    with database.write() as tx:
        tx.users.add("clerk", Role.CLERK, None, None, SYSTEM_CLOCK.now())
    database.dispose()


def run_child(*arguments: str) -> Child:
    child = subprocess.Popen(
        [sys.executable, str(HERE), "--child", *arguments],
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE.parent.parent,
    )
    output, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"the child {' '.join(arguments)} failed ({child.returncode})")
    report = json.loads(output.strip().splitlines()[-1])
    return Child(
        float(report["seconds"]),
        float(report["cpu_seconds"]),
        report["peak_mb"],
        report["start_mb"],
        float(report["locked"]),
    )


def fresh_copy(empty: Path, path: Path) -> Path:
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(empty, path)
    return path


def measure(rows: int, rounds: int, folder: Path, empty: Path) -> tuple[Side, Side]:
    started = time.perf_counter()
    requests = folder / f"requests-{rows}.csv"
    write_csv(requests, rows)
    size_mb = requests.stat().st_size / 1048576
    print(
        f"wrote {rows:,} rows ({size_mb:.1f} MB of CSV) in "
        f"{time.perf_counter() - started:.1f} s (not timed)",
        flush=True,
    )
    imports, baselines = [], []
    for _ in range(rounds):
        imported = fresh_copy(empty, folder / "import.db")
        imports.append(run_child("import", str(imported), str(requests), str(rows)))
        plain = fresh_copy(empty, folder / "plain.db")
        baselines.append(run_child("baseline", str(imported), str(plain), str(rows)))
    importing, baseline = Side.best(imports), Side.best(baselines)
    print(
        f"{rows:,} rows: import {importing.seconds:.2f} s, executemany {baseline.seconds:.2f} s, "
        f"ratio {importing.seconds / baseline.seconds:.1f}x; peak {importing.peak_mb:,.0f} MB vs "
        f"{baseline.peak_mb:,.0f} MB",
        flush=True,
    )
    print(
        f"  processor time: import {importing.cpu_seconds:.2f} s, executemany "
        f"{baseline.cpu_seconds:.2f} s, ratio {importing.cpu_seconds / baseline.cpu_seconds:.1f}x; "
        f"{rows / importing.seconds:,.0f} rows/s; the write lock held {importing.locked:.2f} s; "
        f"{importing.start_mb:,.0f} MB of the import's peak was there before it began (the "
        "interpreter and the program's modules)",
        flush=True,
    )
    for path in folder.iterdir():
        if path != empty:
            path.unlink()
    return importing, baseline


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side: the best")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        empty = folder / "empty.db"
        empty_database(empty)
        results = [measure(rows, args.rounds, folder, empty) for rows in args.sizes]
    for (small, (first, _)), (large, (second, _)) in itertools.pairwise(
        zip(args.sizes, results, strict=True)
    ):
        print(
            f"{small:,} -> {large:,} rows ({large / small:.0f}x): import took "
            f"{second.seconds / first.seconds:.1f}x as long, its peak memory "
            f"{second.peak_mb / first.peak_mb:.2f}x ({first.peak_mb:,.0f} -> "
            f"{second.peak_mb:,.0f} MB)"
        )
    return 0


# --- the children -----------------------------------------------------------------------------


def child(kind: str, *arguments: str) -> int:
    work = _import if kind == "import" else _executemany
    first, second, rows = Path(arguments[0]), Path(arguments[1]), int(arguments[2])
    seconds, cpu_seconds, start_mb, locked = work(first, second, rows)
    report = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "start_mb": start_mb,
        "peak_mb": peak_mb(),
        "locked": locked,
    }
    print(json.dumps(report))
    return 0


def _import(database_path: Path, requests: Path, rows: int) -> tuple[float, float, float, float]:
    from triage.clock import PRACTICE_TIME, FixedClock
    from triage.services.importing import import_files
    from triage.services.workspace import Workspace, open_database_for

    clock = FixedClock(
        datetime.combine(TODAY, datetime.min.time(), PRACTICE_TIME) + timedelta(hours=9)
    )
    database = open_database_for(str(database_path))
    with database.read() as tx:
        clerk = tx.users.find("clerk")
    assert clerk is not None
    workspace = Workspace(database, clerk, clock=clock)
    held = _transactions(database.engine)
    start_mb = peak_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = import_files(workspace, [requests])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    database.dispose()
    if summary.added != rows or summary.problems:
        raise SystemExit(f"imported {summary.added} of {rows}: {list(summary.problems)[:3]}")
    return seconds, cpu_seconds, start_mb, max(held, default=0.0)


def _transactions(engine: Any) -> list[float]:
    """How long each transaction from now on lasts: the import's one write transaction holds
    SQLite's write lock from its BEGIN IMMEDIATE to its COMMIT (other writers wait)."""
    from sqlalchemy import event

    held: list[float] = []
    began: list[float] = []
    event.listen(engine, "begin", lambda _connection: began.append(time.perf_counter()))
    for end in ("commit", "rollback"):
        event.listen(
            engine, end, lambda _connection: held.append(time.perf_counter() - began.pop())
        )
    return held


def _executemany(imported: Path, plain: Path, rows: int) -> tuple[float, float, float, float]:
    """The requests the import stored, and its record, inserted into the empty copy."""
    import sqlite3

    source = sqlite3.connect(imported)
    target = sqlite3.connect(plain, isolation_level=None)
    target.execute("PRAGMA foreign_keys = ON")
    target.execute("PRAGMA synchronous = FULL")
    assert target.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    start_mb = peak_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    target.execute("BEGIN IMMEDIATE")
    for table in ("imports", "requests"):
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        listed = ", ".join(columns)
        target.executemany(
            f"INSERT INTO {table} ({listed}) VALUES ({', '.join('?' * len(columns))})",
            source.execute(f"SELECT {listed} FROM {table} ORDER BY id"),
        )
    target.execute("COMMIT")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    (stored,) = target.execute("SELECT count(*) FROM requests").fetchone()
    if stored != rows:
        raise SystemExit(f"the baseline stored {stored} of {rows}")
    return seconds, cpu_seconds, start_mb, seconds


if __name__ == "__main__":
    sys.exit(main())
