"""How intake names a problem: `file:line: field: problem` (docs/import-formats.md)."""

from __future__ import annotations

from dataclasses import dataclass


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
    """One thing wrong (or worth a warning) in an incoming file. Text quoted from the file stays
    in `message` as it was; whoever prints it makes it terminal-safe."""

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
