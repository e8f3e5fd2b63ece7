"""Checks made before any parser sees a file: size, encoding and (for JSON) nesting depth.

Python's json module raises RecursionError, not ValueError, on deeply nested input, and a large
enough file can exhaust memory; both are refused here with a clear message
(docs/reliability.md §3.4).
"""

from __future__ import annotations

import re
from pathlib import Path

from triage.errors import FileRejected, Place, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024
# A request object is 2 levels deep and a FHIR bundle about 10; nothing honest comes near this.
MAX_JSON_DEPTH = 64
# A FHIR request with its patient and requester is about 50 elements (XML) or objects (JSON),
# and a day's requests a few hundred entries. Every entry is validated before anything is
# imported, at tens of microseconds an element: these bound that to seconds.
MAX_FHIR_ELEMENTS = 100_000
MAX_FHIR_ENTRIES = 5_000
MAX_XML_DEPTH = 64

_UTF8_BOM = b"\xef\xbb\xbf"
# A JSON string, unrolled so that the regex engine does not backtrack per character. It ends
# at its line, as a JSON string cannot hold a newline: one left open cannot hide the lines after.
_JSON_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}\n]+")


def read_bounded(path: Path, name: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing anything larger than max_bytes before reading it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileRejected(Problem(name, None, None, _too_large(size, max_bytes)))
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise FileRejected(Problem(name, None, None, "no such file")) from None
    except IsADirectoryError:
        raise FileRejected(Problem(name, None, None, "is a folder, not a file")) from None
    except PermissionError:
        raise FileRejected(Problem(name, None, None, "permission denied")) from None
    if len(data) > max_bytes:
        raise FileRejected(Problem(name, None, None, _too_large(len(data), max_bytes)))
    return data


def _too_large(size: int, limit: int) -> str:
    return (
        f"is {size / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB limit for one file; "
        "split it into smaller files"
    )


def decode_utf8(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is allowed and dropped), or a message naming the bad byte."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise FileRejected(
            Problem(
                name,
                Place(line=line),
                None,
                f"is not UTF-8 (byte 0x{data[error.start]:02x} at column {column}); "
                "save the file as UTF-8 and import it again",
            )
        ) from None
    if not text.strip():
        raise FileRejected(Problem(name, None, None, "is empty"))
    return text


def check_json_depth(text: str, name: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than max_depth, counting brackets outside strings, naming the
    line. A closing bracket never takes the count below zero, so brackets closed before they
    were opened cannot cancel the nesting after them; this bounds each line of JSON Lines too."""
    depth = 0
    line = 1
    for char in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise FileRejected(
                    Problem(
                        name, Place(line=line), None, f"is nested more than {max_depth} levels deep"
                    )
                )
        elif depth:
            depth -= 1


def check_json_objects(text: str, name: str, max_objects: int = MAX_FHIR_ELEMENTS) -> None:
    """Refuse JSON holding more than max_objects objects, counted before it is parsed."""
    objects = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).count("{")
    if objects > max_objects:
        raise FileRejected(
            Problem(
                name, None, None,
                f"holds more than {max_objects:,} JSON objects; split it into smaller files",
            )
        )  # fmt: skip
