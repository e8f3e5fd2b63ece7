"""Exports for managers: the decision log (CSV, JSON Lines, XLSX, FHIR R4), each decision's
letters as files, and the de-identified monthly report for the LMC and ICB (triage.export.report).

Every export is private (0600), complete or absent, logged (who, what filter, how many rows, a
hash of the file) before it is moved into place, and carries the log head it was taken at.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from db import Repository
from triage import audit
from triage.clock import practice_date, utc_now
from triage.errors import UserError
from triage.export.files import check_destination, file_sha256, private_temporary
from triage.export.formats import (
    FORMATS,
    suffix_format,
    write_csv,
    write_fhir,
    write_jsonl,
    write_xlsx,
)
from triage.export.rows import Anchor, chosen_rows, fields
from triage.models import DecisionFilter, LogEvent
from triage.permissions import Permission, require
from triage.workspace import Workspace

Progress = Callable[[int, int], None]
EVERY_DECISION = DecisionFilter()


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int  # decisions
    sha256: str  # of the file (for letters: of the list of files and their hashes)
    anchor: Anchor


def log_anchor(repository: Repository) -> Anchor:
    head = repository.log_head(lock=False)
    return Anchor(*head) if head else Anchor(0, audit.GENESIS)


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
    with workspace.database.read() as repository:
        anchor = log_anchor(repository)
        total = repository.count_decisions()
        written = 0

        def tick() -> None:
            nonlocal written
            written += 1
            if progress is not None and written % 500 == 0:
                progress(written, total)

        rows = chosen_rows(repository, chosen)
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


def log_and_place(
    workspace: Workspace,
    temporary: Path,
    destination: Path,
    what: str,
    chosen: DecisionFilter,
    rows: int,
    anchor: Anchor,
    sha256: str | None = None,
) -> Exported:
    """Log the export, then move it into place: an export on disk is always in the log."""
    try:
        sha256 = sha256 or file_sha256(temporary)
        with workspace.database.write() as repository:
            audit.append(
                repository,
                event=LogEvent.EXPORT,
                user=workspace.user,
                at=utc_now(),
                details={
                    "format": what,
                    "filter": chosen.describe(),
                    "rows": rows,
                    "file": destination.name,
                    "file_sha256": sha256,
                    "anchor": {"count": anchor.count, "hash": anchor.hash},
                },
            )
        temporary.replace(destination)
    finally:
        if temporary.exists():
            if temporary.is_dir():
                for leftover in temporary.iterdir():
                    leftover.unlink()
                temporary.rmdir()
            else:
                temporary.unlink()
    return Exported(destination, rows, sha256, anchor)


# --- letters as files ----------------------------------------------------------------------------

_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def export_letters(
    workspace: Workspace,
    destination: Path,
    chosen: DecisionFilter = EVERY_DECISION,
    progress: Progress | None = None,
) -> Exported:
    """Each chosen decision's letters as plain-text files a clerk can attach in the clinical
    system, named by date, ref and NHS number: 2025-02-03_S04_6052368500_SCT-000004_patient.txt.
    The folder must be new or empty; it is filled completely or not at all."""
    require(workspace.user, Permission.EXPORT)
    destination = destination.expanduser()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise UserError(f"{destination} must be a new or empty folder")
    if not destination.parent.is_dir():
        raise UserError(f"cannot write {destination}: {destination.parent} does not exist")
    staging = destination.parent / f".{destination.name}.part"
    staging.mkdir(mode=0o700)
    listing = hashlib.sha256()
    decisions = 0
    try:
        with workspace.database.read() as repository:
            anchor = log_anchor(repository)
            total = repository.count_decisions()
            for row in chosen_rows(repository, chosen):
                values = fields(row, anchor)
                decided = practice_date_of(values["decided_at"])
                stem = "_".join(
                    _UNSAFE_IN_NAMES.sub("-", str(part)).strip("-") or "none"
                    for part in (decided, values["request_ref"], values["nhs_number"] or "none",
                                 values["our_ref"])
                )  # fmt: skip
                letters = row["letters"]
                assert isinstance(letters, dict)
                for kind, text in sorted(letters.items()):
                    name = f"{stem}_{kind}.txt"
                    _write_private(staging / name, text)
                    listing.update(
                        f"{name}\n{hashlib.sha256(text.encode()).hexdigest()}\n".encode()
                    )
                decisions += 1
                if progress is not None and decisions % 200 == 0:
                    progress(decisions, total)
    except BaseException:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
        raise
    if destination.exists():
        destination.rmdir()  # empty, checked above
    return log_and_place(
        workspace, staging, destination, "letters", chosen, decisions, anchor, listing.hexdigest()
    )


def practice_date_of(iso: object) -> str:
    return practice_date(datetime.fromisoformat(str(iso))).isoformat()


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
        file.write(text if text.endswith("\n") else text + "\n")


__all__ = ["FORMATS", "Exported", "export_letters", "export_log", "suffix_format"]
