"""Importing request files into the queue: all or nothing by default, idempotent by sender and ref.

Every file is read and checked before the database is touched; the new requests from all files
are then written in one transaction, so an import is either wholly there or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from triage.errors import ProblemsFound
from triage.intake import MAX_FILE_BYTES, FileResult, Problem, Progress, read_requests_file
from triage.models import IncomingRequest, SourceFormat, StoredFingerprint
from triage.rules import Permission, require
from triage.services.workspace import Workspace


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
            f"{', '.join(files)}; correct the file{'s' if len(files) != 1 else ''}, or use "
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
) -> ImportSummary:
    """Import the files. `progress(label)` starts a progress report and returns its update
    callback: one for reading each file, then one for saving."""
    require(workspace.user, Permission.IMPORT_REQUESTS)
    now = workspace.clock.now()
    today = workspace.clock.today()
    results = read_files(files, today=today, progress=progress, max_bytes=max_bytes)
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
) -> list[FileResult]:
    """Read and check every file; nothing is stored."""
    return [
        read_requests_file(
            path,
            today=today,
            max_bytes=max_bytes,
            progress=progress(f"Reading {path}") if progress else None,
        )
        for path in files
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
