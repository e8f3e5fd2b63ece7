"""What can go wrong with the database, in words a practice can act on.

SQLAlchemy's exceptions never leave this package: callers catch these instead, so the service layer
and the command line need not know which database is underneath.
"""

from __future__ import annotations


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
