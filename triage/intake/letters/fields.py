"""The identifiers a clinic letter gives, read the way UK hospitals write them: the patient's NHS
number, name and date of birth (labelled, in a "Re:" line or a table), the sending service from
the letterhead, the clinician from the signature block, the letter's own reference.

Only what a letter labels is taken: an unlabelled ten-digit number or a name in passing is not a
patient identifier. Each field records the page and the words it came from, and whether the reader
is sure of it (two different values for one field: not sure, and neither is taken).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from triage.classify.dates import scan
from triage.models import normalise_nhs_number


@dataclass(frozen=True)
class ReadField:
    """A value read from a letter, with the page (from 1) and the words it was read from."""

    value: str
    page: int
    words: str
    doubt: str = ""  # why the reader is not sure of it; "" when it is

    @property
    def sure(self) -> bool:
        return not self.doubt

    def describe(self) -> str:
        return f"page {self.page}: {self.words!r}"


# A label, then the value on the same line. Separators: ":", ".", "-", "|" (a table cell) or space.
_SEPARATOR = r"[ \t]*(?:[:.\-|][ \t]*)?"
_NHS_NUMBER = re.compile(
    r"\bNHS[ \t]*(?:No\.?|Number|Num\.?|#)?"
    + _SEPARATOR
    + r"(?P<value>\d{3}[ \t-]?\d{3}[ \t-]?\d{4})(?!\d)",
    re.IGNORECASE,
)
_DATE_OF_BIRTH = re.compile(
    r"\b(?:D\.?O\.?B\.?|Date[ \t]+of[ \t]+birth|Born)" + _SEPARATOR + r"(?P<value>[^\n|]{4,40})",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"^[ \t]*(?:Re|Patient(?:'s)?(?:[ \t]+name)?|Name|Full[ \t]+name)"
    + r"[ \t]*[:.\-|][ \t]*(?P<value>[^\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
# What ends a name on its line: the next identifier, a comma, a bracket, a table cell.
_NAME_END = re.compile(
    r"[,;(|]|\b(?:D\.?O\.?B|Date[ \t]+of[ \t]+birth|Born|NHS|Hosp(?:ital)?[ \t]+(?:No|Number)"
    r"|MRN|Address)\b",
    re.IGNORECASE,
)
# A surname in capitals, a comma, the given names, perhaps the title in brackets.
_SURNAME_FIRST = re.compile(
    r"[ \t]*(?P<surname>[A-Z][A-Z'\-]+(?:[ \t][A-Z][A-Z'\-]+)?)[ \t]*,[ \t]*"
    r"(?P<given>[A-Z][a-z'\-]+(?:[ \t][A-Z][a-z'\-]+)*)"
    r"(?:[ \t]*\((?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\))?"
)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "master", "dr", "prof", "professor", "rev", "sir"}
_NAME_WORD = re.compile(r"^[A-Za-z][A-Za-z'\-]*$")
# Words of a "Re:" line about the request rather than the patient ("Re: Shared Care Request").
_NOT_NAMES = frozenset(
    {
        "shared",
        "care",
        "request",
        "requests",
        "referral",
        "referrals",
        "prescribing",
        "prescription",
        "monitoring",
        "for",
        "and",
        "of",
        "the",
        "to",
        "with",
        "on",
        "in",
        "clinic",
        "letter",
        "patient",
        "patients",
        "your",
        "our",
        "new",
        "review",
        "follow",
        "up",
        "transfer",
        "agreement",
        "medication",
        "medicines",
        "treatment",
        "bloods",
        "blood",
        "tests",
        "results",
    }
)  # fmt: skip
_OUR_REF = re.compile(
    r"^[ \t]*(?:Our[ \t]+ref(?:erence)?|Ref(?:erence)?|Letter[ \t]+ref(?:erence)?)"
    r"[ \t]*[:.][ \t]*(?P<value>[A-Za-z0-9][A-Za-z0-9/._\-]{1,60})",
    re.IGNORECASE | re.MULTILINE,
)
_ORGANISATION_WORDS = re.compile(
    r"\b(?:NHS|Trust|Hospital|Clinic|Service|Services|Centre|Center|Department|Dept|Team|Unit"
    r"|Health|Board|Partnership|Infirmary|Institute)\b",
    re.IGNORECASE,
)
_LETTERHEAD_LINES = 12
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:Yours[ \t]+(?:sincerely|faithfully)|(?:With[ \t]+)?(?:kind|best|warm)[ \t]+"
    r"(?:regards|wishes)|Regards|Best)[ \t]*[,.]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_ROLE_WORDS = re.compile(
    r"\b(?:Consultant|Specialist|Registrar|Nurse|Doctor|Psychiatrist|Physician|Surgeon"
    r"|Pharmacist|Practitioner|Lead|Clinician|Haematologist|Rheumatologist|Urologist"
    r"|Endocrinologist|Dietitian|Psychologist|Fellow|Director|Manager|Coordinator)\b",
    re.IGNORECASE,
)
_NOT_A_SIGNATURE = re.compile(
    r"dictated|electronically|signed|not checked|typed by|cc:|copy to|enc", re.IGNORECASE
)


def nhs_number(pages: tuple[str, ...]) -> ReadField | None:
    """The labelled NHS number. Several different ones: not sure (a letter about two people, or
    a misprint), so the letter goes to a person."""
    found = [
        ReadField(normalise_nhs_number(match["value"]), page, match.group(0).strip())
        for page, match in _matches(_NHS_NUMBER, pages)
    ]
    return _one(found)


def date_of_birth(pages: tuple[str, ...], today: date) -> ReadField | None:
    """The labelled date of birth: day, month and year, in digits or words, not in the future."""
    found = []
    for page, match in _matches(_DATE_OF_BIRTH, pages):
        readings = scan(match["value"], today)
        if not readings:
            continue
        written, reading = readings[0]
        if written.start > 3 or not reading.full or reading.earliest > today:
            continue  # "Born: prematurely, 3 May 2020" is not a label followed by the date
        words = _label(match) + match["value"][: written.end]
        found.append(ReadField(reading.earliest.isoformat(), page, words.strip()))
    return _one(found)


def patient_name(pages: tuple[str, ...]) -> ReadField | None:
    """The patient's name from a "Re:", "Patient:" or "Name:" line: titles dropped, a surname in
    capitals ("Jane SMITH", "SMITH, Jane (Mrs)") written as a name ("Jane Smith")."""
    found = []
    for page, match in _matches(_NAME, pages):
        value = match["value"]
        surname_first = _SURNAME_FIRST.match(value)
        if surname_first:  # how hospital systems print a name
            words = surname_first.group(0)
            name = _tidy_name(f"{surname_first['given']} {surname_first['surname']}")
        else:
            end = _NAME_END.search(value)
            words = value[: end.start()] if end else value
            name = _tidy_name(words)
        if name is not None:
            found.append(ReadField(name, page, (_label(match) + words).strip()))
    return _one(found)


def _label(match: re.Match[str]) -> str:
    """The label of a labelled value, as written ("Re: ")."""
    return match.group(0)[: match.start("value") - match.start()]


def _tidy_name(words: str) -> str | None:
    parts = [part.strip(".") for part in words.split()]
    while parts and parts[0].lower().strip(".") in _TITLES:
        parts = parts[1:]
    if not 2 <= len(parts) <= 5 or not all(
        _NAME_WORD.match(part) and part[0].isupper() and part.lower() not in _NOT_NAMES
        for part in parts
    ):
        return None  # "Re: Shared Care Request for ADHD" is not a name
    return " ".join(part.title() if part.isupper() and len(part) > 1 else part for part in parts)


def organisation(pages: tuple[str, ...]) -> ReadField | None:
    """The sending service, from the letterhead: the first of its lines naming a trust,
    hospital, clinic or service."""
    if not pages:
        return None
    lines = [line.strip() for line in pages[0].splitlines() if line.strip()]
    for line in lines[:_LETTERHEAD_LINES]:
        if line.lower().startswith(("dear", "re:", "re ")):
            break
        if _ORGANISATION_WORDS.search(line) and not any(ch.isdigit() for ch in line):
            return ReadField(line.rstrip(",."), 1, line)
    return None


def requester(pages: tuple[str, ...]) -> ReadField | None:
    """The clinician who signed, from the lines after "Yours sincerely": their name, and their
    role when the next line gives one ("Dr Jane Okafor, Consultant Psychiatrist")."""
    for page, match in reversed(list(_matches(_SIGN_OFF, pages))):
        after = pages[page - 1][match.end() :].splitlines()
        lines = [line.strip() for line in after if line.strip()]
        lines = [line for line in lines if not _NOT_A_SIGNATURE.search(line)][:3]
        if not lines or len(lines[0]) > 80 or not any(ch.isalpha() for ch in lines[0]):
            continue
        name = lines[0].rstrip(",.")
        role = next((line for line in lines[1:] if _ROLE_WORDS.search(line)), None)
        value = f"{name}, {role.rstrip(',.')}" if role else name
        return ReadField(
            value, page, "\n".join([match.group(0).strip(), *lines[: 2 if role else 1]])
        )
    return None


def our_reference(pages: tuple[str, ...]) -> ReadField | None:
    found = [
        ReadField(match["value"].rstrip("."), page, match.group(0).strip())
        for page, match in _matches(_OUR_REF, pages)
    ]
    return found[0] if found else None


def _matches(
    pattern: re.Pattern[str], pages: tuple[str, ...]
) -> Iterator[tuple[int, re.Match[str]]]:
    for number, page in enumerate(pages, start=1):
        for match in pattern.finditer(page):
            yield number, match


def _one(found: list[ReadField]) -> ReadField | None:
    """The value, when every place the letter gives it agrees; otherwise the first, not sure."""
    if not found:
        return None
    if len({field.value for field in found}) > 1:
        first = found[0]
        others = "; ".join(field.describe() for field in found[1:])
        words = f"{first.words} (but also {others})"
        return ReadField(first.value, first.page, words, "the letter gives different values")
    return found[0]
