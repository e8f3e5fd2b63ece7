"""Importing request files into the queue: all or nothing by default, idempotent by sender and ref.

Every file is opened first, before the database is locked: a letter is read (by OCR, for a scan)
and a FHIR bundle parsed, and a file that cannot be read at all is named. Then each file's
records are read and checked one at a time and stored a batch at a time, so that however big a
file is, its requests are never all held at once (a big CSV file is not even held whole:
triage/intake/reader.py). Everything an import stores goes in one write transaction, begun
when there is first something to store and committed once every file has been read: an import
is wholly there or not at all, whenever it is stopped. Without --skip-invalid the first problem
found rolls it back at once (nothing will be saved, and others need not wait while the rest is
checked); with it, a file refused part way is undone alone (a savepoint) and the others kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

from db import Database, Transaction
from db.queries import Savepoint
from triage import audit
from triage.errors import Joined, Problems, ProblemsFound, ReadInOrder, UserError
from triage.intake import (
    MAX_FILE_BYTES,
    TYPED_FIELDS,
    Accepted,
    FileRejected,
    FileResult,
    OpenedFile,
    Problem,
    Progress,
    check_records,
    check_typed,
    open_requests_file,
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
    User,
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

# Requests looked up (already stored?) and stored together; a batch of long letters sooner.
BATCH_REQUESTS = 1_000
BATCH_CHARACTERS = 4_000_000


@dataclass
class FileOutcome:
    name: str
    format: SourceFormat | None
    added: int = 0
    already_present: int = 0
    rejected: int = 0  # records not imported because of problems
    file_rejected: bool = False
    problems: Problems = field(default_factory=Problems)
    warnings: Problems = field(default_factory=Problems)


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
    def problems(self) -> Sequence[Problem]:
        return Joined([outcome.problems for outcome in self.files])

    @property
    def warnings(self) -> Sequence[Problem]:
        return Joined([outcome.warnings for outcome in self.files])


class ImportRejected(ProblemsFound):
    """Nothing was imported: the files have problems and --skip-invalid was not given."""

    def __init__(self, summary: ImportSummary) -> None:
        problems = summary.problems
        files = sorted({problem.file for problem in problems})
        super().__init__(
            f"nothing imported: {len(problems)} problem{'s' if len(problems) != 1 else ''} in "
            f"{some_of(files)}; correct the file{'s' if len(files) != 1 else ''}, or use "
            "--skip-invalid to import the good rows",
            _Lines(problems),
        )
        self.summary = summary


class _Lines(ReadInOrder[str]):
    """Each problem as its line, made as it is read (there may be 100,000)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self._problems = problems

    def __len__(self) -> int:
        return len(self._problems)

    def __iter__(self) -> Iterator[str]:
        return map(str, self._problems)


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
    callback: one for each file, reading and saving it. `names`, one per file, are what
    the import records as the files' names (a MESH message's, say) instead of their paths."""
    require(workspace.user, Permission.IMPORT_REQUESTS)
    now = workspace.clock.now()
    today = workspace.clock.today()
    labels = [str(path) for path in files] if names is None else list(names)
    summary = ImportSummary([FileOutcome(name, None) for name in labels])
    opened = []
    for path, outcome in zip(files, summary.files, strict=True):
        update = progress(f"Reading {outcome.name}") if progress else None
        try:
            file = open_requests_file(path, today=today, name=outcome.name, max_bytes=max_bytes)
        except FileRejected as rejected:
            outcome.problems.extend(rejected.problems)
            outcome.file_rejected = True
            if update is not None:
                update(1, 1)  # done: there is nothing more to read
            continue
        outcome.format = file.format
        outcome.warnings.extend(file.notes)
        opened.append((file, outcome, update))
    with _Saving(workspace.database, skip_invalid=skip_invalid) as saving:
        if summary.problems:
            saving.problem_found()
        opened.reverse()
        while opened:  # each file let go once read (a letter's bytes, a JSON file's text)
            file, outcome, update = opened.pop()
            _import_file(saving, file, outcome, today=today, now=now, user=workspace.user,
                         progress=update)  # fmt: skip
        if saving.refused:
            for outcome in summary.files:
                outcome.added = outcome.already_present = 0
            raise ImportRejected(summary)
    return summary


def read_files(
    files: Sequence[Path],
    *,
    today: date,
    progress: Callable[[str], Progress] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    names: Sequence[str] | None = None,
) -> list[FileResult]:
    """Read and check every file, every request held; nothing is stored."""
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


class _Saving(AbstractContextManager["_Saving"]):
    """The import's one write transaction: begun when there is first something to store,
    committed when the import ends well, rolled back if it ends with an error, and rolled back
    at once when nothing of the import can be saved any more (a problem without
    --skip-invalid), so that the rest is checked without keeping others waiting."""

    def __init__(self, database: Database, *, skip_invalid: bool) -> None:
        self._database = database
        self.skip_invalid = skip_invalid
        self.refused = False  # a problem, without --skip-invalid: nothing will be saved
        self._writing: AbstractContextManager[Transaction] | None = None
        self._tx: Transaction | None = None

    def transaction(self) -> Transaction:
        assert not self.refused, "nothing is written once the import is refused"
        if self._tx is None:
            self._writing = self._database.write()
            self._tx = self._writing.__enter__()
        return self._tx

    def problem_found(self) -> None:
        if self.skip_invalid or self.refused:
            return
        self.refused = True
        self._end(_Refused, _Refused(), None)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._end(kind, error, traceback)

    def _end(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commit (no error) or roll back (an error) the transaction, if one was begun."""
        writing, self._writing, self._tx = self._writing, None, None
        if writing is not None:
            writing.__exit__(kind, error, traceback)


