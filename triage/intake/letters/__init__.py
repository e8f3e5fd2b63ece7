"""Clinic letters as requests: PDF, Word, plain text, e-mail (.eml or Outlook .msg: body and
attachments) and scans (images, and PDF pages without a text layer, read by OCR: scans.py). One
letter is one request; its identifiers are read from its words (fields.py), and everything the
classifier reads comes from its text, as for any request.

A letter whose NHS number, name or date of birth cannot be read with confidence (missing, or
given twice differently), or whose NHS number fails its check, is imported all the same with what
a person must complete (details_needed): it waits in needs_details until a clerk has, so nothing
read from a letter is decided on a guess.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from triage.errors import Place, Problem
from triage.intake.letters import fields
from triage.intake.letters.documents import (
    OLE_MAGIC,
    Document,
    docx_documents,
    image_documents,
    pdf_documents,
    text_documents,
)
from triage.intake.letters.fields import ReadField
from triage.intake.letters.mail import email_documents
from triage.intake.letters.outlook import msg_documents
from triage.intake.letters.scans import ENABLE_OCR
from triage.intake.records import RawRecord
from triage.models import TEXT_NOT_READ, TEXT_READ, Flag, SourceFormat, nhs_number_problem

__all__ = ["LetterRead", "ReadField", "letter_text", "read_letters"]


@dataclass(frozen=True)
class LetterRead:
    """One letter: the record made of it, and each identifier with where it was read."""

    record: RawRecord
    read: dict[str, ReadField]


@dataclass
class LettersRead:
    letters: list[LetterRead]
    notes: list[Problem] = field(default_factory=list)

    @property
    def records(self) -> list[RawRecord]:
        return [letter.record for letter in self.letters]


def read_letters(data: bytes, name: str, source_format: SourceFormat, today: date) -> LettersRead:
    """The letters in a file of the given format (recognised by the caller from its content)."""
    documents = _documents(data, name, source_format)
    result = LettersRead([])
    for number, document in enumerate(documents, start=1):
        if document.skipped:
            where = document.where or "the file"
            result.notes.append(Problem(name, None, None, f"{where}: {document.skipped}"))
            continue
        if document.unread:
            where = document.where or "the file"
            result.notes.append(
                Problem(name, None, None, f"{where}: a scan, kept for a person to type its "
                        f"details, as {document.unread}; {ENABLE_OCR}")
            )  # fmt: skip
            ref = f"scan-{hashlib.sha256(data).hexdigest()[:16]}-{number}"
            result.letters.append(_unread_scan(document, ref, today))
            continue
        read = _read(document, today)
        if not read.keys() & {"nhs_number", "patient_name", "date_of_birth"}:
            where = document.where or "the file"
            result.notes.append(
                Problem(name, None, None, f"{where}: no patient named in it, so not a letter")
            )
            continue
        result.letters.append(_letter(document, read, today))
    if not result.letters:
        place = Place(entry="the letter")
        problem = Problem(
            name, place, None, "no letter found: no NHS number, patient name or date of birth"
        )
        result.letters.append(LetterRead(RawRecord(place, {}, problems=[problem]), {}))
    return result


def letter_text(data: bytes, name: str, source_format: SourceFormat) -> str:
    """Every readable page of a letter file (a reply from a specialist team, say), in order."""
    return "\n".join(
        document.text
        for document in _documents(data, name, source_format)
        if not document.skipped and not document.unread
    )


def _documents(data: bytes, name: str, source_format: SourceFormat) -> list[Document]:
    if source_format is SourceFormat.PDF:
        return pdf_documents(data, name)
    if source_format is SourceFormat.DOCX:
        return docx_documents(data, name)
    if source_format is SourceFormat.EMAIL:  # an .eml, or an Outlook .msg (a compound file)
        return (
            msg_documents(data, name) if data.startswith(OLE_MAGIC) else email_documents(data, name)
        )
    if source_format is SourceFormat.SCAN:
        return image_documents(data, name)
    return text_documents(data.decode("utf-8-sig", errors="replace"))


def _read(document: Document, today: date) -> dict[str, ReadField]:
    """Every identifier the document's words give; unsure of any that OCR was unsure of."""
    pages = document.pages
    return {
        key: _doubted(found, document.doubtful)
        for key, found in (
            ("nhs_number", fields.nhs_number(pages)),
            ("patient_name", fields.patient_name(pages)),
            ("date_of_birth", fields.date_of_birth(pages, today)),
            ("organisation", fields.organisation(pages)),
            ("requester", fields.requester(pages)),
            ("ref", fields.our_reference(pages)),
        )
        if found is not None
    }


