"""Reading one incoming file into checked requests. No database here: the import service decides
what to store, all or nothing.

A file is opened first (open_requests_file: recognised, and refused at once if it cannot be
read), then its records are checked one at a time as they are asked for (check_records), so that
the import can store them a batch at a time without holding a whole file's requests. A big CSV
file is read as it streams, never held whole; the other formats are read whole (a letter or a
FHIR bundle is parsed whole anyway) but their records are still checked one at a time.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from triage.errors import FileRejected, Problem
from triage.intake.csv_reader import read_csv, read_csv_lines
from triage.intake.fhir_reader import read_fhir_json, read_fhir_xml
from triage.intake.fhir_xml import UTF16_STARTS
from triage.intake.json_reader import read_json_array, read_json_lines
from triage.intake.letters import read_letters
from triage.intake.letters.documents import OLE_MAGIC, PDF_MAGIC, ZIP_MAGIC, image_kind, is_docx
from triage.intake.letters.recognise import looks_like_csv, looks_like_email
from triage.intake.limits import MAX_FILE_BYTES, check_json_depth, decode_utf8, read_bounded
from triage.intake.records import COLUMNS, CheckedRecord, RawRecord, check_record
from triage.models import IncomingRequest, SourceFormat

LETTER_FORMATS = frozenset(
    {SourceFormat.PDF, SourceFormat.DOCX, SourceFormat.EMAIL, SourceFormat.TEXT, SourceFormat.SCAN}
)
# progress(done, total), in lines of the file (or entries of a FHIR bundle)
Progress = Callable[[int, int], None]
# A CSV file this big or bigger is read as it streams (tests make it 0, to read small files so).
STREAM_CSV_FROM_BYTES = 1024 * 1024
_HEAD_BYTES = 64 * 1024  # what is read of a big file to recognise it
_CHUNK_CHARACTERS = 1024 * 1024
_PROGRESS_EVERY = 500  # records between two reports of progress


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


@dataclass
class OpenedFile:
    """A file recognised and ready to be read record by record (check_records)."""

    name: str
    format: SourceFormat
    records: Iterable[RawRecord]  # read as they are asked for; may raise FileRejected part way
    # Problems that reject the file (a CSV header's): its rows are still checked, so that every
    # problem can be listed at once.
    file_problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    lines: int = 1
    original: bytes | None = None  # a letter's file, to keep unchanged beside its requests
    # The file's SHA-256; for a file read as it streams, known once every record has been read.
    digest: Callable[[], str] = lambda: ""

    @property
    def sha256(self) -> str:
        return self.digest()


def read_requests_file(
    path: Path,
    *,
    today: date,
    name: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> FileResult:
    """The whole file read and checked, every request held (the import itself goes a record at
    a time: services/importing.py)."""
    name = name or str(path)
    try:
        opened = open_requests_file(path, today=today, name=name, max_bytes=max_bytes)
    except FileRejected as rejected:
        return FileResult(name, None, "", problems=rejected.problems, file_rejected=True)
    result = FileResult(name, opened.format, "", notes=list(opened.notes))
    result.problems.extend(opened.file_problems)
    result.file_rejected = bool(opened.file_problems)
    try:
        for checked in check_records(opened, today=today, progress=progress):
            if checked.request is None:
                result.problems.extend(checked.problems)
                result.records_rejected += 1
            else:
                result.accepted.append(Accepted(checked.request, checked.warnings))
    except FileRejected as rejected:
        result.problems.extend(rejected.problems)
        result.file_rejected = True
    result.sha256 = opened.sha256
    if result.file_rejected:
        result.accepted.clear()  # rows were checked only so that every problem is listed
    if result.accepted:
        result.original = opened.original
    return result


def open_requests_file(
    path: Path, *, today: date, name: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> OpenedFile:
    """Recognise the file from its content and start reading it; FileRejected when it cannot be
    read at all (missing, too big, not UTF-8, a CSV header that cannot be read...). A letter or
    a FHIR file is read here, whole; a big CSV file is only looked through, to be read again,
    as it streams, when its records are asked for."""
    name = name or str(path)
    streamed = _csv_streamed(path, name, max_bytes)
    if streamed is not None:
        return streamed
    data = read_bounded(path, name, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    opened = _open(data, name, today)
    opened.digest = lambda: sha256
    if opened.format in LETTER_FORMATS:
        opened.original = data
    return opened


def check_records(
    opened: OpenedFile, *, today: date, progress: Progress | None = None
) -> Iterator[CheckedRecord]:
    """Each record of the file, checked, as it is read. Raises FileRejected part way when the
    rest of the file cannot be read (a JSON array broken after its first requests)."""
    letter = opened.format in LETTER_FORMATS
    total = opened.lines
    for count, record in enumerate(opened.records, start=1):
        checked = check_record(record, file=opened.name, source_format=opened.format, today=today)
        if letter and checked.request is not None:
            request = checked.request
            source = request.source.model_copy(update={"original_sha256": opened.sha256})
            checked.request = request.model_copy(update={"source": source})
        if progress is not None and record.place.line is not None and count % _PROGRESS_EVERY == 0:
            progress(min(record.place.line, total), total)
        yield checked
    if progress is not None:
        progress(total, total)  # done, even if the last lines were blank


def _csv_streamed(path: Path, name: str, max_bytes: int) -> OpenedFile | None:
    """A big CSV file, looked through (its size, that it is UTF-8, its lines and its header),
    to be read again as it streams; None for anything else, or anything wrong with the file
    but its header, which _open names as it always has."""
    try:
        size = path.stat().st_size
        if size < STREAM_CSV_FROM_BYTES or size > max_bytes:
            return None
        with path.open("rb") as binary:
            head = binary.read(_HEAD_BYTES)
            if not _starts_as_csv(head, whole=len(head) == size):
                return None
            binary.seek(0)
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            refused: FileRejected | None = None
            try:
                header_problems, _ = read_csv_lines(text, name)
            except FileRejected as rejected:
                header_problems, refused = [], rejected  # named once the file is known to be UTF-8
            lines = 1 + _newlines(text)
            if text.buffer.tell() > max_bytes:
                return None
    except (OSError, UnicodeDecodeError):
        return None
    if refused is not None:
        raise refused
    digest = hashlib.sha256()
    return OpenedFile(
        name,
        SourceFormat.CSV,
        _streamed_rows(path, name, max_bytes, digest, header_problems),
        file_problems=header_problems,
        lines=lines,
        digest=digest.hexdigest,
    )


def _newlines(text: io.TextIOWrapper) -> int:
    """The newlines in the rest of the text (decoding it all: UnicodeDecodeError if it is not
    UTF-8)."""
    count = 0
    while chunk := text.read(_CHUNK_CHARACTERS):
        count += chunk.count("\n")
    return count


def _starts_as_csv(head: bytes, *, whole: bool) -> bool:
    """Whether _open would read a file starting with `head` as CSV, telling from the head
    alone: no letter, no XML or JSON, no e-mail headers, a first line naming request columns.
    False whenever the head cannot tell for sure (the whole file is then read, as always)."""
    if letter_format_of(head) is not None or head.startswith(ZIP_MAGIC):
        return False
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or head.startswith(UTF16_STARTS):
        return False
    if not whole:
        head = head[: head.rfind(b"\n") + 1]  # whole lines, and no character cut in two
    try:
        text = head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    lines = text.splitlines()
    first = next((number for number, line in enumerate(lines) if line.strip()), None)
    if first is None or text.lstrip()[:1] in ("[", "{"):
        return False
    # The e-mail headers' test reads up to a blank line, and at most 40 lines.
    headers_seen = "\n\n" in text or "\r\n\r\n" in text or len(lines) > 40
    if not whole and (first >= len(lines) - 1 or not headers_seen):
        return False
    return not looks_like_email(text) and looks_like_csv(text)


def _streamed_rows(
    path: Path, name: str, max_bytes: int, digest: hashlib._Hash, header_problems: list[Problem]
) -> Iterator[RawRecord]:
    """The records of a CSV file looked through by _csv_streamed, read again as it streams, the
    SHA-256 of what was read taken on the way. A file changed in between is refused."""
    changed = FileRejected(
        Problem(name, None, None, "changed while it was being imported; import it again")
    )
    try:
        with path.open("rb") as raw:
            hashing = io.BufferedReader(_Hashing(raw, digest, max_bytes))
            text = io.TextIOWrapper(hashing, encoding="utf-8-sig", newline="")
            try:
                problems, rows = read_csv_lines(text, name)
            except FileRejected:
                raise changed from None
            if problems != header_problems:
                raise changed
            yield from rows
    except (OSError, UnicodeDecodeError, _TooLarge):
        raise changed from None


class _TooLarge(Exception):
    pass


class _Hashing(io.RawIOBase):
    """A file's bytes as they are read, hashed on the way, and no more than max_bytes."""

    def __init__(self, raw: io.BufferedReader, digest: hashlib._Hash, max_bytes: int) -> None:
        super().__init__()
        self._raw, self._digest, self._left = raw, digest, max_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
            self._left -= count
            if self._left < 0:
                raise _TooLarge
        return count


