"""CSV with a header row (docs/import-formats.md). Records are numbered by the line they start on,
which is what a person sees in a text editor even when a quoted letter text spans several lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from triage.errors import FileRejected, Place, Problem
from triage.intake.limits import MAX_FILE_BYTES
from triage.intake.records import COLUMNS, REQUIRED_COLUMNS, RawRecord

# A letter's text may be long; the whole file is already capped at MAX_FILE_BYTES.
csv.field_size_limit(MAX_FILE_BYTES)


def read_csv(text: str, name: str) -> tuple[list[Problem], Iterator[RawRecord]]:
    """The header's problems and the records.

    A header naming a column twice, or a column that is not in the format, rejects the file, but
    its rows are still checked so that every problem can be listed at once. A header that cannot
    be read against the format at all (wrong separator, required columns missing) is refused
    before any row: FileRejected.
    """
    return read_csv_lines(io.StringIO(text, newline=""), name)


def read_csv_lines(lines: Iterable[str], name: str) -> tuple[list[Problem], Iterator[RawRecord]]:
    """read_csv from lines as a file opened with newline="" gives them (a big file is read as it
    streams: reader.py). The records are read as they are asked for."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        raise FileRejected(
            Problem(name, Place(line=1), None, f"is not valid CSV ({error})")
        ) from None
    columns = [column.strip() for column in header]
    return _header_problems(columns, name), _rows(reader, columns, name)


def _rows(reader: Any, columns: list[str], name: str) -> Iterator[RawRecord]:
    line = reader.line_num + 1
    # Where each column of the format is (a column named twice: the last one, as a dict has it).
    known = {column: index for index, column in enumerate(columns) if column in COLUMNS}
    wanted = list(known.items())
    width = len(columns)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RawRecord(Place(line=line), {}, problems=[_csv_problem(name, line, error)])
            return  # the csv module cannot resynchronise after a broken quote
        place = Place(line=line)
        line = reader.line_num + 1
        if not "".join(row).strip():
            continue  # blank lines, and the empty rows spreadsheets leave at the end
        if len(row) != width:
            yield RawRecord(
                place,
                {},
                problems=[
                    Problem(
                        name,
                        place,
                        None,
                        f"has {len(row)} fields but the header has {width}",
                    )
                ],
            )
            continue
        yield RawRecord(place, {column: row[index] for column, index in wanted})


def _header_problems(columns: list[str], name: str) -> list[Problem]:
    header = Place(line=1)
    if len(columns) == 1 and (";" in columns[0] or "\t" in columns[0]):
        separator = "semicolons" if ";" in columns[0] else "tabs"
        raise FileRejected(
            Problem(name, header, None, f"the columns are separated by {separator}; use commas")
        )
    problems = []
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            problems.append(Problem(name, header, column, "column appears more than once"))
        elif column not in COLUMNS:
            problems.append(
                Problem(
                    name, header, column or "(blank)", "unknown column (see the import formats)"
                )
            )
        seen.add(column)
    missing = [column for column in REQUIRED_COLUMNS if column not in seen]
    if missing:
        problems += [Problem(name, header, column, "required column missing") for column in missing]
        raise FileRejected(*problems)  # every row would only repeat "missing"
    return problems


def _csv_problem(name: str, line: int, error: csv.Error) -> Problem:
    return Problem(name, Place(line=line), None, f"is not valid CSV ({error})")
