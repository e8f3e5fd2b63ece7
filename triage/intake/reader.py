"""Reading one incoming file into checked requests. No database here: the import service decides
what to store, all or nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from triage.errors import FileRejected, Problem
from triage.intake.csv_reader import read_csv
from triage.intake.fhir_reader import read_fhir_json, read_fhir_xml
from triage.intake.fhir_xml import UTF16_STARTS
from triage.intake.json_reader import read_json_array, read_json_lines
from triage.intake.letters import read_letters
from triage.intake.letters.documents import OLE_MAGIC, PDF_MAGIC, image_kind, is_docx
from triage.intake.letters.recognise import looks_like_csv, looks_like_email
from triage.intake.limits import MAX_FILE_BYTES, check_json_depth, decode_utf8, read_bounded
from triage.intake.records import COLUMNS, RawRecord, check_record
from triage.models import IncomingRequest, SourceFormat

LETTER_FORMATS = frozenset(
    {SourceFormat.PDF, SourceFormat.DOCX, SourceFormat.EMAIL, SourceFormat.TEXT, SourceFormat.SCAN}
)
# progress(done, total), in lines of the file (or entries of a FHIR bundle)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Accepted:
    """A request that passed its checks, with what the user should be told about it."""

    request: IncomingRequest
    warnings: list[Problem]  # e.g. an invalid NHS number: imported, and flagged


@dataclass
class FileResult:
    name: str
    format: SourceFormat | None  # None when the file could not even be recognised
    sha256: str
    accepted: list[Accepted] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # each one rejects its record
    notes: list[Problem] = field(default_factory=list)  # about the file: what was skipped, and why
    records_rejected: int = 0
    file_rejected: bool = False
    original: bytes | None = None  # a letter's file, to keep unchanged beside its requests


def read_requests_file(
    path: Path,
    *,
    today: date,
    name: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> FileResult:
    name = name or str(path)
    try:
        data = read_bounded(path, name, max_bytes)
    except FileRejected as rejected:
        return FileResult(name, None, "", problems=rejected.problems, file_rejected=True)
    result = FileResult(name, None, hashlib.sha256(data).hexdigest())
    total = 1
    try:
        opened = _open(data, name, today)
        total = opened.lines
        result.format = opened.format
        result.problems.extend(opened.file_problems)
        result.file_rejected = bool(opened.file_problems)
        result.notes.extend(opened.notes)
        for record in opened.records:
            checked = check_record(record, file=name, source_format=opened.format, today=today)
            if checked.request is None:
                result.problems.extend(checked.problems)
                result.records_rejected += 1
            else:
                request = checked.request
                if opened.format in LETTER_FORMATS:
                    source = request.source.model_copy(update={"original_sha256": result.sha256})
                    request = request.model_copy(update={"source": source})
                result.accepted.append(Accepted(request, checked.warnings))
            if progress is not None and record.place.line is not None:
                progress(record.place.line, opened.lines)
    except FileRejected as rejected:
        result.problems.extend(rejected.problems)
        result.file_rejected = True
    if progress is not None:
        progress(total, total)  # done, even if the last lines were blank
    if result.file_rejected:
        result.accepted.clear()  # rows were checked only so that every problem is listed
    if result.accepted and result.format in LETTER_FORMATS:
        result.original = data
    return result


@dataclass
class _Opened:
    format: SourceFormat
    records: Iterable[RawRecord]
    file_problems: list[Problem] = field(
        default_factory=list
    )  # reject the file; rows still checked
    notes: list[Problem] = field(default_factory=list)
    lines: int = 1


def _open(data: bytes, name: str, today: date) -> _Opened:
    """Recognise the format from the content (not the file name) and start reading."""
    letter_format = letter_format_of(data)
    if letter_format is not None:
        return _letters(data, name, letter_format, today)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or data.startswith(UTF16_STARTS):
        fhir = read_fhir_xml(data, name, today)
        return _Opened(SourceFormat.FHIR_XML, fhir.records, notes=fhir.notes)
    text = decode_utf8(data, name)
    lines = text.count("\n") + 1
    first = text.lstrip()[:1]
    if first in ("[", "{"):
        check_json_depth(text, name)
    if first == "[":
        return _Opened(SourceFormat.JSON, read_json_array(text, name), lines=lines)
    if first == "{":
        kind = _kind_of_object_file(text, name)
        if kind == "fhir":
            fhir = read_fhir_json(text, name, today)
            return _Opened(SourceFormat.FHIR_JSON, fhir.records, notes=fhir.notes)
        if kind == "one request":  # a lone request object, perhaps spread over several lines
            return _Opened(SourceFormat.JSON, read_json_array(f"[{text}]", name), lines=lines)
        return _Opened(SourceFormat.JSONL, read_json_lines(text, name), lines=lines)
    if looks_like_email(text):
        return _letters(data, name, SourceFormat.EMAIL, today)
    if not looks_like_csv(text):
        return _letters(data, name, SourceFormat.TEXT, today)
    header_problems, rows = read_csv(text, name)
    return _Opened(SourceFormat.CSV, rows, file_problems=header_problems, lines=lines)


def letter_format_of(data: bytes) -> SourceFormat | None:
    """A binary letter: PDF, Word, an Outlook e-mail or a scan."""
    if data.startswith(PDF_MAGIC):
        return SourceFormat.PDF
    if is_docx(data):
        return SourceFormat.DOCX
    if data.startswith(OLE_MAGIC):  # an Outlook .msg; the e-mail reader refuses an old .doc
        return SourceFormat.EMAIL
    if image_kind(data) is not None:
        return SourceFormat.SCAN
    return None


def _letters(data: bytes, name: str, source_format: SourceFormat, today: date) -> _Opened:
    letters = read_letters(data, name, source_format, today)
    return _Opened(source_format, letters.records, notes=letters.notes)


def _kind_of_object_file(text: str, name: str) -> Literal["fhir", "one request", "lines"]:
    """A file starting with "{": one FHIR resource, one request object, or JSON Lines.
    An object that is none of these (the wrong shape) is refused with a clear reason."""
    try:
        first, end = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:
        return "lines"  # the JSON Lines reader reports the bad line
    if not isinstance(first, dict):
        return "lines"
    if "resourceType" in first:
        return "fhir"
    if text.lstrip()[end:].strip():
        return "lines"
    if not set(first) & set(COLUMNS):
        keys = ", ".join(sorted(first)[:5])
        raise FileRejected(
            Problem(
                name,
                None,
                None,
                f"is a JSON object with the keys {keys}: expected a list of requests, "
                "one request per line (JSON Lines), or a FHIR resource",
            )
        )
    return "one request"
