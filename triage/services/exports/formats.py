"""The decision log as CSV, JSON Lines, XLSX or a FHIR R4 Bundle, written row by row.

Each writer takes the rows one at a time and writes them straight out, so a million decisions
need no more memory than one batch (XLSX uses openpyxl's write-only mode; the FHIR Bundle is
written as JSON piece by piece, each resource a plain dict in the shape fhir.resources gives it,
the first of each shape validated by fhir.resources on the way).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from triage.models import ExportedDecision
from triage.services.exports.cells import safe_cell
from triage.services.exports.rows import FIELDS, LETTER_FIELDS, Anchor, fields

if TYPE_CHECKING:  # openpyxl and fhir.resources are imported by the writer that needs them
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from pydantic import BaseModel

Rows = Iterable[ExportedDecision]
Tick = Callable[[], None]  # called once per decision written
FORMATS = ("csv", "jsonl", "xlsx", "fhir")


def write_csv(out: BinaryIO, rows: Rows, anchor: Anchor, tick: Tick) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow((*FIELDS, *(column for _, column in LETTER_FIELDS)))
    for row in rows:
        found = row.letters
        values = (*fields(row, anchor).values(), *(found.get(kind) for kind, _ in LETTER_FIELDS))
        writer.writerow([safe_cell(value) for value in values])
        tick()
    text.flush()
    text.detach()


def write_jsonl(out: BinaryIO, rows: Rows, anchor: Anchor, tick: Tick) -> None:
    """One JSON object per line: the values exactly (JSON is not opened by spreadsheets)."""
    for row in rows:
        record: dict[str, object] = fields(row, anchor)
        record["reasons"] = [r for r in str(record["reasons"]).split(";") if r]
        record["letters"] = row.letters
        out.write((json.dumps(record, ensure_ascii=False) + "\n").encode())
        tick()


# Excel opens at most this many rows of a sheet (the header included): beyond it, a sheet
# continues in "Letters 2", "Letters 3"... (three letters a decision pass it at ~349,000).
SHEET_ROWS = 1_048_576


def write_xlsx(out: BinaryIO, rows: Rows, anchor: Anchor, tick: Tick, about: str) -> None:
    """Sheets of decisions, sheets of letters, and a sheet saying what this export is. Every
    cell is a string cell, never a formula, whatever its text (and is read back exactly)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    decisions = _Sheets(book, "Decisions", FIELDS, WriteOnlyCell)
    letter_sheets = _Sheets(book, "Letters", ("our_ref", "letter", "text"), WriteOnlyCell)
    for row in rows:
        values = fields(row, anchor)
        decisions.append(values.values())
        for kind, text in sorted(row.letters.items()):
            letter_sheets.append((values["our_ref"], kind, text))
        tick()
    sheet: WriteOnlyWorksheet = book.create_sheet("About")
    for line in (
        ("What", about),
        ("Log head count", anchor.count),
        ("Log head sha256", anchor.hash),
    ):
        sheet.append(_text_cells(sheet, line, WriteOnlyCell))
    book.save(out)


class _Sheets:
    """A sheet that continues in another of the same name and a number when it is full."""

    def __init__(
        self, book: Workbook, name: str, header: Sequence[str], cell: Callable[..., Cell]
    ) -> None:
        self._book, self._name, self._header, self._cell = book, name, header, cell
        self._count = 0
        self._sheet, self._rows = self._next()  # headed even when no row follows

    def _next(self) -> tuple[WriteOnlyWorksheet, int]:
        self._count += 1
        sheet: WriteOnlyWorksheet = self._book.create_sheet(
            self._name if self._count == 1 else f"{self._name} {self._count}"
        )
        sheet.append(_text_cells(sheet, self._header, self._cell))
        return sheet, 1

    def append(self, values: Iterable[object]) -> None:
        if self._rows >= SHEET_ROWS:
            self._sheet, self._rows = self._next()
        self._sheet.append(_text_cells(self._sheet, values, self._cell))
        self._rows += 1


def _text_cells(
    sheet: WriteOnlyWorksheet, values: Iterable[object], cell_type: Callable[..., Cell]
) -> list[Cell | str | None]:
    """Each value as text, printable. A plain string openpyxl writes as text itself; one it would
    take for a formula or an error value ("=SUM(A1)", "#N/A") goes as a cell typed as text."""
    cells: list[Cell | str | None] = []
    for value in values:
        if value is None:
            cells.append(None)
            continue
        text = _printable(str(value))
        if text.startswith(("=", "#")):
            cell = cell_type(sheet, value=text)
            cell.data_type = "s"  # text, even when it looks like "=SUM(A1)"
            cells.append(cell)
        else:
            cells.append(text)
    return cells


# The control characters XLSX cannot hold: all below a space but tab, line feed and return.
_UNPRINTABLE = re.compile("[^\t\n\r -\U0010ffff]")


def _printable(text: str) -> str:
    """XLSX cannot hold most control characters; show them as escapes instead of failing."""
    if text.isprintable():  # most names and references, at C speed; letters hold newlines
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    return f"\\x{ord(found.group()):02x}"


# --- FHIR R4 -----------------------------------------------------------------------------------
#
# Each resource is built as a plain dict in the shape and key order fhir.resources writes it, and
# dumped with json. The models check the first resource of each shape in an export (its type and
# which optional parts it has) and any resource holding a value the checks below cannot vouch for
# (a reason that may not be a FHIR code, an empty text, a naive time): such a resource is then
# written as the models write it, or refused as they refuse it. tests/test_exports.py compares
# this with the models on arbitrary text, and validates exported Bundles in full.


