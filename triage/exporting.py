"""Exporting the decision log: one row per decision, written safely (reliability.md §3).

- No cell may start a formula in a spreadsheet: a cell beginning with =, +, -, @, tab, carriage
  return or line feed gets a leading apostrophe (OWASP's rule), which spreadsheets show as text.
- The file is written to a private temporary file beside the target and renamed into place only
  when complete, so an interrupted export leaves no half file; it is created 0600.
- The export is itself a log entry (who, how many rows, a hash of the file), and carries the log
  head (count and hash) it was taken at, as the anchor that proves the log later.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from triage import audit
from triage.clock import practice_date, utc_now
from triage.errors import UserError
from triage.models import Decision, LetterKind, LogEvent, Request
from triage.permissions import Permission, require
from triage.workspace import Workspace

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

COLUMNS = (
    "our_ref", "decided_at", "decided_by", "role", "kind", "action", "suggested_action", "rule",
    "reasons", "redirect_to", "note", "policy_id", "policy_version", "policy_sha256",
    "template_id", "template_version", "letters_edited", "supersedes_decision",
    "request_ref", "sender", "received", "nhs_number", "patient_name", "date_of_birth",
    "requester", "organisation", "letter_to_specialist", "letter_to_patient", "text_message",
    "log_head_count", "log_head_sha256",
)  # fmt: skip


def safe_cell(value: object) -> str:
    """The value as spreadsheet-safe text: never a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    sha256: str
    head_count: int
    head_hash: str


def export_decisions_csv(
    workspace: Workspace, destination: Path, progress: Callable[[int, int], None] | None = None
) -> Exported:
    """Every decision, oldest first, as CSV (managers only)."""
    require(workspace.user, Permission.EXPORT)
    destination = destination.expanduser()
    if destination.is_dir():
        raise UserError(f"{destination} is a folder; give a file name for the export")
    if not destination.parent.is_dir():
        raise UserError(
            f"cannot write {destination}: the folder {destination.parent} does not exist"
        )
    with workspace.database.read() as repository:
        head = repository.log_head(lock=False) or (0, audit.GENESIS)
        count = repository.count_decisions()
        temporary, rows, sha = _write_csv(
            destination,
            (
                _row(decision, request, head)
                for decision, request in repository.decisions_with_requests()
            ),
            count,
            progress,
        )
    try:
        # Logged first, then moved into place: an export that is on disk is always in the log.
        with workspace.database.write() as repository:
            audit.append(
                repository,
                event=LogEvent.EXPORT,
                user=workspace.user,
                at=utc_now(),
                details={
                    "format": "csv",
                    "what": "every decision",
                    "rows": rows,
                    "file": destination.name,
                    "file_sha256": sha,
                    "anchor": {"count": head[0], "hash": head[1]},
                },
            )
        temporary.replace(destination)
    finally:
        temporary.unlink(missing_ok=True)
    return Exported(destination, rows, sha, head[0], head[1])


def _write_csv(
    destination: Path,
    rows: Iterable[Iterable[object]],
    count: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[Path, int, str]:
    """Write a private temporary file beside `destination`; returns it, its rows and hash."""
    digest = hashlib.sha256()
    descriptor, name = tempfile.mkstemp(  # mode 0600
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    temporary = Path(name)
    written = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(_Hashing(file, digest))
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([safe_cell(value) for value in row])
                written += 1
                if progress is not None and written % 200 == 0:
                    progress(written, count)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(written, count)
    return temporary, written, digest.hexdigest()


class _Hashing:
    """A text file that also feeds what is written to a hash (of its UTF-8 bytes)."""

    def __init__(self, file: TextIO, digest: hashlib._Hash) -> None:
        self._file, self._digest = file, digest

    def write(self, text: str) -> int:
        self._digest.update(text.encode())
        return self._file.write(text)


def _row(decision: Decision, request: Request, head: tuple[int, str]) -> Iterator[object]:
    patient = request.patient
    yield from (
        decision.our_ref,
        decision.decided_at.isoformat(),
        decision.decided_by,
        decision.role.value,
        decision.kind.value,
        decision.action.value,
        decision.suggested_action.value,
        decision.rule_id,
        ";".join(reason.value for reason in decision.reasons),
        decision.redirect_to,
        decision.note,
        decision.policy_id,
        decision.policy_version,
        decision.policy_sha256,
        decision.template_id,
        decision.template_version,
        "yes" if decision.letters_edited else "no",
        decision.supersedes_id,
        request.ref,
        request.sender,
        practice_date(request.received).isoformat(),
        patient.nhs_number,
        patient.name,
        patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        request.requester,
        request.organisation,
        decision.letters.get(LetterKind.SPECIALIST),
        decision.letters.get(LetterKind.PATIENT),
        decision.letters.get(LetterKind.SMS),
        head[0],
        head[1],
    )
