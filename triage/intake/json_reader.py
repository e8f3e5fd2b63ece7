"""Requests as a JSON array of objects, or as JSON Lines (one object per line):
docs/import-formats.md.

The array is decoded one element at a time so each object can be named by the line it starts on.
Callers have already checked size and nesting depth (limits.py), which bounds every line of
JSON Lines as well as a whole array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from triage.errors import FileRejected, Place, Problem
from triage.intake.records import RawRecord


class _Object(dict[str, object]):
    """A decoded JSON object that remembers keys given twice (json keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, object]]) -> _Object:
    decoded = _Object(pairs)
    if len(decoded) != len(pairs):
        seen: set[str] = set()
        duplicates = []
        for key, _ in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        decoded.duplicates = tuple(duplicates)
    return decoded


_DECODER = json.JSONDecoder(object_pairs_hook=_object_pairs)


def read_json_array(text: str, name: str) -> Iterator[RawRecord]:
    line_of = _LineCounter(text)
    position = _skip_space(text, 0)
    if text[position : position + 1] != "[":
        raise FileRejected(Problem(name, None, None, "is not a JSON array"))
    position = _skip_space(text, position + 1)
    if text[position : position + 1] == "]":
        raise FileRejected(Problem(name, None, None, "holds an empty list: no requests"))
    while True:
        place = Place(line=line_of(position))
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError as error:
            raise FileRejected(json_problem(name, error)) from None
        yield _record(value, place, name)
        position = _skip_space(text, position)
        following = text[position : position + 1]
        if following == "]":
            break
        if following != ",":
            line = line_of(position)
            raise FileRejected(Problem(name, Place(line=line), None, "expected ',' or ']' here"))
        position = _skip_space(text, position + 1)
    if text[position + 1 :].strip():
        line = line_of(position + 1)
        raise FileRejected(Problem(name, Place(line=line), None, "has more after the closing ']'"))


def read_json_lines(text: str, name: str) -> Iterator[RawRecord]:
    # Split at "\n" only: splitlines() would also split inside a string holding U+2028 or NEL,
    # and parse the rest of that string as JSON of its own, unchecked.
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        place = Place(line=number)
        try:
            value = _DECODER.decode(line)
        except ValueError as error:
            yield RawRecord(place, {}, problems=[json_problem(name, error, line=number)])
            continue
        yield _record(value, place, name)


def _lines(text: str) -> Iterator[str]:
    """text.split("\n"), a line at a time: not a second copy of the whole file."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _record(value: object, place: Place, name: str) -> RawRecord:
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "a single value"
        problem = Problem(name, place, None, f"expected an object with request keys, found {kind}")
        return RawRecord(place, {}, problems=[problem])
    duplicates = getattr(value, "duplicates", ())
    problems = [Problem(name, place, key, "key appears more than once") for key in duplicates]
    return RawRecord(place, value, problems=problems)


def json_problem(name: str, error: ValueError, *, line: int | None = None) -> Problem:
    """Why the JSON could not be decoded. Not only JSONDecodeError: json raises a plain
    ValueError for an integer of more than 4,300 digits."""
    if isinstance(error, json.JSONDecodeError):
        where = Place(line=line or error.lineno)
        return Problem(name, where, None, f"is not valid JSON ({error.msg}, column {error.colno})")
    return Problem(
        name, Place(line=line) if line else None, None, "holds a number too long to read"
    )


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


class _LineCounter:
    """Line numbers for increasing positions in one text, counted forward (not from the top)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._position = 0
        self._line = 1

    def __call__(self, position: int) -> int:
        self._line += self._text.count("\n", self._position, position)
        self._position = position
        return self._line
