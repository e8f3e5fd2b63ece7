"""Errors the person at the keyboard can act on (exit status 1, never a traceback): mistakes they
made and can put right, and what can go wrong with the database, in words a practice can act on.

The database's errors are raised by the db adapter, which catches SQLAlchemy's own: callers catch
these, so the service layer and the command line need not know which database is underneath.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class UserError(Exception):
    """One clear sentence: what is wrong and, where it helps, what to do about it."""


class UnknownUser(UserError):
    pass


class PermissionRefused(UserError):
    pass


# --- a problem in a file: `file:line: field: problem` (a request file or a policy file) -------


@dataclass(frozen=True)
class Place:
    """Where in a file: the line a CSV or JSON record starts on, or a FHIR bundle entry."""

    line: int | None = None
    entry: str | None = None  # "entry 2 (ServiceRequest scr-0001)"

    def __str__(self) -> str:
        return str(self.line) if self.line is not None else (self.entry or "")

    def describe(self) -> str:
        return f"line {self.line}" if self.line is not None else (self.entry or "the file")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a file a person gave us: a request file or a
    policy file. Text quoted from the file stays in `message` as it was; whoever prints it makes
    it terminal-safe."""

    file: str
    place: Place | None
    field: str | None
    message: str

    def __str__(self) -> str:
        head = f"{self.file}:{self.place}" if self.place else self.file
        return ": ".join(part for part in (head, self.field, self.message) if part)


class FileRejected(Exception):
    """The file as a whole cannot be used (empty, too big, not UTF-8, not JSON, nested too deep,
    a header we do not understand). Carries every problem found, so they can be fixed at once."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)


class ProblemsFound(UserError):
    """Several problems, each on its own line (an import naming every bad row and field)."""

    def __init__(self, summary: str, lines: Sequence[str]) -> None:
        super().__init__(summary)
        self.lines = list(lines)


# --- the database -------------------------------------------------------------------------------


class DatabaseError(Exception):
    """Base class. str(error) is one sentence for the person at the keyboard."""


class InvalidDatabaseURL(DatabaseError):
    """The --db / TRIAGE_DB value is not a database URL or a file path we can use."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached or opened (server down, wrong password, missing folder)."""


class NotATriageDatabase(DatabaseError):
    """The file or schema exists but is not ours: refuse rather than write into it."""


class SchemaTooNew(DatabaseError):
    """The database was upgraded by a newer version of this program."""


class DatabaseBusy(DatabaseError):
    """Another user held the database for longer than we were prepared to wait. `holder` says
    who, in words ("cleo's `triage apply` (pid 1234 on host x, since 10:02) has held it..."), for
    a caller that words the rest of the message itself."""

    def __init__(self, message: str, holder: str = "another user") -> None:
        super().__init__(message)
        self.holder = holder


class DatabaseWriteFailed(DatabaseError):
    """The database refused a write (disk full, read-only file, I/O error)."""


class DatabaseRefused(DatabaseError):
    """PostgreSQL refused what the role the person connected as may not do (docs/security.md,
    "Several workstations"): the database's own check, behind the program's."""


class ChangedByOthers(DatabaseError):
    """Someone else changed what was being saved, after it was read: nothing was saved."""
