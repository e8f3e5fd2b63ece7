"""Opening a database: URL handling, the private SQLite file, connection settings, transactions.

SQLite (the embedded default) gets WAL with synchronous=FULL, so a save the screen reports is
durable across a power cut; foreign keys on; and our own BEGIN, because Python's sqlite3 driver
does not begin transactions for SELECT or DDL. Write transactions use BEGIN IMMEDIATE, so they
take the write lock up front and never fail half way with SQLITE_BUSY; a busy database is waited
for, up to a bound, and then whoever holds it is named (db/busy.py, docs/reliability.md §1.1).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.busy import HolderNote, begin_write, busy_message, program_command, write_wait_seconds
from db.queries import Transaction
from triage.errors import (
    ChangedByOthers,
    DatabaseBusy,
    DatabaseError,
    DatabaseRefused,
    DatabaseUnavailable,
    DatabaseWriteFailed,
    InvalidDatabaseURL,
    NotATriageDatabase,
)

SQLITE_BUSY_TIMEOUT_SECONDS = 10  # how long a read waits (writes: db/busy.py)
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
_WRITE = "triage_write_transaction"
_HOLDING = "triage_holds_write_lock"  # in a connection's info: its note says the lock is ours
_SQLITE_HEADER = b"SQLite format 3\x00"
_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for a privilege or role refusal


def parse_database_url(value: str) -> URL:
    """A SQLAlchemy URL, or a plain file path meaning an SQLite file."""
    value = value.strip()
    if not value:
        raise InvalidDatabaseURL("the database URL is empty")
    if "://" not in value:
        return URL.create("sqlite", database=str(Path(value).expanduser().resolve()))
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise InvalidDatabaseURL(
            f"{value!r} is not a database URL (expected sqlite:///PATH or "
            "postgresql://USER@HOST/NAME)"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver we install; SQLAlchemy's default for "postgresql" is psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    try:
        url.get_dialect()
    except NoSuchModuleError:
        raise InvalidDatabaseURL(
            f"unknown database type {url.drivername!r} (use sqlite or postgresql)"
        ) from None
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise InvalidDatabaseURL("an in-memory SQLite database would lose everything; give a file")
    return url


def display_url(url: URL) -> str:
    """The URL as it may be shown to people: never with its password."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def prepare_sqlite_file(path: Path) -> list[str]:
    """Create the database file private to its owner (0600), or tighten an existing one.

    SQLite creates -wal and -shm files with the database file's mode, so making the main file
    private before the first connection covers all three. Returns notices for the user.
    """
    if os.name == "nt":  # NTFS ACLs on the user's profile folder protect the file instead
        return []
    if not path.exists():
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                f"cannot create the database {path}: the folder {path.parent} does not exist"
            )
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as error:
            raise DatabaseUnavailable(
                f"cannot create the database {path}: {error.strerror}"
            ) from None
        return []
    if not path.is_file():
        raise DatabaseUnavailable(f"{path} is not a file")
    with path.open("rb") as file:
        header = file.read(len(_SQLITE_HEADER))
    if header and header != _SQLITE_HEADER:
        raise NotATriageDatabase(
            f"{path} is not a database file (SQLite cannot read it); it has not been changed"
        )
    notices = []
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if not candidate.exists():
            continue
        mode = stat.S_IMODE(candidate.stat().st_mode)
        if mode & 0o077:
            try:
                candidate.chmod(mode & 0o700)  # a read-only file stays read-only
            except OSError as error:
                raise DatabaseUnavailable(
                    f"{candidate} can be read by other users (mode {mode:04o}) and could not be "
                    f"made private: {error.strerror}"
                ) from None
            notices.append(
                f"made {candidate} private to its owner (was mode {mode:04o}): "
                "it holds patient data"
            )
    return notices


