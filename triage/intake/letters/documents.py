"""A letter file's text: the pages of a PDF's text layer, a Word file's paragraphs and tables, a
plain-text letter, and a scan read by OCR. E-mails, whose body and attachments are each a document
of their own, are read by mail.py (.eml) and outlook.py (.msg), through attachments.py.

Every reader is bounded before it runs: pages, attachments, uncompressed size and time, so a
corrupt, encrypted or hostile file costs one clear line and nothing else.
"""

from __future__ import annotations

import codecs
import io
import logging
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from triage.errors import FileRejected, Problem
from triage.intake.letters import scans

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_PAGES = 50  # a clinic letter runs to a few pages; a 200-page PDF is not one letter
MAX_ATTACHMENTS = 20
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # a Word file's parts, all together
MAX_COMPRESSION_RATIO = 100  # a zip member this much larger than its compressed self is a bomb
MAX_SECONDS = 30.0  # reading one file's text, however it is made
MAX_TEXT_CHARACTERS = 200_000  # more than any letter: what is beyond is not read
MAX_EMAIL_DEPTH = 3  # a forwarded e-mail inside an e-mail inside an e-mail
MAX_OCR_SECONDS = 180.0  # reading a scan: about a second a page, several on a busy machine
WORDS_ON_A_TEXT_PAGE = 5  # fewer in a PDF page's text layer: the page is a scan

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: Outlook .msg, old .doc
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}


@dataclass(frozen=True)
class Document:
    """One letter's text, page by page, and where in the file it was found; or (skipped) a part
    of the file that may hold a letter but is not read, and why, for the person importing."""

    pages: tuple[str, ...]
    where: str  # "" for the file itself; "attachment 2 (clinic letter.pdf)" in an e-mail
    scanned: bool = False  # some page was read by OCR
    doubtful: frozenset[str] = frozenset()  # words OCR was unsure of
    unread: str = ""  # why a scanned page could not be read; then no page is relied on
    skipped: str = ""  # e.g. an e-mail's text only in RTF: no pages, a note says why

    @property
    def text(self) -> str:
        """The pages in order; from the second on, each starts with its number, so the letter
        can be read page by page as it was printed."""
        return "".join(
            page if number == 1 else f"\n\n--- page {number} ---\n\n{page}"
            for number, page in enumerate(self.pages, start=1)
        )


class _Budget:
    """The time budget for one file."""

    def __init__(self, name: str, seconds: float = MAX_SECONDS) -> None:
        self._name = name
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds

    def left(self) -> float:
        self.check()
        return self._deadline - time.monotonic()

    def check(self) -> None:
        if time.monotonic() > self._deadline:
            reject(self._name, f"took more than {self._seconds:.0f} s to read: not imported")


def reject(name: str, message: str) -> NoReturn:
    raise FileRejected(Problem(name, None, None, message))


def is_docx(data: bytes) -> bool:
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def image_kind(data: bytes) -> str | None:
    return next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)


def pdf_documents(data: bytes, name: str, where: str = "") -> list[Document]:
    """The PDF's text layer, one string per page."""
    from pypdf import PdfReader  # imported on first use: most imports are not PDFs
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    # pypdf logs what it repairs ("EOF marker not found") straight to the terminal; a damaged
    # file is reported once, in our words, below.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    budget = _Budget(name)
    label = f"{name}: {where}" if where else name
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            reject(label, "is an encrypted PDF: save it without a password and import it again")
        count = len(reader.pages)
        if count > MAX_PAGES:
            reject(
                label,
                f"is a PDF of {count} pages, over the {MAX_PAGES}-page limit for one letter: "
                "import the letter on its own",
            )
        pages = []
        for page in reader.pages:
            budget.check()
            pages.append(page.extract_text() or "")
    except FileRejected:
        raise
    except FileNotDecryptedError:
        reject(label, "is an encrypted PDF: save it without a password and import it again")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        reject(label, f"is not a PDF that can be read ({type(error).__name__}): is it damaged?")
    scanned = [n for n, text in enumerate(pages) if len(text.split()) < WORDS_ON_A_TEXT_PAGE]
    if not scanned:
        return [Document(tuple(_bounded(pages)), where)]
    drawn = (scans.pdf_page_image(data, number, label) for number in scanned)
    return [_scanned(pages, scanned, drawn, label, where)]


def image_documents(data: bytes, name: str, where: str = "") -> list[Document]:
    """A scanned letter saved as an image: every page (a TIFF's frames) read by OCR."""
    label = f"{name}: {where}" if where else name
    frames = list(scans.image_frames(data, label, MAX_PAGES))
    drawn = (scans.image_page(data, frame, label) for frame in frames)
    return [_scanned(["" for _ in frames], frames, drawn, label, where)]


def _scanned(
    pages: list[str], scanned: list[int], drawn: Iterator[Image], label: str, where: str
) -> Document:
    """The letter with its scanned pages read by OCR; when they cannot be, the reason, and no
    page's words (a letter partly read could hide the result on the page that was not)."""
    reason = scans.ocr_unavailable()
    if reason is not None:
        return Document(tuple("" for _ in pages), where, scanned=True, unread=reason)
    budget = _Budget(label, MAX_OCR_SECONDS)
    doubtful: set[str] = set()
    for number, image in zip(scanned, drawn, strict=True):
        page = scans.read_page(image, budget.left(), label)
        pages[number] = page.text
        doubtful |= page.doubtful
    return Document(tuple(_bounded(pages)), where, scanned=True, doubtful=frozenset(doubtful))


def docx_documents(data: bytes, name: str, where: str = "") -> list[Document]:
    """A Word file's paragraphs, then its tables row by row (cells joined by " | ")."""
    import docx  # imported on first use

    label = f"{name}: {where}" if where else name
    _check_zip(data, label)
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        reject(label, f"is not a Word file that can be read ({type(error).__name__})")
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return [Document(tuple(_bounded(["\n".join(lines)])), where)]


def _check_zip(data: bytes, label: str) -> None:
    """Refuse a zip whose members would unpack to too much: a bomb, or not a letter."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        reject(label, "is not a Word file that can be read (a damaged zip)")
    total = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        and member.file_size > 1024 * 1024
        for member in members
    )
    if total > MAX_UNCOMPRESSED_BYTES or bomb:
        reject(label, "unpacks to far more than a letter (a zip bomb?): not imported")


def text_documents(text: str, where: str = "") -> list[Document]:
    return [Document(tuple(_bounded([text.replace("\r\n", "\n")])), where)]


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Text in the charset it declares; declaring none, in the one its byte-order mark shows, or
    else UTF-8, or else Windows-1252 (what Windows writes); never an error."""
    for mark, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                        (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(mark):
            return data.decode(codec, errors="replace")
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except (LookupError, ValueError):  # a charset Python does not know (or a name holding
            # a NUL, which the lookup refuses with ValueError): guessed as if none were given
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _bounded(pages: list[str]) -> list[str]:
    """The pages, cut where the text passes MAX_TEXT_CHARACTERS."""
    kept, left = [], MAX_TEXT_CHARACTERS
    for page in pages:
        kept.append(page[:left])
        left -= len(kept[-1])
        if left <= 0:
            break
    return kept
