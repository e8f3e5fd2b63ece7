"""The long crash-safety run: `python -m tests.reliability.crashes --kills 100`.

The installed `triage` program killed (SIGKILL, as a power cut or the task manager would) at a
random moment, again and again, while it imports a file, applies the policy to a queue, and
exports the decisions; after every kill the database and the export folder are checked for
anything half-written, and a final run must finish the job exactly once. The quick versions of
the import and apply runs are in tests/test_processes.py; the run prints its figures and ends
with status 1 if anything was half-written.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.conftest import OS_LOGIN, PASSWORD

TRIAGE = str(Path(sys.executable).parent / ("triage.exe" if os.name == "nt" else "triage"))


def counts(database: Path) -> tuple[str, int, int]:
    """The file's integrity, the requests stored, and the requests its imports recorded."""
    with sqlite3.connect(database) as connection:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        (stored,) = connection.execute("SELECT count(*) FROM requests").fetchone()
        (recorded,) = connection.execute(
            "SELECT coalesce(sum(requests_added), 0) FROM imports"
        ).fetchone()
    return integrity, stored, recorded


def half_saved(database: Path) -> list[str]:
    """Every way a decision could have been half-written, as found in the database."""
    checks = {
        "integrity": "SELECT integrity_check FROM pragma_integrity_check "
        "WHERE integrity_check != 'ok'",
        "decision without three letters": "SELECT d.id FROM decisions d "
        "WHERE (SELECT count(*) FROM letters l WHERE l.decision_id = d.id) != 3",
        "decision without its log entry": "SELECT d.id FROM decisions d "
        "LEFT JOIN log_entries e ON e.decision_id = d.id WHERE e.seq IS NULL",
        "decided request without a decision": "SELECT r.ref FROM requests r "
        "WHERE r.status = 'decided' AND NOT EXISTS "
        "(SELECT 1 FROM decisions d WHERE d.request_id = r.id)",
        "request decided twice": "SELECT request_id FROM decisions GROUP BY request_id "
        "HAVING count(*) > 1",
        "request sent to a GP without a log entry": "SELECT r.ref FROM requests r "
        "WHERE r.status = 'awaiting_gp' AND NOT EXISTS "
        "(SELECT 1 FROM log_entries e WHERE e.request_id = r.id AND e.event = 'flag')",
    }
    found = []
    with sqlite3.connect(database) as connection:
        for problem, query in checks.items():
            found += [f"{problem}: {row[0]}" for row in connection.execute(query)]
    return found


def open_requests(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(
            connection.execute("SELECT count(*) FROM requests WHERE status='open'").fetchone()[0]
        )


def wait_for_a_decision(database: Path, worker: subprocess.Popen[bytes]) -> None:
    """Until the worker has saved a decision (or finished, or 30 s have passed)."""
    before = open_requests(database)
    deadline = time.monotonic() + 30
    while worker.poll() is None and time.monotonic() < deadline:
        if open_requests(database) < before:
            return
        time.sleep(0.02)


@dataclass
class Figures:
    what: str
    kills: int = 0
    landed_mid_work: int = 0  # kills that landed before the work was all saved
    half_written: int = 0
    final_run_ok: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.what}: {self.kills} kills ({self.landed_mid_work} before the work was all "
            f"saved) in {self.seconds:.0f} s; half-written: {self.half_written}; a final run "
            f"{'finished the job once' if self.final_run_ok else 'FAILED'}"
        )

    @property
    def held(self) -> bool:
        return self.half_written == 0 and self.final_run_ok


