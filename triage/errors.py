"""Errors the person at the keyboard can act on (exit status 1, never a traceback): mistakes they
made and can put right, and what can go wrong with the database, in words a practice can act on.

The database's errors are raised by the db adapter, which catches SQLAlchemy's own: callers catch
these, so the service layer and the command line need not know which database is underneath.
"""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """One clear sentence: what is wrong and, where it helps, what to do about it."""


class UnknownUser(UserError):
    pass


class PermissionRefused(UserError):
    pass


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
    """Another user held the database for longer than we were prepared to wait."""


class DatabaseWriteFailed(DatabaseError):
    """The database refused a write (disk full, read-only file, I/O error)."""


class ChangedByOthers(DatabaseError):
    """Someone else changed what was being saved, after it was read: nothing was saved."""
