"""Outlook e-mails (.msg), read as an .eml is: the text body, when it carries a letter itself,
and each attachment (attachments.py), an attached e-mail included.

A .msg is a compound file ([MS-CFB], opened with olefile) holding the message's properties as
[MS-OXMSG] lays them out: a stream per string or binary property, named __substg1.0_ and the
property's id and type in hex; fixed-size ones (such as the code page) in the property stream;
each attachment a storage, an attached e-mail a storage inside it laid out as a message.

A body only in compressed RTF is not read (that needs a decompressor and an RTF reader, for a
body that is nearly always a covering note): a note says so, and the attachments are read.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, NoReturn

import olefile

from triage.intake.letters.attachments import attachment_documents, check_count, nested, where_of
from triage.intake.letters.documents import Document, decode_text, reject, text_documents
from triage.intake.letters.html_text import html_to_text

OLD_WORD = "is an old Word .doc file: save it as .docx or PDF and import that"
NOT_MSG = (
    "is an Office file of an old kind, not an Outlook .msg or a Word .doc (an Excel or "
    "PowerPoint file?): save the letter as PDF and import that"
)
RTF_ONLY = (
    "only in RTF, which is not read (its attachments are): if it is a letter, save the e-mail "
    "from Outlook as Text Only and import that"
)

_PROPERTIES = "__properties_version1.0"
_ATTACHMENT = "__attach_version1.0_#"
_EMBEDDED = "__substg1.0_3701000D"  # an attached e-mail: a storage laid out as a message
# The property stream starts with a header: 32 bytes for the message, 24 for an attached
# e-mail, 8 for an attachment; then 16 bytes per property: tag, flags, value.
_TOP_HEADER, _EMBEDDED_HEADER, _ATTACHMENT_HEADER = 32, 24, 8
# Property ids ([MS-OXPROPS]) and types ([MS-OXCDATA] 2.11.1).
_SUBJECT, _BODY, _RTF, _HTML = 0x0037, 0x1000, 0x1009, 0x1013
_DATA, _SHORT_NAME, _METHOD, _LONG_NAME, _MIME, _DISPLAY_NAME = (
    0x3701, 0x3704, 0x3705, 0x3707, 0x370E, 0x3001
)  # fmt: skip
_INTERNET_CODEPAGE, _CODEPAGE = 0x3FDE, 0x3FFD
_LONG, _STRING8, _STRING, _BINARY = 0x0003, 0x001E, 0x001F, 0x0102
_EMBEDDED_MESSAGE = 5  # PR_ATTACH_METHOD of an attached e-mail (6, an OLE object, is not one)
# What olefile raises on a damaged file: its own errors are OSErrors, the rest come from parsing
# bytes that do not say what they should.
_DAMAGED = (OSError, struct.error, ValueError, IndexError, RecursionError)

Storage = tuple[str, ...]  # a path in the compound file; () is the root
CompoundKind = Literal["msg", "doc", "other"]


def compound_kind(data: bytes, label: str) -> CompoundKind:
    """What a compound file holds: an Outlook e-mail, an old Word file, or something else."""
    with _opened(data, label) as ole:
        return _kind(ole, label)


def msg_documents(data: bytes, name: str, depth: int = 0, where: str = "") -> list[Document]:
    """The letters in an Outlook e-mail (`where` it is attached, if it is)."""
    label = f"{name}: {where}" if where else name
    with _opened(data, label) as ole:
        kind = _kind(ole, label)
        if kind != "msg":
            reject(label, OLD_WORD if kind == "doc" else NOT_MSG)
        return _Message(ole, name, label).documents((), depth)


@contextmanager
def _opened(data: bytes, label: str) -> Iterator[olefile.OleFileIO[str]]:
    # BytesIO always: given bytes shorter than 1536, olefile takes them for a file's path.
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except _DAMAGED as error:
        _damaged(label, error)
    try:
        yield ole
    finally:
        ole.close()


def _damaged(label: str, error: BaseException) -> NoReturn:
    # olefile's own errors say what is wrong in the file; anything else is named by its type.
    said = " ".join(str(error).split())[:100] if isinstance(error, OSError) else ""
    reason = said or type(error).__name__
    reject(label, f"is not an Outlook .msg that can be read ({reason}): is it damaged?")


def _kind(ole: olefile.OleFileIO[str], label: str) -> CompoundKind:
    try:
        if ole.exists("WordDocument"):
            return "doc"
        return "msg" if ole.exists(_PROPERTIES) else "other"
    except _DAMAGED as error:
        _damaged(label, error)


class _Message:
    """Reads messages out of one open .msg file; every olefile call is made through _read or
    _storages, so a damaged file is one clear line wherever the damage is found."""

    def __init__(self, ole: olefile.OleFileIO[str], name: str, label: str) -> None:
        self._ole = ole
        self._name = name
        self._label = label
        try:
            listed = ole.listdir(streams=False, storages=True)
        except _DAMAGED as error:
            _damaged(label, error)
        self._storages = {tuple(path) for path in listed}

    def documents(self, message: Storage, depth: int) -> list[Document]:
        fixed = self._fixed(message, _EMBEDDED_HEADER if message else _TOP_HEADER)
        codepage = _int(fixed, _CODEPAGE)
        attachments = sorted(
            path
            for path in self._storages
            if path[:-1] == message and path[-1].startswith(_ATTACHMENT)
        )
        check_count(self._name, len(attachments))
        found = self._body(message, fixed, codepage)
        for number, attachment in enumerate(attachments, start=1):
            found.extend(self._attachment(attachment, number, codepage, depth))
        return found

    def _body(
        self, message: Storage, fixed: dict[int, bytes], codepage: int | None
    ) -> list[Document]:
        """The plain text, else the HTML's words; a body only in RTF is noted, not read."""
        text = self._string(message, _BODY, codepage)
        html = self._read(message, _stream(_HTML, _BINARY)) if text is None else None
        if html is not None:
            charset = _codec(_int(fixed, _INTERNET_CODEPAGE) or codepage)
            text = html_to_text(decode_text(html, charset))
        if text and text.strip():
            return text_documents(text, "the e-mail's text")
        if self._read(message, _stream(_RTF, _BINARY)) is not None:
            return [Document((), "the e-mail's text", skipped=RTF_ONLY)]
        return []

    def _attachment(
        self, attachment: Storage, number: int, codepage: int | None, depth: int
    ) -> list[Document]:
        inner = (*attachment, _EMBEDDED)
        embedded = inner in self._storages
        names = (
            *(self._string(attachment, key, codepage) for key in (_LONG_NAME, _SHORT_NAME)),
            self._string(attachment, _DISPLAY_NAME, codepage),
            self._string(inner, _SUBJECT, codepage) if embedded else None,  # an e-mail's name
        )
        filename = next((found for found in names if found and found.strip()), "")
        where = where_of(number, filename)
        if embedded:
            method = _int(self._fixed(attachment, _ATTACHMENT_HEADER), _METHOD)
            if method != _EMBEDDED_MESSAGE:
                return []  # an OLE object in an RTF e-mail (a drawing, a chart): not a letter
            return nested(self._name, where, depth, lambda deeper: self.documents(inner, deeper))
        data = self._read(attachment, _stream(_DATA, _BINARY))
        if data is None:
            return []  # attached as a link to where the file is: nothing here to read
        mime = (self._string(attachment, _MIME, codepage) or "").strip().lower()
        if not mime and filename.lower().endswith(".txt"):
            mime = "text/plain"  # Outlook does not always record the type: the name says it
        return attachment_documents(
            data, name=self._name, where=where, content_type=mime, depth=depth
        )

    def _fixed(self, storage: Storage, header: int) -> dict[int, bytes]:
        """The fixed-size properties, by id: each one's 8 bytes of value."""
        raw = self._read(storage, _PROPERTIES) or b""
        entries = raw[header:]
        usable = entries[: len(entries) // 16 * 16]
        return {tag >> 16: value for tag, _flags, value in struct.iter_unpack("<II8s", usable)}

    def _string(self, storage: Storage, key: int, codepage: int | None) -> str | None:
        """A string property: Unicode, or 8-bit in the message's code page."""
        wide = self._read(storage, _stream(key, _STRING))
        if wide is not None:
            return wide.decode("utf-16-le", errors="replace").rstrip("\0")
        narrow = self._read(storage, _stream(key, _STRING8))
        if narrow is not None:
            return decode_text(narrow, _codec(codepage) or "cp1252").rstrip("\0")
        return None

    def _read(self, storage: Storage, stream: str) -> bytes | None:
        path = "/".join((*storage, stream))
        try:
            if self._ole.get_type(path) != olefile.STGTY_STREAM:
                return None
            data = self._ole.openstream(path).read()
        except _DAMAGED as error:
            _damaged(self._label, error)
        return data if isinstance(data, bytes) else None


def _stream(key: int, kind: int) -> str:
    return f"__substg1.0_{key:04X}{kind:04X}"


def _int(fixed: dict[int, bytes], key: int) -> int | None:
    value = fixed.get(key)
    return None if value is None else int.from_bytes(value[:4], "little")


def _codec(codepage: int | None) -> str | None:
    """Python's name for a Windows code page (an unknown one is left to decode_text's guess)."""
    if codepage is None or codepage <= 0:
        return None
    if 28591 <= codepage <= 28606:
        return f"iso8859-{codepage - 28590}"
    named = {65001: "utf-8", 1200: "utf-16-le", 1201: "utf-16-be", 20127: "ascii"}
    return named.get(codepage, f"cp{codepage}")
