"""The decision log as CSV, JSON Lines, XLSX or a FHIR R4 Bundle, written row by row.

Each writer takes the rows one at a time and writes them straight out, so a million decisions
need no more memory than one batch (XLSX uses openpyxl's write-only mode; the FHIR Bundle is
written as JSON piece by piece, each resource validated by fhir.resources on the way).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
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
) -> list[Cell]:
    cells = []
    for value in values:
        cell = cell_type(sheet, value=None if value is None else _printable(str(value)))
        if value is not None:
            cell.data_type = "s"  # text, even when it looks like "=SUM(A1)"
        cells.append(cell)
    return cells


def _printable(text: str) -> str:
    """XLSX cannot hold most control characters; show them as escapes instead of failing."""
    return "".join(
        char if char in "\t\n\r" or ord(char) >= 0x20 else f"\\x{ord(char):02x}" for char in text
    )


# --- FHIR R4 -----------------------------------------------------------------------------------


@cache
def _model(name: str) -> type[BaseModel]:
    from fhir.resources.R4B import get_fhir_model_class

    model: type[BaseModel] = get_fhir_model_class(name)
    return model


_REFERENCE_SYSTEM = "urn:shared-care-triage:sender:"
_ANCHOR_SYSTEM = "urn:shared-care-triage:log-head"


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
    first = True
    for row in rows:
        for resource in _resources(row, anchor):
            entry = {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            out.write((b"" if first else b",") + json.dumps(entry, ensure_ascii=False).encode())
            first = False
        tick()
    out.write(b"]}")


def _resources(row: ExportedDecision, anchor: Anchor) -> list[dict[str, Any]]:
    values = fields(row, anchor)
    task_id = f"decision-{row.decision_id}"
    rejected = values["action"] in ("decline", "redirect")
    reasons = [reason for reason in str(values["reasons"]).split(";") if reason]
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id,
        "identifier": [{"system": "urn:shared-care-triage:decision", "value": values["our_ref"]}],
        "status": "rejected" if rejected else "accepted",
        "intent": "order",
        "businessStatus": {"text": values["action"]},
        "focus": {
            "type": "ServiceRequest",
            "identifier": {
                "system": _REFERENCE_SYSTEM + str(values["sender"]),
                "value": values["request_ref"],
            },
        },
        "authoredOn": values["decided_at"],
        "owner": {"display": values["decided_by"]},
        "note": [{"text": str(values["note"])}] if values["note"] else None,
    }
    if reasons:
        task["statusReason"] = {
            "coding": [
                {"system": "urn:shared-care-triage:reason", "code": reason} for reason in reasons
            ],
            "text": ", ".join(reasons),
        }
    if values["redirect_to"]:
        task["description"] = f"Redirected to {values['redirect_to']}"
    resources = [_model("Task")(**task).model_dump(mode="json", exclude_none=True)]
    for kind, text in sorted(row.letters.items()):
        communication = {
            "resourceType": "Communication",
            "id": f"{task_id}-{kind}",
            "status": "completed",
            "about": [{"reference": f"urn:uuid:{task_id}"}],
            "category": [{"text": kind}],
            "sent": values["decided_at"],
            "payload": [{"contentString": text}],
        }
        resources.append(
            _model("Communication")(**communication).model_dump(mode="json", exclude_none=True)
        )
    return resources


def suffix_format(path: Path) -> str | None:
    """The format a file name asks for, if its extension names one."""
    return {".csv": "csv", ".jsonl": "jsonl", ".xlsx": "xlsx", ".json": "fhir"}.get(
        path.suffix.lower()
    )
