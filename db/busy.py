"""Waiting for SQLite's write lock, and saying who holds it when we give up.

SQLite lets one writer in at a time. Every write transaction begins with BEGIN IMMEDIATE, which
takes the lock before the transaction has read or written anything: so waiting there is safe,
and trying the BEGIN again is trying the whole transaction again, never half of it. The waiting
is ours rather than SQLite's busy handler: short tries with random, growing pauses, so that
several workstations saving one request after another each get in (with SQLite's handler, one of
eight `triage apply` runs waited out its 10 seconds while the others kept taking the lock), up
to a bound after which the person is told who holds the database.

Whoever takes the lock writes a note beside the database (`NAME-holder`): who, running what, on
which host and process, since when; it is blanked when their transaction ends. The note is
advice for that one message: a holder that is not this program (the sqlite3 shell) leaves none.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from triage.errors import DatabaseBusy

WRITE_WAIT_SECONDS = 120.0  # how long a write waits for the lock before giving up
WRITE_WAIT_VARIABLE = "TRIAGE_SQLITE_WAIT_SECONDS"  # a shorter (or longer) bound
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.025  # short enough to catch the moment between two of another's saves
_NOTE_SIZE = 1024  # one write of a fixed size: a reader never sees half a note


def write_wait_seconds() -> float:
    """The bound on waiting for the write lock: WRITE_WAIT_SECONDS unless the environment says."""
    value = os.environ.get(WRITE_WAIT_VARIABLE, "").strip()
    try:
        seconds = float(value) if value else WRITE_WAIT_SECONDS
    except ValueError:
        return WRITE_WAIT_SECONDS
    return seconds if seconds > 0 else WRITE_WAIT_SECONDS


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the write lock."""

    user: str | None  # the person logged in, once known
    command: str  # "triage apply"
    host: str
    pid: int
    since: datetime  # aware

    def describe(self) -> str:
        who = f"{self.user}'s `{self.command}`" if self.user else f"`{self.command}`"
        return f"{who} (pid {self.pid} on {self.host}, since {self.since.astimezone():%H:%M})"


def program_command() -> str:
    """What this process was started as, when nobody said: the program's name."""
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"


class HolderNote:
    """The note beside one SQLite file."""

    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + "-holder")

    def write(self, holder: Holder) -> None:
        record = {
            "user": holder.user,
            "command": holder.command,
            "host": holder.host,
            "pid": holder.pid,
            "since": holder.since.isoformat(),
        }
        self._put(json.dumps(record, ensure_ascii=True))

    def blank(self) -> None:
        self._put("")

    def read(self) -> Holder | None:
        """The holder the note names, if the note is there and its process still runs."""
        try:
            text = self.path.read_bytes()[:_NOTE_SIZE].decode("ascii").strip()
            record = json.loads(text) if text else None
            if not isinstance(record, dict):
                return None
            holder = Holder(
                user=str(record["user"]) if record.get("user") else None,
                command=str(record["command"]),
                host=str(record["host"]),
                pid=int(record["pid"]),
                since=datetime.fromisoformat(str(record["since"])),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no note, or not one of ours: the message names nobody
        if holder.host == socket.gethostname() and not _running(holder.pid):
            return None  # killed while holding it: SQLite has already let go
        return holder

    def _put(self, text: str) -> None:
        data = text.encode("ascii").ljust(_NOTE_SIZE)[:_NOTE_SIZE]
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            return  # advice only: a save never fails for want of its note
        try:
            os.write(descriptor, data)  # at the start: the file is just opened, not appending
        except OSError:
            pass
        finally:
            os.close(descriptor)


def _running(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would stop it there; assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process, still running
        return True
    return True


def begin_write(
    connection: sqlite3.Connection,
    *,
    wait_seconds: float,
    read_timeout_seconds: float,
    note: HolderNote,
    user: str | None,
    command: str,
) -> None:
    """BEGIN IMMEDIATE, trying again until the lock is ours or `wait_seconds` have passed;
    then the note says it is ours. Gives up with DatabaseBusy, naming the holder."""
    started = time.monotonic()
    pause = _FIRST_PAUSE
    connection.execute("PRAGMA busy_timeout = 0")  # we do the waiting, below
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            if time.monotonic() - started >= wait_seconds:
                holder = busy_holder(note.read(), wait_seconds)
                raise DatabaseBusy(busy_message(holder), holder)
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, _LONGEST_PAUSE)
    finally:
        # Reads wait in SQLite's own handler: in WAL they are never kept out for long.
        connection.execute(f"PRAGMA busy_timeout = {int(read_timeout_seconds * 1000)}")
    note.write(Holder(user, command, socket.gethostname(), os.getpid(), datetime.now(UTC)))


def busy_message(holder: str) -> str:
    return f"the database is busy: {holder}; nothing was saved, try again"


def busy_holder(holder: Holder | None, wait_seconds: float) -> str:
    """Who kept us out, for the one-line message."""
    waited = f"{wait_seconds:g} s"
    if holder is None:
        return f"another user has held it for over {waited}"
    held_for = (datetime.now(UTC) - holder.since).total_seconds()
    if held_for >= wait_seconds:
        return f"{holder.describe()} has held it for over {waited}"
    return f"{holder.describe()} holds it, and others held it before, for over {waited} in all"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "database is locked" in message or "database is busy" in message