class _Refused(Exception):
    """Thrown into the write transaction to roll it back: nothing of the import will be saved."""


def _import_file(
    saving: _Saving,
    file: OpenedFile,
    outcome: FileOutcome,
    *,
    today: date,
    now: datetime,
    user: User,
    progress: Progress | None,
) -> None:
    """Check each record of the file and store the good ones, a batch at a time (unless the
    file or the import is refused: then its records are only checked, to name every problem)."""
    if file.file_problems:
        outcome.problems.extend(file.file_problems)
        outcome.file_rejected = True
        saving.problem_found()
    storing = _Storing(saving, file, outcome, now=now, user=user)
    try:
        for checked in check_records(file, today=today, progress=progress):
            if checked.request is None:
                outcome.problems.extend(checked.problems)
                outcome.rejected += 1
                saving.problem_found()
            elif not (outcome.file_rejected or saving.refused):
                storing.add(Accepted(checked.request, checked.warnings))
        if not (outcome.file_rejected or saving.refused):
            storing.finish()
    except FileRejected as rejected:  # part way: what was stored of the file is undone
        storing.undo()
        outcome.problems.extend(rejected.problems)
        outcome.file_rejected = True
        outcome.added = outcome.already_present = 0
        outcome.warnings = Problems(file.notes)
        saving.problem_found()


class _Storing:
    """One file's good requests, stored a batch at a time, each batch looked up first (already
    stored, from an earlier import, an earlier file or an earlier batch of this one?). The
    import's record is written last, with its counts, which are known only then (nobody may
    change it afterwards); the requests before it name it by an id taken beforehand."""

    def __init__(
        self, saving: _Saving, file: OpenedFile, outcome: FileOutcome, *, now: datetime, user: User
    ) -> None:
        self._saving, self._file, self._outcome = saving, file, outcome
        self._now, self._user = now, user
        self._batch: list[Accepted] = []
        self._characters = 0
        self._import_id: int | None = None
        self._savepoint: Savepoint | None = None
        self._original_kept = False

    def add(self, item: Accepted) -> None:
        self._batch.append(item)
        self._characters += len(item.request.text or "")
        if len(self._batch) >= BATCH_REQUESTS or self._characters >= BATCH_CHARACTERS:
            self._store()

    def finish(self) -> None:
        """The last batch, and the import's record with its counts."""
        self._store()
        tx, import_id = self._begun()
        outcome = self._outcome
        tx.requests.add_import(
            import_id=import_id,
            file_name=outcome.name,
            file_sha256=self._file.sha256,  # a file read as it streams: known now
            source_format=self._file.format,
            imported_by=self._user,
            imported_at=self._now,
            requests_added=outcome.added,
            requests_present=outcome.already_present,
            rows_rejected=outcome.rejected,
        )
        assert self._savepoint is not None
        self._savepoint.keep()

    def undo(self) -> None:
        """Nothing of the file stays (the file was refused part way)."""
        self._batch = []
        if self._savepoint is not None and not self._saving.refused:
            self._savepoint.undo()

    def _begun(self) -> tuple[Transaction, int]:
        tx = self._saving.transaction()
        if self._import_id is None:
            self._savepoint = tx.savepoint()
            self._import_id = tx.requests.new_import_id()
        return tx, self._import_id

    def _store(self) -> None:
        batch, self._batch, self._characters = self._batch, [], 0
        if not batch:
            return
        tx, import_id = self._begun()
        seen = tx.requests.fingerprints(
            (item.request.sender_key, item.request.ref) for item in batch
        )
        new = _split_new(batch, seen, self._outcome)
        if not new:
            return
        original = self._file.original
        if original is not None and not self._original_kept:
            tx.originals.keep(self._file.sha256, self._outcome.name, original, self._now)
            self._original_kept = True
        tx.requests.add(new, import_id=import_id, imported_at=self._now)
        self._outcome.added += len(new)


def _split_new(
    batch: Sequence[Accepted],
    seen: dict[tuple[str, str], StoredFingerprint],
    outcome: FileOutcome,
) -> list[IncomingRequest]:
    """The requests not seen before, recording the others (and any that changed) on the outcome.
    Warnings about a request are only passed on when it is the one imported."""
    new = []
    for item in batch:
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
                    outcome.name,
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
