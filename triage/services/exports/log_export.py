"""The decision log as a file: CSV, JSON Lines, XLSX or a FHIR R4 Bundle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from triage.errors import UserError
from triage.models import DecisionFilter
from triage.rules import Permission, require
from triage.services.exports.files import check_destination, private_temporary
from triage.services.exports.formats import FORMATS, write_csv, write_fhir, write_jsonl, write_xlsx
from triage.services.exports.recording import Exported, log_anchor, log_and_place
from triage.services.exports.rows import chosen_rows, count_chosen
from triage.services.workspace import Workspace

Progress = Callable[[int, int], None]
EVERY_DECISION = DecisionFilter()


def export_log(
    workspace: Workspace,
    export_format: str,
    destination: Path,
    chosen: DecisionFilter = EVERY_DECISION,
    progress: Progress | None = None,
) -> Exported:
    """The chosen decisions, with their requests' identifiers and letters (managers only)."""
    require(workspace.user, Permission.EXPORT)
    if export_format not in FORMATS:
        raise UserError(f"unknown export format {export_format!r} (use {', '.join(FORMATS)})")
    destination = check_destination(destination)
    with workspace.database.read() as tx:
        anchor = log_anchor(tx)
        total = count_chosen(tx, chosen)
        written = 0

        def tick() -> None:
            nonlocal written
            written += 1
            if progress is not None and written % 500 == 0:
                progress(written, total)

        rows = chosen_rows(tx, chosen)
        with private_temporary(destination) as (temporary, out):
            if export_format == "csv":
                write_csv(out, rows, anchor, tick)
            elif export_format == "jsonl":
                write_jsonl(out, rows, anchor, tick)
            elif export_format == "xlsx":
                write_xlsx(out, rows, anchor, tick, f"decisions: {chosen.describe()}")
            else:
                write_fhir(out, rows, anchor, tick)
    if progress is not None:
        progress(written, written)
    return log_and_place(workspace, temporary, destination, export_format, chosen, written, anchor)
