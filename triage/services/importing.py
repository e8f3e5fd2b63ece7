"""Importing request files into the queue: all or nothing by default, idempotent by sender and ref.

Every file is read and checked before the database is touched; the new requests from all files
are then written in one transaction, so an import is either wholly there or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from triage import audit
from triage.errors import ProblemsFound, UserError
from triage.intake import (
    MAX_FILE_BYTES,
    TYPED_FIELDS,
    FileResult,
    Problem,
    Progress,
    check_typed,
    read_requests_file,
)
from triage.models import (
    Flag,
    IncomingRequest,
    LogEvent,
    Request,
    SourceFormat,
    Status,
    StoredFingerprint,
)
from triage.presentation import some_of
from triage.rules import Permission, require, require_details_to_complete
from triage.services.workspace import Workspace

# What a file picker lists: the usual names of the files the importer reads. The importer itself
# goes by each file's content (docs/import-formats.md), so a file named otherwise, given by
# name or by a pattern, is read all the same.
IMPORTABLE_SUFFIXES = (
    ".csv",
    ".json",
    ".jsonl",
    ".ndjson",
    ".xml",
    ".pdf",
    ".docx",
    ".eml",
    ".msg",
    ".txt",
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
)


@dataclass
class FileOutcome:
    name: str
    format: SourceFormat | None
    added: int = 0
    already_present: int = 0
    rejected: int = 0  # records not imported because of problems
    file_rejected: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class ImportSummary:
    files: list[FileOutcome]

    @property
    def added(self) -> int:
        return sum(outcome.added for outcome in self.files)

    @property
    def already_present(self) -> int:
        return sum(outcome.already_present for outcome in self.files)

    @property
    def rejected(self) -> int:
        return sum(outcome.rejected for outcome in self.files)

    @property
    def problems(self) -> list[Problem]:
        return [problem for outcome in self.files for problem in outcome.problems]

    @property
    def warnings(self) -> list[Problem]:
        return [warning for outcome in self.files for warning in outcome.warnings]


class ImportRejected(ProblemsFound):
    """Nothing was imported: the files have problems and --skip-invalid was not given."""

    def __init__(self, summary: ImportSummary) -> None:
        problems = summary.problems
        files = sorted({problem.file for problem in problems})
        super().__init__(
            f"nothing imported: {len(problems)} problem{'s' if len(problems) != 1 else ''} in "
            f"{some_of(files)}; correct the file{'s' if len(files) != 1 else ''}, or use "
            "--skip-invalid to import the good rows",
            [str(problem) for problem in problems],
        )
        self.summary = summary


def import_files(
    workspace: Workspace,
    files: Sequence[Path],
    *,
    skip_invalid: bool = False,
    progress: Callable[[str], Progress] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    names: Sequence[str] | None = None,
) -> ImportSummary:
    """Import the files. `progress(label)` starts a progress report and returns its update
    callback: one for reading each file, then one for saving. `names`, one per file, are what
    the import records as the files' names (a MESH message's, say) instead of their paths."""
    require(workspace.user, Permission.IMPORT_REQUESTS)
    now = workspace.clock.now()
    today = workspace.clock.today()
    results = read_files(files, today=today, progress=progress, max_bytes=max_bytes, names=names)
    summary = ImportSummary(
        [
            FileOutcome(
                result.name,
                result.format,
                rejected=result.records_rejected,
                file_rejected=result.file_rejected,
                problems=result.problems,
                warnings=list(result.notes),
            )
            for result in results
        ]
    )
    if summary.problems and not skip_invalid:
        raise ImportRejected(summary)
    with workspace.database.write() as tx:
        seen: dict[tuple[str, str], StoredFingerprint] = {}
        for result, outcome in zip(results, summary.files, strict=True):
            if result.file_rejected or result.format is None:
                continue
            keys = [(item.request.sender_key, item.request.ref) for item in result.accepted]
            seen.update(tx.requests.fingerprints(key for key in keys if key not in seen))
            new = _split_new(result, seen, outcome)
            import_id = tx.requests.add_import(
                file_name=result.name,
                file_sha256=result.sha256,
                source_format=result.format,
                imported_by=workspace.user,
                imported_at=now,
                requests_added=len(new),
                requests_present=outcome.already_present,
                rows_rejected=outcome.rejected,
            )
            if result.original is not None and new:
                tx.originals.keep(result.sha256, result.name, result.original, now)
            saving = progress(f"Saving {len(new):,} requests") if progress and new else None
            tx.requests.add(new, import_id=import_id, imported_at=now, progress=saving)
            outcome.added = len(new)
    return summary


def read_files(
    files: Sequence[Path],
    *,
    today: date,
    progress: Callable[[str], Progress] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    names: Sequence[str] | None = None,
) -> list[FileResult]:
    """Read and check every file; nothing is stored."""
    labels = [str(path) for path in files] if names is None else names
    return [
        read_requests_file(
            path,
            today=today,
            name=name,
            max_bytes=max_bytes,
            progress=progress(f"Reading {name}") if progress else None,
        )
        for path, name in zip(files, labels, strict=True)
    ]


def _split_new(
    result: FileResult, seen: dict[tuple[str, str], StoredFingerprint], outcome: FileOutcome
) -> list[IncomingRequest]:
    """The requests not seen before, recording the others (and any that changed) on the outcome.
    Warnings about a request are only passed on when it is the one imported."""
    new = []
    for item in result.accepted:
        request = item.request
        key = (request.sender_key, request.ref)
        fingerprint = request.content_sha256
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = StoredFingerprint(fingerprint, request.source.file, request.source.location)
            new.append(request)
            outcome.warnings.extend(item.warnings)
            continue
        outcome.already_present += 1
        if earlier.content_sha256 != fingerprint:
            outcome.warnings.append(
                Problem(
                    result.name,
                    None,
                    "ref",
                    f"{request.ref!r} from {request.sender!r} ({request.source.location}) was "
                    f"already imported from {earlier.source_file} ({earlier.source_location}) "
                    "with different content; the earlier request is kept",
                )
            )
    return new


# --- completing what a letter's reader could not read ---------------------------------------------


def complete_details(workspace: Workspace, request_id: int, typed: Mapping[str, str]) -> Request:
    """Type or correct a letter's patient, sender or clinician (`typed`: field -> text), checked
    as an import checks them, each change in the decision log. When nothing is left to
    complete, the request joins the queue as open; until then it stays in needs_details."""
    require(workspace.user, Permission.COMPLETE_DETAILS)
    unknown = sorted(set(typed) - set(TYPED_FIELDS))
    if unknown:
        raise UserError(f"cannot complete {', '.join(unknown)}: only {', '.join(TYPED_FIELDS)}")
    if not typed:
        raise UserError("say what to complete: the NHS number, name, date of birth, ...")
    today = workspace.clock.today()
    checked = {field_name: check_typed(field_name, raw, today) for field_name, raw in typed.items()}
    with workspace.database.write() as tx:
        request = tx.requests.get(request_id, lock=True)
        if request is None:
            raise UserError(f"request {request_id} no longer exists")
        require_details_to_complete(request)
        completed = _completed(request, checked)
        tx.requests.complete_details(completed)
        audit.append(
            tx,
            event=LogEvent.DETAILS_COMPLETED,
            user=workspace.user,
            at=workspace.clock.now(),
            request=completed,
            details={
                "changed": {
                    name: {"from": _shown(_current(request, name)), "to": _shown(value)}
                    for name, value in checked.items()
                },
                "still_needed": list(completed.details_needed),
            },
        )
    return completed


def _current(request: Request, field_name: str) -> object:
    patient = request.patient
    return {
        "nhs_number": patient.nhs_number,
        "patient_name": patient.name,
        "date_of_birth": patient.date_of_birth,
        "organisation": request.organisation,
        "requester": request.requester,
    }[field_name]


def _shown(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _completed(request: Request, checked: Mapping[str, object]) -> Request:
    patient = request.patient
    nhs_number = checked.get("nhs_number", patient.nhs_number)
    valid = patient.nhs_number_valid or "nhs_number" in checked
    flags = tuple(flag for flag in request.flags if not (flag is Flag.INVALID_NHS_NUMBER and valid))
    still_needed = tuple(
        need for need in request.details_needed if need.split(":", 1)[0] not in checked
    )
    return request.model_copy(
        update={
            "patient": patient.model_copy(
                update={
                    "nhs_number": nhs_number,
                    "nhs_number_valid": valid,
                    "name": checked.get("patient_name", patient.name),
                    "date_of_birth": checked.get("date_of_birth", patient.date_of_birth),
                }
            ),
            "organisation": checked.get("organisation", request.organisation),
            "requester": checked.get("requester", request.requester),
            "flags": flags,
            "details_needed": still_needed,
            "status": Status.NEEDS_DETAILS if still_needed else Status.OPEN,
        }
    )
