"""Shared fixtures. Every test runs with its own data, state and config folders and a fixed
login name, so no test can touch a real user's database."""

from __future__ import annotations

import csv
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests import postgres_server as postgres
from triage.cli import main
from triage.clock import SYSTEM_CLOCK, Clock
from triage.intake import REQUIRED_COLUMNS

SAMPLES = Path(__file__).parent / "data" / "samples"

# The machines are shared and noisy: property tests check behaviour, never timing.
settings.register_profile("triage", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("triage")
OS_LOGIN = "pat"
PASSWORD = "correct horse battery"  # the tests' own


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for variable, folder in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    for variable in (
        "TRIAGE_DB",
        "TRIAGE_USER",
        "TRIAGE_MESH_SETTINGS",
        "TRIAGE_MESH_PASSWORD",
        "TRIAGE_MESH_SHARED_KEY",
        "TRIAGE_LOG_KEY",
    ):
        monkeypatch.delenv(variable, raising=False)
    # getpass.getuser() reads these first: the "OS login" of every test.
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, OS_LOGIN)
    # Every test's people log in with this password, from a private file as a script would
    # (docs/security.md); each chooses it at their first login.
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(password_file))
    monkeypatch.chdir(tmp_path)
    return home


@dataclass
class Ran:
    status: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


Run = Callable[..., Ran]


@pytest.fixture
def clock() -> Clock:
    """The clock the command line runs by: the computer's, unless a test module overrides this
    fixture with a FixedClock (decisions on the day the samples were written for)."""
    return SYSTEM_CLOCK


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], clock: Clock) -> Iterator[Run]:
    """Run the `triage` command line in this process, as a user would type it."""

    def invoke(*args: str | Path) -> Ran:
        with pytest.raises(SystemExit) as exited:
            main([str(arg) for arg in args], clock=clock)
        captured = capsys.readouterr()
        code = exited.value.code
        return Ran(code if isinstance(code, int) else 1, captured.out, captured.err)

    yield invoke


@pytest.fixture
def new_db_path(tmp_path: Path) -> Path:
    """Where a database may be created: nothing is there yet."""
    return tmp_path / "practice.db"


@pytest.fixture
def db_path(run: Run, new_db_path: Path) -> Path:
    """A new database, created as a practice would (`triage --db PATH db init`), by the OS
    login, who is its first manager."""
    assert run("--db", new_db_path, "db", "init").status == 0
    return new_db_path


def write_requests_csv(
    path: Path, rows: Iterable[Sequence[str]], columns: Sequence[str] = REQUIRED_COLUMNS
) -> Path:
    """A request file written with the csv module, so any text (control characters too) can be
    put in a field exactly."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def sqlite_dump(path: Path) -> list[str]:
    """Everything in a database, as SQL: equal dumps mean nothing changed."""
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def table_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server]:
    try:
        server = postgres.start()
    except postgres.Unavailable as why:
        if os.environ.get("TRIAGE_REQUIRE_POSTGRES"):  # CI: a skipped database is a failure
            pytest.fail(str(why))
        pytest.skip(str(why))
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: postgres.Server) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    import psycopg
    from sqlalchemy import make_url

    admin = make_url(postgres_server.admin_url).set(drivername="postgresql")
    name = f"triage_test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(
        admin.render_as_string(hide_password=False), autocommit=True
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name, drivername="postgresql+psycopg").render_as_string(
        hide_password=False
    )
    with psycopg.connect(
        admin.render_as_string(hide_password=False), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


_databases = itertools.count()
