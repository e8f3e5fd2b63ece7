"""The database as a practice relies on it: private, durable, migrated, and refusing what is not
its own."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert

from db import HEAD_REVISION, open_database
from db.queries.convert import request_values
from db.schema import _alembic_config
from db.tables import MIGRATION_ONLY_PREFIXES, Base, RequestRow, table_of
from tests.conftest import OS_LOGIN, PASSWORD, SAMPLES, Run, table_count, write_requests_csv
from tests.factories import make_request
from tests.test_deciding import PRACTICE
from triage.intake import read_requests_file
from triage.models import (
    Category,
    Flag,
    ProviderType,
    RequestType,
    Role,
    Source,
    SourceFormat,
    Urgency,
)
from triage.services.auth import PASSWORD_FILE_VARIABLE
from triage.services.workspace import open_database_for


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the common default, under which SQLite makes files 0644
    yield
    os.umask(previous)


@pytest.mark.usefixtures("loose_umask")
def test_a_new_database_and_its_wal_files_are_private(run: Run, db_path: Path) -> None:
    assert run("--db", db_path, "import", SAMPLES / "requests.csv").status == 0
    assert mode(db_path) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = db_path.with_name(db_path.name + suffix)
        if sidecar.exists():
            assert mode(sidecar) == 0o600


@pytest.mark.usefixtures("loose_umask")
def test_the_default_database_lives_in_a_private_data_folder(run: Run, isolated_home: Path) -> None:
    assert run("users", "list").status == 0
    folder = isolated_home / "data" / "shared-care-triage"
    assert mode(folder) == 0o700
    assert mode(folder / "triage.db") == 0o600


def test_connections_use_wal_full_sync_and_foreign_keys(db_path: Path) -> None:
    database = open_database_for(str(db_path))  # as every command opens it
    with database.connection(write=False) as connection:
        settings = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        ]
    database.dispose()
    assert settings == ["wal", 2, 1]  # synchronous=2 is FULL


def test_a_database_readable_by_others_is_made_private_and_the_user_told(
    run: Run, db_path: Path
) -> None:
    run("--db", db_path, "users", "list")
    db_path.chmod(0o644)
    result = run("--db", db_path, "users", "list")
    assert result.status == 0
    assert (
        f"triage: made {db_path} private to its owner (was mode 0644): it holds patient data"
        in result.err
    )
    assert mode(db_path) == 0o600


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(run: Run, tmp_path: Path) -> None:
    imposter = tmp_path / "letters.db"
    imposter.write_bytes(b"Dear Dr Smith, thank you for seeing this patient..." * 50)
    imposter.chmod(0o644)
    before = imposter.read_bytes()
    result = run("--db", imposter, "queue")
    assert result.status == 1
    assert result.err_lines == [
        f"triage: error: {imposter} is not a database file (SQLite cannot read it); it has not been changed"
    ]
    assert imposter.read_bytes() == before and mode(imposter) == 0o644


def test_another_programs_sqlite_database_is_refused_and_left_alone(
    run: Run, tmp_path: Path
) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE appointments (id INTEGER PRIMARY KEY, slot TEXT)")
    foreign.chmod(0o600)
    before = foreign.read_bytes()
    result = run("--db", foreign, "queue")
    assert result.status == 1
    assert result.err_lines == [
        f"triage: error: {foreign} already holds tables that are not this program's (appointments); refusing to change it"
    ]
    assert foreign.read_bytes() == before


def test_a_database_url_that_cannot_be_reached_is_one_clear_line(run: Run) -> None:
    with socket.socket() as probe:  # a port on which nothing is listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = run("--db", f"postgresql://triage:secret@127.0.0.1:{port}/practice", "queue")
    assert result.status == 1
    [line] = result.err_lines
    assert line.startswith(
        f"triage: error: cannot use the database postgresql+psycopg://triage:***@127.0.0.1:{port}/practice: "
    )
    assert "secret" not in result.err
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql+nosuchdriver://x/y", "unknown database type 'mysql+nosuchdriver'"),
        ("sqlite:///:memory:", "an in-memory SQLite database would lose everything; give a file"),
        ("postgresql://[::1", "is not a database URL"),
    ],
)
def test_a_malformed_database_url_is_a_usage_error(run: Run, url: str, message: str) -> None:
    result = run("--db", url, "queue")
    assert result.status == 2
    assert message in result.err


def test_a_path_in_a_missing_folder_is_refused(run: Run, tmp_path: Path) -> None:
    result = run("--db", tmp_path / "no" / "such" / "folder" / "t.db", "db", "init")
    assert result.status == 1
    assert "the folder" in result.err and "does not exist" in result.err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("form", ["{}", "sqlite:///{}"], ids=["path", "url"])
@pytest.mark.parametrize("command", [("queue",), ("import", "x.csv"), ("db", "upgrade")])
def test_a_mistyped_database_path_is_refused_and_no_database_is_made(
    run: Run, new_db_path: Path, form: str, command: tuple[str, ...]
) -> None:
    result = run("--db", form.format(new_db_path), *command)
    assert (result.status, result.out) == (1, "")
    assert result.err_lines == [
        f"triage: error: no database at {new_db_path}: check the path, or create one with "
        f"`triage --db {new_db_path} db init`"
    ]
    assert not new_db_path.exists()


def test_triage_db_reads_the_environment(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_DB", str(db_path))
    assert run("import", SAMPLES / "requests.csv").status == 0
    assert table_count(db_path, "requests") == 16


def test_db_init_creates_and_db_upgrade_then_reports_up_to_date(
    run: Run, new_db_path: Path
) -> None:
    first = run("--db", new_db_path, "db", "init")
    assert (first.status, first.out) == (0, f"{new_db_path}: ready; {OS_LOGIN} may use it.\n")
    again = run("--db", new_db_path, "db", "upgrade")
    assert again.out == f"{new_db_path}: schema {HEAD_REVISION}, up to date.\n"
    assert run("--db", new_db_path, "db", "init").status == 0  # again: nothing changes


def test_a_schema_from_a_newer_version_is_refused(run: Run, db_path: Path) -> None:
    run("--db", db_path, "db", "upgrade")
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    result = run("--db", db_path, "queue")
    assert result.status == 1
    assert "was upgraded by a newer version of this program (schema 9999)" in result.err


def test_migrations_build_exactly_the_tables_the_code_uses(db_path: Path) -> None:
    database = open_database(str(db_path))
    from db import ensure_schema

    ensure_schema(database)
    with database.connection(write=False) as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, _type, _parent: not (name or "").startswith(
                MIGRATION_ONLY_PREFIXES
            )},
        )  # fmt: skip
        differences = compare_metadata(context, Base.metadata)
        heads = ScriptDirectory.from_config(_alembic_config(connection)).get_heads()
    database.dispose()
    assert differences == []
    assert heads == [HEAD_REVISION]


def test_the_first_run_makes_the_login_the_manager(run: Run, new_db_path: Path) -> None:
    created = run("--db", new_db_path, "db", "init")
    assert f"triage: first run: {OS_LOGIN} is now this database's manager" in created.err
    db_path = new_db_path
    result = run("--db", db_path, "users", "list", "--format", "json")
    assert (
        result.out
        == f'{{"name": "{OS_LOGIN}", "role": "manager", "full_name": null, "active": true}}\n'
    )
    assert "first run" not in run("--db", db_path, "users", "list").err


def test_a_database_held_by_another_writer_is_one_clear_line_and_nothing_saved(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_SQLITE_WAIT_SECONDS", "0.2")
    run("--db", db_path, "users", "list")
    other_workstation = sqlite3.connect(db_path, isolation_level=None)
    other_workstation.execute("BEGIN IMMEDIATE")  # someone else is saving
    try:
        result = run("--db", db_path, "import", SAMPLES / "requests.csv")
    finally:
        other_workstation.execute("ROLLBACK")
        other_workstation.close()
    assert result.status == 1
    assert result.err_lines[-1] == (
        "triage: error: the database is busy: another user has held it for over 0.2 s; "
        "nothing was saved, try again"
    )
    assert table_count(db_path, "requests") == 0


NOBODY = 65534
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def reader_folder() -> Iterator[Path]:
    """A folder outside pytest's private ones, so that, when the tests run as root, the
    command can run as a user who is not root (root may write any file)."""
    folder = Path(tempfile.mkdtemp(prefix="triage-reader-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def as_reader(
    folder: Path, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line run by someone who may only read `folder`'s database: the owner of a
    0400 file (or of a 0500 folder); when the tests run as root, nobody, who owns them."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    password_file = reader_password_file(folder, PASSWORD)
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOGNAME": OS_LOGIN,
        "USER": OS_LOGIN,
        "XDG_DATA_HOME": str(home),
        "XDG_STATE_HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "XDG_CACHE_HOME": str(home),
        PASSWORD_FILE_VARIABLE: str(password_file),
        **(env or {}),
    }
    root = os.geteuid() == 0
    if root:
        for path in (home, folder / "out"):
            os.chown(path, NOBODY, NOBODY)
    return subprocess.run(
        [sys.executable, "-c", "from triage.cli.main import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=folder,
        user=NOBODY if root else None,
        check=False,
    )


def reader_password_file(folder: Path, password: str) -> Path:
    """A password file private to whoever `as_reader` runs as."""
    path = folder / f"password-{hashlib.sha256(password.encode()).hexdigest()[:8]}"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    return path


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_database_the_user_may_only_read_is_read_and_refuses_changes(
    run: Run, db_path: Path, reader_folder: Path, read_only: str
) -> None:
    for args in (
        PRACTICE,
        ("import", SAMPLES / "requests.csv"),
        ("policy", "activate", "weymouth-portland-pcn"),
        ("users", "add", "cleo", "--role", "clerk"),
        ("users", "add", "dana", "--role", "gp"),  # who never logs in here
        ("--user", "cleo", "apply"),
    ):
        assert run("--db", db_path, *args).status == 0
    data = reader_folder / "data"
    data.mkdir()
    database = data / "practice.db"
    shutil.copy(db_path, database)
    (reader_folder / "out").mkdir()
    if os.geteuid() == 0:
        for path in (data, database):
            os.chown(path, NOBODY, NOBODY)
    database.chmod(0o400)
    if read_only == "folder":
        database.chmod(0o600)
        data.chmod(0o500)
    before = untouched_dump(database)

    queue = as_reader(reader_folder, "--db", database, "queue")
    assert (queue.returncode, queue.stderr) == (0, "") and "S07" in queue.stdout
    wrong = reader_password_file(reader_folder, "not the password")
    refused = as_reader(
        reader_folder, "--db", database, "queue", env={PASSWORD_FILE_VARIABLE: str(wrong)}
    )
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.splitlines() == [
        f"triage: error: wrong password for {OS_LOGIN} (not counted: the database is read-only)"
    ]
    never_logged_in = as_reader(reader_folder, "--db", database, "--user", "dana", "queue")
    assert never_logged_in.returncode == 1
    assert never_logged_in.stderr.splitlines() == [
        "triage: error: dana has no password yet, and one cannot be chosen on a read-only "
        "database: log in once where the database can be written"
    ]
    verified = as_reader(reader_folder, "--db", database, "log", "verify")
    assert verified.returncode == 0, verified.stderr
    exported = as_reader(
        reader_folder, "--db", database, "log", "export", "--out", reader_folder / "out" / "l.csv"
    )
    assert exported.returncode == 0, exported.stderr
    assert "the database is read-only, so this export is not in its decision log" in (
        exported.stderr
    )
    new = write_requests_csv(
        reader_folder / "new.csv",
        [["N1", "2025-01-14", "9434765919", "Ann Example", "1980-02-03", "Dr A", "Rheumatology"]],
    )
    for change in (("import", new), ("users", "add", "x", "--role", "gp")):
        refused = as_reader(reader_folder, "--db", database, *change)
        assert refused.returncode == 1
        assert refused.stderr.splitlines() == [
            f"triage: error: the database is read-only: you may read {database} but not change "
            "it, so nothing was saved (ask for write access to the file and its folder, or work "
            "on a copy)"
        ]
    data.chmod(0o700)
    wal = data / "practice.db-wal"
    if read_only == "folder":  # nothing may be created: read as immutable
        assert sorted(path.name for path in data.iterdir()) == ["practice.db"]
    else:  # SQLite reads a WAL database through an -shm file it may create; nothing is written
        assert not wal.exists() or wal.stat().st_size == 0
    assert untouched_dump(database) == before


def untouched_dump(path: Path) -> list[str]:
    """The database as SQL, read without creating the -shm file a WAL database is read through
    (the tests may run as root, who could)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as connection:
        return list(connection.iterdump())


