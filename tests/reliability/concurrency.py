"""Several workstations applying the policy at once to one database, on SQLite or PostgreSQL,
optionally with workers killed (SIGKILL) at random moments and started again; then checks that
every request was dealt with exactly once and that the decision log verifies.

    python -m tests.reliability.concurrency --workers 8 --requests 10000 --db sqlite [--kill]
    python -m tests.reliability.concurrency --workers 8 --requests 10000 --db postgresql [--kill]

Each worker is the installed `triage` program, run as its own clerk: `triage --db URL --user
clerkN apply`. PostgreSQL runs on a throwaway server (tests/postgres_server.py). Prints the
figures docs/reliability.md §9 records, and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from db import parse_database_url
from tests import postgres_server
from triage.demo import DEMO_POLICY, DEMO_PRACTICE, write_demo_file
from triage.models import Role
from triage.services.auth import PasswordFile
from triage.services.importing import import_files
from triage.services.policy import activate_policy
from triage.services.practice import set_practice_details
from triage.services.workspace import add_user, open_workspace

TRIAGE = str(Path(sys.executable).parent / ("triage.exe" if os.name == "nt" else "triage"))
PASSWORD = "a long test password"

# Every way a request could have been dealt with twice, or half-written, as found afterwards.
TWICE = ("decided twice", "sent to a GP twice", "decided and sent to a GP")
PROBLEMS = {
    "decided twice": "SELECT request_id FROM decisions GROUP BY request_id HAVING count(*) > 1",
    "sent to a GP twice": "SELECT request_id FROM log_entries WHERE event = 'flag' "
    "GROUP BY request_id HAVING count(*) > 1",
    "decided and sent to a GP": "SELECT d.request_id FROM decisions d JOIN log_entries e "
    "ON e.request_id = d.request_id AND e.event = 'flag'",
    "decision without three letters": "SELECT d.id FROM decisions d "
    "WHERE (SELECT count(*) FROM letters l WHERE l.decision_id = d.id) != 3",
    "decision without its log entry": "SELECT d.id FROM decisions d "
    "WHERE NOT EXISTS (SELECT 1 FROM log_entries e WHERE e.decision_id = d.id)",
    "decided request without a decision": "SELECT r.ref FROM requests r "
    "WHERE r.status = 'decided' AND NOT EXISTS "
    "(SELECT 1 FROM decisions d WHERE d.request_id = r.id)",
    "sent to a GP without a log entry": "SELECT r.ref FROM requests r "
    "WHERE r.status = 'awaiting_gp' AND NOT EXISTS "
    "(SELECT 1 FROM log_entries e WHERE e.request_id = r.id AND e.event = 'flag')",
}


@dataclass
class Figures:
    database: str
    workers: int
    requests: int
    kill: bool
    manager: str = ""
    kills: int = 0
    runs: int = 0  # worker processes started, the respawned ones included
    seconds: float = 0.0
    decided: int = 0  # requests with a decision
    sent_to_gp: int = 0
    open_left: int = 0  # after the workers and a final clean apply
    final_apply: str = ""  # what that final apply said
    dealt_with_twice: int = 0  # requests decided twice, sent to a GP twice, or both
    log_entries: int = 0
    verify: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def dealt_with(self) -> int:
        return self.decided + self.sent_to_gp

    def table(self) -> str:
        rows = [
            ("database", self.database),
            ("workers", self.workers),
            ("requests", self.requests),
            ("kills", self.kills),
            ("worker runs", self.runs),
            ("seconds", f"{self.seconds:.1f}"),
            ("decided", self.decided),
            ("sent to a GP", self.sent_to_gp),
            ("dealt with twice", self.dealt_with_twice),
            ("open left", self.open_left),
            ("final apply", self.final_apply),
            ("log entries", self.log_entries),
            ("log verify", self.verify),
            ("problems", "; ".join(self.problems[:10]) or "none"),
        ]
        return "\n".join(f"{name:>16}: {value}" for name, value in rows)


def environment(folder: Path) -> dict[str, str]:
    """A practice's private folders and the people's password, in a private file."""
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    env = {**os.environ, "TRIAGE_PASSWORD_FILE": str(password_file), "PYTHONUNBUFFERED": "1"}
    for variable, name in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        env[variable] = str(folder / name)
    for variable in ("TRIAGE_DB", "TRIAGE_USER"):
        env.pop(variable, None)
    return env


def triage(env: dict[str, str], url: str, *args: str | Path) -> str:
    """Run the program to the end; its output, or SystemExit with its error."""
    done = subprocess.run(
        [TRIAGE, "--db", url, *map(str, args)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"triage {' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done.stdout


def fill(url: str, folder: Path, workers: int, requests: int) -> str:
    """A practice as its manager sets one up, through the service API (in this process, which
    is quicker than a command each): the database, a clerk per worker, the practice's details,
    a policy and the requests. Returns the manager's name (the OS login: the first run's)."""
    password_file = folder / "password"
    workspace = open_workspace(url, None, passwords=PasswordFile(password_file), create=True)
    try:
        for number in range(1, workers + 1):
            add_user(workspace, f"clerk{number}", Role.CLERK, None, password_file)
        set_practice_details(workspace, DEMO_PRACTICE, None)
        activate_policy(workspace, DEMO_POLICY)
        requests_file = folder / "requests.jsonl"
        write_demo_file(requests_file, requests, today=workspace.clock.today())
        import_files(workspace, [requests_file])
        return workspace.user.name
    finally:
        workspace.close()


def apply_together(
    env: dict[str, str],
    url: str,
    figures: Figures,
    *,
    kill_every: float,
    most_kills: int | None,
    seed: int,
) -> list[str]:
    """Every clerk's `triage apply` at once, until each has finished by itself; with kill_every,
    a random running worker is killed about that often (and started again), up to most_kills
    times. Returns the error of any worker that failed by itself."""
    rng = random.Random(seed)
    failures: list[str] = []

    def start(number: int) -> subprocess.Popen[str]:
        figures.runs += 1
        return subprocess.Popen(
            [TRIAGE, "--db", url, "--user", f"clerk{number}", "apply"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    running = {number: start(number) for number in range(1, figures.workers + 1)}
    next_kill = time.monotonic() + rng.uniform(0.5, 2) * kill_every
    while running:
        time.sleep(0.05)
        for number, worker in list(running.items()):
            if worker.poll() is None:
                continue
            _, err = worker.communicate()
            del running[number]
            if worker.returncode != 0:
                failures.append(f"clerk{number}: {err.strip().splitlines()[-1:]}")
        kills_left = most_kills is None or figures.kills < most_kills
        if kill_every and kills_left and running and time.monotonic() >= next_kill:
            number = rng.choice(sorted(running))
            running[number].send_signal(signal.SIGKILL)
            running[number].communicate()
            figures.kills += 1
            running[number] = start(number)
            next_kill = time.monotonic() + rng.uniform(0.5, 1.5) * kill_every
    return failures


def check(env: dict[str, str], url: str, figures: Figures) -> None:
    """What a practice would look for afterwards: everything dealt with once, the log sound."""
    figures.final_apply = triage(env, url, "--user", "clerk1", "apply").strip()
    verified = subprocess.run(
        [TRIAGE, "--db", url, "--user", figures.manager, "log", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )
    figures.verify = (verified.stdout.strip().splitlines() or [""])[0]
    if verified.returncode != 0:
        figures.problems.append(f"log verify failed: {verified.stderr.strip()}")
    engine = create_engine(parse_database_url(url))
    try:
        with engine.connect() as connection:

            def count(query: str) -> int:
                return int(connection.execute(text(query)).scalar_one())

            for problem, query in PROBLEMS.items():
                found = connection.execute(text(query)).scalars().all()
                if problem in TWICE:
                    figures.dealt_with_twice += len(set(found))
                figures.problems += [f"{problem}: {value}" for value in found[:5]]
            figures.decided = count("SELECT count(DISTINCT request_id) FROM decisions")
            figures.sent_to_gp = count("SELECT count(*) FROM requests WHERE status='awaiting_gp'")
            figures.open_left = count("SELECT count(*) FROM requests WHERE status = 'open'")
            figures.log_entries = count("SELECT count(*) FROM log_entries")
            stored = count("SELECT count(*) FROM requests")
    finally:
        engine.dispose()
    if stored != figures.requests:
        figures.problems.append(f"{stored} requests stored, {figures.requests} imported")
    if figures.dealt_with + figures.open_left != figures.requests:
        figures.problems.append(
            f"{figures.dealt_with} dealt with and {figures.open_left} open of {figures.requests}"
        )


def run(
    url: str,
    folder: Path,
    *,
    workers: int,
    requests: int,
    kill_every: float = 0.0,
    most_kills: int | None = None,
    seed: int = 20250204,
) -> Figures:
    """Fill the database at `url` (empty), apply the policy with `workers` at once, check it."""
    database = "sqlite" if "://" not in url or url.startswith("sqlite") else "postgresql"
    figures = Figures(database, workers, requests, kill=bool(kill_every))
    env = environment(folder)
    figures.manager = fill(url, folder, workers, requests)
    started = time.monotonic()
    figures.problems += apply_together(
        env, url, figures, kill_every=kill_every, most_kills=most_kills, seed=seed
    )
    figures.seconds = time.monotonic() - started
    check(env, url, figures)
    return figures


@contextmanager
def throwaway_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database: a file in `folder`, or a new database on a throwaway server."""
    if kind == "sqlite":
        yield str(folder / "practice.db")
        return
    import psycopg
    from sqlalchemy import make_url

    server = postgres_server.start()
    try:
        admin = make_url(server.admin_url).set(drivername="postgresql")
        with psycopg.connect(
            admin.render_as_string(hide_password=False), autocommit=True
        ) as connection:
            connection.execute('CREATE DATABASE "triage_concurrency"')
        yield admin.set(
            database="triage_concurrency", drivername="postgresql+psycopg"
        ).render_as_string(hide_password=False)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--kill", action="store_true", help="kill random workers as they work")
    parser.add_argument(
        "--kill-every", type=float, default=5.0, help="seconds between kills (about)"
    )
    parser.add_argument("--seed", type=int, default=20250204)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triage-concurrency-") as name:
        folder = Path(name)
        with throwaway_database(arguments.db, folder) as url:
            figures = run(
                url,
                folder,
                workers=arguments.workers,
                requests=arguments.requests,
                kill_every=arguments.kill_every if arguments.kill else 0.0,
                seed=arguments.seed,
            )
    print(figures.table())
    return 1 if figures.problems or figures.open_left else 0


if __name__ == "__main__":
    sys.exit(main())