@cache
def _model(name: str) -> type[BaseModel]:
    from fhir.resources.R4B import get_fhir_model_class

    model: type[BaseModel] = get_fhir_model_class(name)
    return model


_REFERENCE_SYSTEM = "urn:shared-care-triage:sender:"
_ANCHOR_SYSTEM = "urn:shared-care-triage:log-head"
_DECISION_SYSTEM = "urn:shared-care-triage:decision"
_REASON_SYSTEM = "urn:shared-care-triage:reason"
# What fhir_core's patterns accept, narrowed to what is plainly inside them (their regexes run in
# Rust, whose \s is not quite Python's): a string with a space or a non-space character, a code
# of printable ASCII words single-spaced, an id of at most 64 letters, digits, "-" and ".".
_STRING = re.compile(r"[ \r\n\t]|\S")
_CODE = re.compile(r"[!-~]+(?: [!-~]+)*")
_ID = re.compile(r"[A-Za-z0-9.-]{1,64}")
Resource = dict[str, Any]


def write_fhir(out: BinaryIO, rows: Rows, anchor: Anchor, tick: Tick) -> None:
    """A Bundle (collection) of a Task per decision (accepted or rejected, focused on the
    request's ServiceRequest by its identifier) and a Communication per letter."""
    head = _model("Bundle")(
        resourceType="Bundle",
        type="collection",
        identifier={"system": _ANCHOR_SYSTEM, "value": f"{anchor.count}:{anchor.hash}"},
    ).model_dump(mode="json", exclude_none=True)
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ',"entry":['
    out.write(opening.encode())
    checked: set[tuple[str, ...]] = set()  # the shapes the models have checked in this export
    separator = ""
    for row in rows:
        entries = []
        for resource, plain in _resources(row):
            if not plain:
                resource = _through_model(resource)
            elif (shape := tuple(resource)) not in checked:
                _model(resource["resourceType"]).model_validate(resource)
                checked.add(shape)
            entries.append(
                _to_json({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
            )
        try:
            out.write((separator + ",".join(entries)).encode())
        except UnicodeEncodeError:  # a lone surrogate: the models refuse it, as before
            for resource, _ in _resources(row):
                _through_model(resource)
            raise
        separator = ","
        tick()
    out.write(b"]}")


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps makes one a call


def _through_model(resource: Resource) -> Resource:
    """The resource as fhir.resources writes it, or its ValidationError."""
    model = _model(resource["resourceType"])
    dumped: Resource = model(**resource).model_dump(mode="json", exclude_none=True)
    return dumped


def _resources(row: ExportedDecision) -> list[tuple[Resource, bool]]:
    """The decision's Task and its letters' Communications, each with whether every value in it
    is plainly one the models accept and write unchanged."""
    task_id = f"decision-{row.decision_id}"
    action = row.action.value
    reasons = [reason for reason in ";".join(row.reasons).split(";") if reason]
    authored, plain_time = _date_time(row.decided_at)
    plain = (
        plain_time
        and all(_CODE.fullmatch(reason) for reason in reasons)
        and all(_STRING.search(text) for text in (row.our_ref, row.request_ref, row.decided_by))
    )
    task: Resource = {
        "resourceType": "Task",
        "id": task_id,
        "identifier": [{"system": _DECISION_SYSTEM, "value": row.our_ref}],
        "status": "rejected" if action in ("decline", "redirect") else "accepted",
    }
    if reasons:
        task["statusReason"] = {
            "coding": [{"system": _REASON_SYSTEM, "code": reason} for reason in reasons],
            "text": ", ".join(reasons),
        }
    task["businessStatus"] = {"text": action}
    task["intent"] = "order"
    if row.redirect_to:
        task["description"] = f"Redirected to {row.redirect_to}"
    task["focus"] = {
        "type": "ServiceRequest",
        "identifier": {"system": _REFERENCE_SYSTEM + row.sender, "value": row.request_ref},
    }
    task["authoredOn"] = authored
    task["owner"] = {"display": row.decided_by}
    if row.note:
        task["note"] = [{"text": row.note}]
    resources = [(task, bool(plain))]
    for kind, text in sorted(row.letters.items()):
        communication: Resource = {
            "resourceType": "Communication",
            "id": f"{task_id}-{kind}",
            "status": "completed",
            "category": [{"text": kind}],
            "about": [{"reference": f"urn:uuid:{task_id}"}],
            "sent": authored,
            "payload": [{"contentString": text}],
        }
        letter_plain = (
            plain_time
            and _ID.fullmatch(communication["id"]) is not None
            and _STRING.search(kind) is not None
            and _STRING.search(text) is not None
        )
        resources.append((communication, letter_plain))
    return resources


def _date_time(moment: datetime) -> tuple[str, bool]:
    """A time as fhir.resources writes a dateTime (UTC as "Z"), and whether it surely does:
    otherwise, as the models were given it before."""
    text = moment.isoformat()
    if moment.utcoffset() == _ZERO and text.endswith("+00:00"):
        return text[:-6] + "Z", True
    return text, False


_ZERO = timedelta(0)


def suffix_format(path: Path) -> str | None:
    """The format a file name asks for, if its extension names one."""
    return {".csv": "csv", ".jsonl": "jsonl", ".xlsx": "xlsx", ".json": "fhir"}.get(
        path.suffix.lower()
    )
