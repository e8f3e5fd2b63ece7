"""A clinical system's search export of existing shared-care patients (docs/caseload.md): CSV,
one row per patient per medicine, checked as request intake checks its rows.

Searches are exported with their own column titles ("NHS Number", "Date of Birth"); a title is
matched with case, spaces and hyphens folded. Columns the caseload does not use are ignored.
Dates may be written as the clinical systems write them: 12/03/1956, 12-Mar-1956,
12 March 1956 or 1956-03-12 (day first, as in England).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from triage.classify import read
from triage.errors import FileRejected, Place, Problem
from triage.intake.limits import MAX_FILE_BYTES, decode_utf8, read_bounded
from triage.intake.records import EARLIEST_BIRTH, day_written
from triage.models import (
    CaseloadEntry,
    IncomingRequest,
    Patient,
    Source,
    SourceFormat,
    Unsorted,
    nhs_number_problem,
    normalise_nhs_number,
)

REQUIRED = (
    "nhs_number",
    "patient_name",
    "date_of_birth",
    "medication",
    "team",
    "last_review",
    "next_due",
)
OPTIONAL = ("supply_ends",)
_MAX_LENGTH = {"nhs_number": 40, "patient_name": 200, "medication": 300, "team": 300}


@dataclass
class CaseloadFile:
    name: str
    sha256: str
    entries: list[CaseloadEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # each rejects its row
    rows_rejected: int = 0
    file_rejected: bool = False


class _Invalid(Exception):
    """A value that breaks the contract; the message completes "field: ..."."""


def read_caseload_file(
    path: Path, *, today: date, name: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> CaseloadFile:
    name = name or str(path)
    try:
        data = read_bounded(path, name, max_bytes)
    except FileRejected as rejected:
        return CaseloadFile(name, "", problems=rejected.problems, file_rejected=True)
    result = CaseloadFile(name, hashlib.sha256(data).hexdigest())
    try:
        text = decode_utf8(data, name)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        columns = _header(reader, name)
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise FileRejected(
                    Problem(name, Place(line=line), None, f"is not valid CSV ({error})")
                ) from None
            place, line = Place(line=line), reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            entry, problems = _row(row, columns, name, place, today)
            if entry is None:
                result.problems.extend(problems)
                result.rows_rejected += 1
            else:
                result.entries.append(entry)
    except FileRejected as rejected:
        result.problems.extend(rejected.problems)
        result.file_rejected = True
        result.entries.clear()
    if not result.entries and not result.problems:
        result.problems.append(Problem(name, None, None, "holds no patients"))
        result.file_rejected = True
    return result


def _header(reader: csv.Reader, name: str) -> dict[str, int]:  # type: ignore[name-defined]
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(Problem(name, None, None, "is empty")) from None
    except csv.Error as error:
        raise FileRejected(
            Problem(name, Place(line=1), None, f"is not valid CSV ({error})")
        ) from None
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise FileRejected(
            Problem(
                name, Place(line=1), None, f"the columns are separated by {separator}; use commas"
            )
        )
    columns: dict[str, int] = {}
    for position, title in enumerate(header):
        column = "_".join(title.replace("-", " ").split()).casefold()
        if column in REQUIRED + OPTIONAL:
            if column in columns:
                raise FileRejected(
                    Problem(name, Place(line=1), column, "column appears more than once")
                )
            columns[column] = position
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise FileRejected(
            *(Problem(name, Place(line=1), column, "required column missing") for column in missing)
        )
    return columns


def _row(
    row: list[str], columns: dict[str, int], name: str, place: Place, today: date
) -> tuple[CaseloadEntry | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for column, position in columns.items():
        raw = row[position].strip() if position < len(row) else ""
        try:
            values[column] = _value(column, raw, today)
        except _Invalid as invalid:
            problems.append(Problem(name, place, column, str(invalid)))
    if problems:
        return None, problems
    entry = CaseloadEntry(
        nhs_number=str(values["nhs_number"]),
        patient_name=str(values["patient_name"]),
        date_of_birth=_day(values["date_of_birth"]),
        medication=str(values["medication"]),
        team=str(values["team"]),
        category=Unsorted.UNCLASSIFIED.value,
        last_review=_maybe_day(values.get("last_review")),
        next_due=_maybe_day(values.get("next_due")),
        supply_ends=_maybe_day(values.get("supply_ends")),
        source=f"{name} {place.describe()}",
    )
    return _classified(entry, name), []


def _value(column: str, raw: str, today: date) -> object:
    if "\x00" in raw:
        raise _Invalid("contains a NUL character")
    if column in ("last_review", "next_due", "supply_ends"):
        return _date(raw, today) if raw else None
    if not raw:
        raise _Invalid("missing (a value is required)")
    if column == "date_of_birth":
        born = _date(raw, today)
        if born > today:
            raise _Invalid(f"{raw!r} is in the future")
        if born < EARLIEST_BIRTH:
            raise _Invalid(f"{raw!r} is before {EARLIEST_BIRTH.year}")
        return born
    limit = _MAX_LENGTH[column]
    if len(raw) > limit:
        raise _Invalid(f"is {len(raw):,} characters long, over the limit of {limit:,}")
    if not raw.isprintable():
        raise _Invalid("contains a control character")
    if column == "nhs_number":
        number = normalise_nhs_number(raw)
        problem = nhs_number_problem(number)
        if problem:
            # Unlike a request, an existing patient cannot be handed back safely without
            # knowing who they are: the row is refused, and the practice corrects the search.
            raise _Invalid(f"{raw!r} {problem}")
        return number
    return raw


def _date(raw: str, today: date) -> date:
    day = day_written(raw, today)
    if day is None:
        raise _Invalid(f"{raw!r} is not a date: write it as 12/03/2025, 12-Mar-2025 or 2025-03-12")
    return day


def _day(value: object) -> date:
    assert isinstance(value, date)
    return value


def _maybe_day(value: object) -> date | None:
    return None if value is None else _day(value)


def _classified(entry: CaseloadEntry, name: str) -> CaseloadEntry:
    """The category, read from the medicine and the team as a request's is."""
    request = IncomingRequest(
        ref="caseload",
        sender=entry.team,
        received=datetime.now(UTC),
        patient=Patient(
            nhs_number=entry.nhs_number,
            nhs_number_valid=True,
            name=entry.patient_name,
            date_of_birth=entry.date_of_birth,
        ),
        requester=entry.team,
        organisation=entry.team,
        medications=(entry.medication,),
        source=Source(file=name, format=SourceFormat.CSV, location=entry.source),
    )
    classification = read(request).classification
    if classification.category is not None and not classification.mixed:
        category = classification.category.value
    elif classification.mixed:
        category = Unsorted.MIXED.value
    else:
        category = Unsorted.UNCLASSIFIED.value
    return replace(entry, category=category)