def _open(data: bytes, name: str, today: date) -> OpenedFile:
    """Recognise the format from the content (not the file name) and start reading."""
    letter_format = letter_format_of(data)
    if letter_format is not None:
        return _letters(data, name, letter_format, today)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or data.startswith(UTF16_STARTS):
        fhir = read_fhir_xml(data, name, today)
        return OpenedFile(name, SourceFormat.FHIR_XML, fhir.records, notes=fhir.notes)
    text = decode_utf8(data, name)
    lines = text.count("\n") + 1
    first = text.lstrip()[:1]
    if first in ("[", "{"):
        check_json_depth(text, name)
    if first == "[":
        return OpenedFile(name, SourceFormat.JSON, read_json_array(text, name), lines=lines)
    if first == "{":
        kind = _kind_of_object_file(text, name)
        if kind == "fhir":
            fhir = read_fhir_json(text, name, today)
            return OpenedFile(name, SourceFormat.FHIR_JSON, fhir.records, notes=fhir.notes)
        if kind == "one request":  # a lone request object, perhaps spread over several lines
            records = read_json_array(f"[{text}]", name)
            return OpenedFile(name, SourceFormat.JSON, records, lines=lines)
        return OpenedFile(name, SourceFormat.JSONL, read_json_lines(text, name), lines=lines)
    if looks_like_email(text):
        return _letters(data, name, SourceFormat.EMAIL, today)
    if not looks_like_csv(text):
        return _letters(data, name, SourceFormat.TEXT, today)
    header_problems, rows = read_csv(text, name)
    return OpenedFile(name, SourceFormat.CSV, rows, file_problems=header_problems, lines=lines)


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


def _letters(data: bytes, name: str, source_format: SourceFormat, today: date) -> OpenedFile:
    letters = read_letters(data, name, source_format, today)
    return OpenedFile(name, source_format, letters.records, notes=letters.notes)


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