def test_requests_are_stored_on_sqlite_as_sqlalchemys_types_would_store_them(
    tmp_path: Path,
) -> None:
    """The import writes SQLite's rows itself (db/queries/requests.py, _sqlite_row): each value
    must be stored as the table's types store it, or the queue would sort, search and read
    them differently."""
    today = date(2025, 2, 3)
    requests = [
        item.request
        for sample in ("requests.csv", "requests.json", "requests.jsonl")
        for item in read_requests_file(SAMPLES / sample, today=today).accepted
    ]
    requests += [
        item.request
        for path in sorted((SAMPLES / "fhir").glob("*ServiceRequest*.json"))
        for item in read_requests_file(path, today=today).accepted
    ]
    letter = Source(
        file="l.pdf", format=SourceFormat.PDF, location="the letter", original_sha256="ab" * 32
    )
    requests += [
        make_request(
            received=datetime(2025, 1, 14, 9, 30, 15, 250 * number, tzinfo=UTC),
            category=Category.DMARD,
            request_type=RequestType.TRANSFER_IN,
            urgency=Urgency.URGENT,
            provider_type=ProviderType.RIGHT_TO_CHOOSE,
            medications=("méthotrexate 15mg", 'folic "acid"'),
            codes=("406506008",),
            diagnosis="Zoë's\nrheumatoid arthritis",
            supply_ends=date(2025, 3, 1),
            procedure_date=date(1999, 12, 31),
            reply_to="x@example.org",
            text="Dear Doctor,\r\n\u2028«please» \U0001f600",
            flags=(Flag.INVALID_NHS_NUMBER,),
            details_needed=("nhs_number: not found in the letter",),
            read_from=("patient_name: page 1: 'Name: Zoë'",),
            born=None,
            source=letter,
        )
        for number in range(3)
    ]
    # Each its own request (the samples are the same requests in each format).
    requests = [r.model_copy(update={"ref": f"{n}-{r.ref}"}) for n, r in enumerate(requests)]
    imported_at = datetime(2025, 2, 3, 10, 11, 12, 345678, tzinfo=UTC)
    rows = []
    for name in ("bulk.db", "typed.db"):
        database = open_database_for(str(tmp_path / name), create=True)
        with database.write() as tx:
            clerk = tx.users.add("clerk", Role.CLERK, None, None, imported_at)
            tx.originals.keep("ab" * 32, "l.pdf", b"%PDF-", imported_at)
            import_id = tx.requests.add_import(
                file_name="f", file_sha256="0" * 64, source_format=SourceFormat.CSV,
                imported_by=clerk, imported_at=imported_at, requests_added=len(requests),
                requests_present=0, rows_rejected=0,
            )  # fmt: skip
            if name == "bulk.db":
                tx.requests.add(requests, import_id=import_id, imported_at=imported_at)
        if name == "typed.db":  # each value through the table's types, as on PostgreSQL
            with database.engine.begin() as connection:
                connection.execute(
                    insert(table_of(RequestRow)),
                    [request_values(r, import_id=import_id, imported_at=imported_at)
                     for r in requests],
                )  # fmt: skip
        database.dispose()
        with sqlite3.connect(tmp_path / name) as connection:
            rows.append(
                [
                    connection.execute("SELECT * FROM requests ORDER BY id").fetchall(),
                    connection.execute(
                        "SELECT rowid, * FROM requests_search WHERE requests_search MATCH 'Zoë' "
                        "OR requests_search MATCH '943' ORDER BY rowid"
                    ).fetchall(),
                ]
            )
    assert len(rows[0][0]) == len(requests) > 30
    assert rows[0] == rows[1]
