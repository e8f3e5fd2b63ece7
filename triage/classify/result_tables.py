"""Results written as a table: a header line of result names over rows of values, each row
perhaps starting with its date."""

from __future__ import annotations

import bisect
import re
from datetime import date

from triage.classify.dates import find_dates
from triage.classify.measures import Measures, tidy_unit
from triage.classify.result_words import DIGIT, NUMBER
from triage.classify.written_result import ResultName, Value, WrittenResult


class Lines:
    """The lines of a text, and which line a place is on."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def number(self, place: int) -> int:
        return bisect.bisect_right(self.starts, place) - 1


def table_headers(lines: Lines, named: list[ResultName]) -> dict[int, list[ResultName]]:
    """Lines holding two or more result names and no value: the headers of results tables."""
    by_line: dict[int, list[ResultName]] = {}
    for name in named:
        by_line.setdefault(lines.number(name[0]), []).append(name)
    headers = {}
    for line, names in by_line.items():
        rest = lines.lines[line]
        offset = lines.starts[line]
        for start, end, _, _ in reversed(names):
            rest = rest[: start - offset] + " " * (end - start) + rest[end - offset :]
        if len(names) >= 2 and not DIGIT.search(rest):
            headers[line] = names
    return headers


def read_table(
    lines: Lines,
    header: int,
    columns: list[ResultName],
    measures: Measures,
    reference: date,
) -> list[WrittenResult]:
    """A table's columns read down its rows, one result each; oldest first when every row is
    dated, else in no known order (so no trend is read from it)."""
    results = [WrittenResult(measure, start, end) for start, end, measure, _ in columns]
    days: list[date | None] = []
    for row in range(header + 1, len(lines.lines)):
        cells = _row(lines.lines[row], measures, reference)
        if cells is None or len(cells[1]) != len(columns):
            break
        day, values = cells
        days.append(day)
        for result, value in zip(results, values, strict=True):
            if value is not None:
                result.values.append(value)
                result.row_days.append(day)
    dated = bool(days) and all(day is not None for day in days)
    for result in results:
        result.ordered = dated
        if dated:
            order = sorted(range(len(result.values)), key=lambda i: result.row_days[i] or reference)
            result.values = [result.values[i] for i in order]
            result.row_days = [result.row_days[i] for i in order]
    return [result for result in results if result.values]


_ROW_LABEL = re.compile(r"^\s*[a-z][a-z .]*?(?=\s+[<>]?\d)")
_CELL = re.compile(rf"(?P<cmp>[<>]=?)?\s*(?P<number>{NUMBER})(?![\d])|(?P<blank>-|n/?a)(?![a-z])")


def _row(
    line: str, measures: Measures, reference: date
) -> tuple[date | None, list[Value | None]] | None:
    """A table row: its date, if it starts with one, and its cells (None where blank); None
    when the line is not a row of values (words: the table has ended)."""
    found = find_dates(line, reference)
    day = None
    rest = line
    if found and not line[: found[0].start].strip():
        day = found[0].earliest
        rest = line[found[0].end :]
    else:  # a row's label ("Result", "Latest"), not a value
        rest = _ROW_LABEL.sub("", line, count=1)
    if not rest.strip():
        return None
    cells: list[Value | None] = []
    position = 0
    leftover = []
    for cell in _CELL.finditer(rest):
        leftover.append(rest[position : cell.start()])
        position = cell.end()
        if cell["blank"] is not None:
            cells.append(None)
            continue
        unit = measures.units.match(rest, cell.end())
        if unit is not None:
            position = unit.end()
        written = cell["number"]
        cells.append(
            Value(
                float(written.replace(",", "")),
                cell["cmp"] or "",
                tidy_unit(unit["unit"]) if unit else None,
            )
        )
    leftover.append(rest[position:])
    if re.search(r"[a-z]{2,}", "".join(leftover)):
        return None
    return day, cells