def _letter(document: Document, read: dict[str, ReadField], today: date) -> LetterRead:
    place = Place(entry=document.where or "the letter")
    needed = [
        f"{key}: {_why_not(key, read.get(key))}"
        + (" (or the scan is unclear there)" if document.scanned and key not in read else "")
        for key in _IDENTIFIERS
        if key not in read or not read[key].sure
    ]
    if (
        "nhs_number" in read
        and read["nhs_number"].sure
        and nhs_number_problem(read["nhs_number"].value)
    ):
        needed.append(f"nhs_number: {read['nhs_number'].words} fails its check digit")
    text = document.text
    ref = read["ref"].value if "ref" in read else "letter-" + _digest(text)
    values: dict[str, object] = {
        "ref": ref,
        "received": today.isoformat(),
        "text": text,
        "organisation": _NOT_READ,
        "requester": _NOT_READ,
        **{key: found.value for key, found in read.items() if key != "ref" and found.sure},
    }
    read_from = [
        f"{key}: {found.describe()}" + ("" if found.sure else ", not sure")
        for key, found in read.items()
    ]
    flags = []
    doubtful_numbers = _doubtful_numbers(document, read)
    if document.scanned:
        read_from.append(
            f"{TEXT_READ}read by OCR from a scan"
            + (f"; unsure of {', '.join(map(repr, doubtful_numbers))}" if doubtful_numbers else "")
        )
    if doubtful_numbers:  # a result, a dose or a date the scan does not show clearly
        flags.append(Flag.DOUBTFUL_SCAN)
    record = RawRecord(
        place,
        values,
        patient_details_required=False,
        details_needed=needed,
        read_from=read_from,
        flags=flags,
    )
    return LetterRead(record, read)


def _unread_scan(document: Document, ref: str, today: date) -> LetterRead:
    """A scan no one could read here: kept, with every identifier for a person to type. Its text
    is empty, so no category is read from it and a person decides it."""
    needed = [f"{key}: the scan was not read; type it from the original" for key in _IDENTIFIERS]
    values: dict[str, object] = {
        "ref": ref,
        "received": today.isoformat(),
        "text": "",
        "organisation": _NOT_READ,
        "requester": _NOT_READ,
    }
    place = Place(entry=document.where or "the letter")
    record = RawRecord(
        place,
        values,
        patient_details_required=False,
        details_needed=needed,
        read_from=[f"{TEXT_READ}{TEXT_NOT_READ}{document.unread}"],
        flags=[Flag.DOUBTFUL_SCAN],
    )
    return LetterRead(record, {})


def _doubtful_numbers(document: Document, read: dict[str, ReadField]) -> list[str]:
    """The words with a digit in the letter's body (from "Dear" to "Yours") that OCR was unsure
    of: a result, a dose or a date that may say something else. The letterhead's and the
    address's numbers are not clinical, and the identifiers have doubts of their own."""
    if not document.doubtful:
        return []
    text = document.text
    start = _SALUTATION.search(text)
    end = _SIGN_OFF.search(text, start.end() if start else 0)
    body = text[start.end() if start else 0 : end.start() if end else len(text)]
    identifiers = {word for found in read.values() for word in found.words.split()}
    return sorted(
        {
            word
            for word in body.split()
            if word in document.doubtful and _DIGIT.search(word) and word not in identifiers
        }
    )


def _doubted(found: ReadField, doubtful: frozenset[str]) -> ReadField:
    unclear = {word.strip(_PUNCTUATION) for word in doubtful}
    unsure = sorted({word for word in found.words.split() if word.strip(_PUNCTUATION) in unclear})
    if not unsure or not found.sure:
        return found
    shown = ", ".join(map(repr, unsure))
    return dataclasses.replace(found, doubt=f"the scan is unclear here (OCR unsure of {shown})")


_DIGIT = re.compile(r"[0-9]")
_PUNCTUATION = ".,;:()|'\""
_SALUTATION = re.compile(r"^[ \t]*Dear\b", re.IGNORECASE | re.MULTILINE)
_SIGN_OFF = re.compile(r"^[ \t]*Yours\b", re.IGNORECASE | re.MULTILINE)
_IDENTIFIERS = ("nhs_number", "patient_name", "date_of_birth", "organisation", "requester")
_NOT_READ = "(not read from the letter)"


def _why_not(key: str, found: ReadField | None) -> str:
    what = {
        "nhs_number": "no NHS number labelled in the letter (e.g. 'NHS No: 943 476 5919')",
        "patient_name": "no patient name labelled in the letter (e.g. 'Re: Jane Smith')",
        "date_of_birth": "no date of birth labelled in the letter (e.g. 'DOB: 12/03/1956')",
        "organisation": "no sending service found in the letterhead",
        "requester": "no clinician found after 'Yours sincerely'",
    }
    if found is None:
        return what[key]
    return f"{found.doubt}: {found.words}; check it by hand"


def _digest(text: str) -> str:
    """The letter's own identity when it gives no reference: the same words, the same ref."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]