class Runner:
    """The program run as a practice's manager would, in a folder of its own."""

    def __init__(self, folder: Path) -> None:
        password_file = folder / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        self.environment = {
            **os.environ,
            **{name: str(folder / name) for name in ("XDG_DATA_HOME", "XDG_STATE_HOME",
                                                      "XDG_CONFIG_HOME", "XDG_CACHE_HOME")},
            **dict.fromkeys(("LOGNAME", "USER", "LNAME", "USERNAME"), OS_LOGIN),
            "TRIAGE_PASSWORD_FILE": str(password_file),
            "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        for name in ("TRIAGE_DB", "TRIAGE_USER"):
            self.environment.pop(name, None)

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TRIAGE, *map(str, args)], env=self.environment, capture_output=True, text=True
        )

    def start(self, *args: str | Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [TRIAGE, *map(str, args)],
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait()


def kill_imports(runner: Runner, folder: Path, kills: int, chance: random.Random) -> Figures:
    from triage.demo import write_demo_file

    rows = 4_000
    big = folder / "big.jsonl"
    write_demo_file(big, rows, today=date(2025, 2, 3))
    empty = folder / "empty.db"
    runner.run("--db", empty, "db", "init").check_returncode()
    timed = folder / "timed.db"
    shutil.copy(empty, timed)
    started = time.monotonic()
    runner.run("--db", timed, "import", big).check_returncode()
    full = time.monotonic() - started
    figures = Figures("import")
    started = time.monotonic()
    for attempt in range(kills):
        database = folder / f"import-{attempt}.db"
        shutil.copy(empty, database)
        importer = runner.start("--db", database, "import", big)
        time.sleep(chance.uniform(0.05, 1.0) * full)
        _kill(importer)
        figures.kills += 1
        integrity, stored, recorded = counts(database)
        if integrity != "ok" or stored not in (0, rows) or recorded != stored:
            figures.half_written += 1
        runner.run("--db", database, "import", big)
        figures.final_run_ok = counts(database)[1:] == (rows, rows)
        figures.landed_mid_work += stored == 0  # before the import's one commit
        database.unlink()
        if not figures.final_run_ok:
            break
    figures.seconds = time.monotonic() - started
    return figures


def kill_applies(runner: Runner, folder: Path, kills: int, chance: random.Random) -> Figures:
    from triage.demo import build_demo

    requests = max(400, 10 * kills)
    database = folder / "apply.db"
    build_demo(requests, database_path=database)
    command = ("--db", database, "--user", "demo-clerk", "apply")
    figures = Figures("apply")
    started = time.monotonic()
    for attempt in range(kills):
        worker = runner.start(*command)
        if attempt % 2:  # at any moment, often while starting up
            time.sleep(chance.uniform(0.2, 1.6))
        else:  # once decisions are being saved
            wait_for_a_decision(database, worker)
            time.sleep(chance.uniform(0.0, 0.3))
        _kill(worker)
        figures.kills += 1
        figures.half_written += bool(half_saved(database))
        figures.landed_mid_work += 0 < open_requests(database) < requests
    finished = runner.run(*command)
    verified = runner.run("--db", database, "--user", "demo-manager", "log", "verify")
    figures.final_run_ok = (
        finished.returncode == 0
        and open_requests(database) == 0
        and not half_saved(database)
        and verified.returncode == 0
    )
    figures.seconds = time.monotonic() - started
    return figures


def kill_exports(runner: Runner, folder: Path, kills: int, chance: random.Random) -> Figures:
    """Exports of a decided queue killed part way: the export file is whole or absent, and the
    next export to the same place removes what the killed one left."""
    from triage.demo import build_demo

    database = folder / "export.db"
    build_demo(2_000, database_path=database)
    runner.run("--db", database, "--user", "demo-clerk", "apply").check_returncode()
    out = folder / "out"
    out.mkdir()
    export = ("--db", database, "--user", "demo-manager", "log", "export", "--out", out / "d.csv")
    started = time.monotonic()
    whole = runner.run(*export)
    whole.check_returncode()
    full = time.monotonic() - started
    expected = _csv_rows(out / "d.csv")
    figures = Figures("export")
    started = time.monotonic()
    for _ in range(kills):
        (out / "d.csv").unlink(missing_ok=True)
        exporter = runner.start(*export)
        time.sleep(chance.uniform(0.1, 1.0) * full)
        _kill(exporter)
        figures.kills += 1
        present = (out / "d.csv").exists()
        if present and _csv_rows(out / "d.csv") != expected:
            figures.half_written += 1
        figures.landed_mid_work += not present  # killed before the export was in place
    finished = runner.run(*export)
    figures.final_run_ok = (
        finished.returncode == 0
        and _csv_rows(out / "d.csv") == expected
        and sorted(path.name for path in out.iterdir()) == ["d.csv"]
    )
    figures.seconds = time.monotonic() - started
    return figures


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as file:
        return sum(1 for _ in csv.reader(file))


RUNS = {"import": kill_imports, "apply": kill_applies, "export": kill_exports}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=100, help="per kind of work")
    parser.add_argument("--only", choices=list(RUNS))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    failed = False
    for name, run in RUNS.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix=f"triage-crash-{name}-") as temporary:
            folder = Path(temporary)
            figures = run(Runner(folder), folder, args.kills, random.Random(args.seed))
        print(figures, flush=True)
        failed |= not figures.held
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
