"""Where each key of a TOML file is written, so a policy's mistakes can be named by line.

tomllib parses but forgets positions, so this reads the (already valid) text once more and notes
the line of every table header and key. It understands just enough TOML to stay in step: strings
(including multi-line ones), comments, and arrays and inline tables spanning lines.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]  # ("rules", 2, "action"): the third [[rules]] table's action

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_lines(text: str) -> dict[Path, int]:
    """The line (from 1) of each table and key in a valid TOML document."""
    lines: dict[Path, int] = {}
    table: Path = ()
    array_counts: dict[Path, int] = {}
    scanner = _Scanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if scanner.inside:  # a string or array carried on from an earlier line
            scanner.feed(line)
            continue
        stripped = line.lstrip()
        if stripped.startswith("["):
            is_array = stripped.startswith("[[")
            name, _ = _key_path(stripped[2 if is_array else 1 :])
            path = _resolve(name, array_counts)
            if is_array:
                array_counts[path] = array_counts.get(path, -1) + 1
                lines.setdefault(path, number)  # the first [[name]], for mistakes about them all
                path = (*path, array_counts[path])
            table = path
            lines.setdefault(table, number)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        name, rest = _key_path(stripped)
        if name:
            lines.setdefault((*table, *name), number)
            scanner.feed(rest.split("=", 1)[1] if "=" in rest else rest)
    return lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of the nearest enclosing key or table written in the file."""
    for length in range(len(path), 0, -1):
        if path[:length] in lines:
            return lines[path[:length]]
    return None


def _resolve(name: tuple[str, ...], array_counts: dict[Path, int]) -> Path:
    """A header's path, with the index of any array of tables it lies inside ([rules.capacity])."""
    path: Path = ()
    for part in name[:-1]:
        path = (*path, part)
        if path in array_counts:
            path = (*path, array_counts[path])
    return (*path, *name[-1:])


def _key_path(text: str) -> tuple[tuple[str, ...], str]:
    """A dotted key at the start of `text` (bare or quoted parts) and what follows it."""
    parts: list[str] = []
    rest = text
    while True:
        rest = rest.lstrip()
        if rest[:1] in ('"', "'"):
            end = rest.find(rest[0], 1)
            if end < 0:
                return tuple(parts), rest
            parts.append(rest[1:end])
            rest = rest[end + 1 :]
        else:
            bare = _BARE_KEY.match(rest)
            if bare is None:
                return tuple(parts), rest
            parts.append(bare.group())
            rest = rest[bare.end() :]
        rest = rest.lstrip()
        if not rest.startswith("."):
            return tuple(parts), rest
        rest = rest[1:]


class _Scanner:
    """Tracks whether a value is still open at the end of a line: a multi-line string, or an
    array or inline table whose brackets have not closed."""

    def __init__(self) -> None:
        self.quote: str | None = None  # the open multi-line string's delimiter
        self.depth = 0

    @property
    def inside(self) -> bool:
        return self.quote is not None or self.depth > 0

    def feed(self, line: str) -> None:
        index = 0
        while index < len(line):
            if self.quote is not None:
                end = line.find(self.quote, index)
                if end < 0:
                    return
                index, self.quote = end + 3, None
                continue
            character = line[index]
            if character == "#":
                return
            if line.startswith(('"""', "'''"), index):
                self.quote = line[index : index + 3]
                index += 3
            elif character in "\"'":
                index = _end_of_string(line, index)
            elif character in "[{":
                self.depth += 1
                index += 1
            elif character in "]}":
                self.depth -= 1
                index += 1
            else:
                index += 1


def _end_of_string(line: str, start: int) -> int:
    """The index after a one-line string opening at `start`."""
    quote = line[start]
    index = start + 1
    while index < len(line):
        if quote == '"' and line[index] == "\\":
            index += 2
            continue
        if line[index] == quote:
            return index + 1
        index += 1
    return index
