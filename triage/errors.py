"""Errors the person at the keyboard can act on (exit status 1, never a traceback): mistakes they
made and can put right, and what can go wrong with the database, in words a practice can act on.

The database's errors are raised by the db adapter, which catches SQLAlchemy's own: callers catch
these, so the service layer and the command line need not know which database is underneath.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar, overload


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


T = TypeVar("T")


class ReadInOrder(Sequence[T]):
    """A sequence whose items are made as they are read, in order (a subclass gives __len__ and
    __iter__): indexing reads up to the item, which is enough for the first few or a slice."""

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return (
                list(islice(self, start, max(start, stop), step)) if step > 0 else list(self)[index]
            )
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("index out of range")
        return next(islice(self, position, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list


class Problems(ReadInOrder[Problem]):
    """Problems (or warnings) in the order they were found, in little memory however many there
    are: the first KEPT as they are, the rest packed, a thousand at a time, into compressed
    lines of JSON that are unpacked as they are read. A file of 100,000 bad rows is still named
    row by row (the command line lists every problem) without 100,000 objects held meanwhile."""

    KEPT = 200
    PACKED = 1_000

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._kept: list[Problem] = []
        self._packed: list[bytes] = []  # PACKED problems each
        self._packing: list[str] = []  # fewer than PACKED, not yet compressed
        self._count = 0
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        self._count += 1
        if len(self._kept) < self.KEPT:
            self._kept.append(problem)
            return
        place = problem.place
        where = None if place is None else [place.line, place.entry]
        self._packing.append(json.dumps([problem.file, where, problem.field, problem.message]))
        if len(self._packing) == self.PACKED:
            self._packed.append(zlib.compress("\n".join(self._packing).encode()))
            self._packing = []

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Problem]:
        yield from self._kept
        for packed in self._packed:
            yield from map(_unpacked, zlib.decompress(packed).decode().split("\n"))
        yield from map(_unpacked, list(self._packing))

    def __repr__(self) -> str:
        return f"Problems({list(self)!r})"


def _unpacked(line: str) -> Problem:
    file, where, field, message = json.loads(line)
    return Problem(file, None if where is None else Place(*where), field, message)


class Joined(ReadInOrder[Problem]):
    """Several Problems read as one, in order (an import's, file after file)."""

    def __init__(self, parts: Sequence[Sequence[Problem]]) -> None:
        self._parts = parts

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def __iter__(self) -> Iterator[Problem]:
        for part in self._parts:
            yield from part


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
        self.lines = lines  # a list, or (an import's) a Sequence read as it is needed


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