def _read_only(path: Path) -> bool:
    """Whether this user may only read the file: SQLite writes it, and in WAL mode creates its
    -wal and -shm files beside it, so the folder must be writable too."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_url(path: Path) -> URL:
    """The file opened read-only, so that not even opening it writes (docs/reliability.md
    §1.1(e)). In a folder that cannot be written SQLite could not make the -shm file a WAL
    database is read through, so the file is opened as immutable: nobody can be writing it."""
    query = {"mode": "ro", "uri": "true"}
    if not os.access(path.parent, os.W_OK):
        query["immutable"] = "1"
    return URL.create("sqlite", database=f"file:{quote(str(path))}", query=query)


def _configure_sqlite(database: Database) -> None:
    engine = database.engine
    assert database.url.database is not None
    note = HolderNote(Path(database.url.database))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        try:
            # Per connection, and changing nothing in the file (WAL is set once: use_wal()).
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(_WRITE, False):
            connection.exec_driver_sql("BEGIN")
            return
        begin_write(
            connection.connection.dbapi_connection,  # type: ignore[arg-type]
            wait_seconds=database.write_wait_seconds,
            read_timeout_seconds=SQLITE_BUSY_TIMEOUT_SECONDS,
            note=note,
            user=database.acting_user,
            command=database.command,
        )
        connection.info[_HOLDING] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        if connection.info.pop(_HOLDING, False):
            note.blank()


def _json_loads(text: str | bytes) -> Any:
    """json.loads, but the empty list, which most of a request's list columns hold, made
    without it (json.loads was a fifth of reading a request, issue 18). PostgreSQL's driver
    gives bytes."""
    empty = "[]" if isinstance(text, str) else b"[]"
    return [] if text == empty else json.loads(text)


class Database:
    """One database, opened. Use read() and write() for transactions."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.notices: list[str] = []
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self.read_only = False
        # Who is writing, for the note that names them to anyone kept waiting (db/busy.py).
        self.acting_user: str | None = None
        self.command = program_command()
        self.write_wait_seconds = write_wait_seconds()
        if self.is_sqlite:
            assert url.database is not None
            path = Path(url.database)
            self.notices = prepare_sqlite_file(path)
            self.read_only = _read_only(path)
            if self.read_only:
                url = _read_only_url(path)
            connect_args: dict[str, Any] = {
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                # The pool hands a connection to one thread at a time (the TUI's workers).
                "check_same_thread": False,
            }
        else:
            connect_args = {
                "connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
                "application_name": "shared-care-triage",
            }
        try:
            self.engine = create_engine(
                url, connect_args=connect_args, pool_pre_ping=True, json_deserializer=_json_loads
            )
        except ModuleNotFoundError as missing:
            raise DatabaseUnavailable(
                f"the driver for {url.get_backend_name()} is not installed ({missing.name}); "
                "install it with: pip install 'shared-care-triage[postgres]'"
            ) from None
        if self.is_sqlite:
            _configure_sqlite(self)

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only transaction: whatever happens inside is rolled back."""
        with self._transaction(write=False) as tx:
            yield tx

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        self._refuse_if_read_only()
        with self._transaction(write=True) as tx:
            yield tx

    @contextmanager
    def connection(self, *, write: bool) -> Iterator[Connection]:
        """A Core connection in a transaction, for schema work (migrations)."""
        if write:
            self._refuse_if_read_only()
        with self._translated_errors(), self.engine.connect() as connection:
            connection = connection.execution_options(**{_WRITE: write})
            with connection.begin():
                yield connection

    def use_wal(self) -> None:
        """Put an SQLite file into WAL mode (it stays so). Only called once the file is known
        to be ours: the setting is written into the file's header."""
        if not self.is_sqlite or self.read_only:
            return
        with self.connection(write=False) as connection:
            if connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal":
                return
        # Changing the mode is not allowed inside a transaction, and our connections always
        # begin one: so a raw connection, whose errors SQLAlchemy does not wrap for us.
        with self._translated_errors():
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.close()
            except self.engine.dialect.loaded_dbapi.Error as error:
                raise OperationalError("PRAGMA journal_mode = WAL", None, error) from error
            finally:
                raw.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise DatabaseWriteFailed(
                f"the database is read-only: you may read {self.display_url} but not change "
                "it, so nothing was saved (ask for write access to the file and its folder, or "
                "work on a copy)"
            )

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Transaction]:
        with self._translated_errors(), Session(self.engine, expire_on_commit=False) as session:
            session.connection(execution_options={_WRITE: write})
            yield Transaction(session)
            if write:
                session.commit()
            # Leaving the Session rolls back whatever was not committed.

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except StaleDataError:
            raise ChangedByOthers(
                "someone else changed this request while you were working on it; nothing was "
                "saved: reload it and try again"
            ) from None
        except DBAPIError as error:
            translated = translate_error(error, self.display_url)
            if translated is None:
                raise
            raise translated from error


def translate_error(error: DBAPIError, where: str) -> DatabaseError | None:
    """The driver's error as one of ours, or None for errors that are our own bugs."""
    message = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    lowered = message.lower()
    if "file is not a database" in lowered:
        return NotATriageDatabase(
            f"{where} is not a database file (SQLite cannot read it); it has not been changed"
        )
    if "database is locked" in lowered or "database table is locked" in lowered:
        holder = f"another user has held it for over {SQLITE_BUSY_TIMEOUT_SECONDS:g} s"
        return DatabaseBusy(busy_message(holder), holder)
    if "unable to open database file" in lowered:
        return DatabaseUnavailable(
            f"cannot open {where}: check that the folder exists and that you may write to it"
        )
    if "readonly database" in lowered:
        return DatabaseWriteFailed(f"{where} is read-only; nothing was saved")
    if "disk is full" in lowered or "disk i/o error" in lowered:
        return DatabaseWriteFailed(
            f"could not write to {where} (disk full or I/O error); nothing was saved"
        )
    if getattr(error.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
        return DatabaseRefused(
            f"the database refused it: {message} (your PostgreSQL role may not do this); "
            "nothing was saved"
        )
    if error.connection_invalidated or isinstance(error, OperationalError):
        return DatabaseUnavailable(f"cannot use the database {where}: {message}")
    return None


def open_database(url: str | URL) -> Database:
    return Database(parse_database_url(url) if isinstance(url, str) else url)
