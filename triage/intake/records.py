"""The request columns of docs/import-formats.md, and turning one record into an IncomingRequest.

Every reader (CSV, JSON, JSON Lines, FHIR) produces RawRecords with these keys; this module is the
single place that says what a valid value is, so each rule and message is written once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from triage.classify.dates import scan
from triage.errors import Place, Problem, UserError
from triage.models import (
    Category,
    Flag,
    IncomingRequest,
    Patient,
    ProviderType,
    RequestType,
    Source,
    SourceFormat,
    Urgency,
    member_by_value,
    nhs_number_problem,
    normalise_nhs_number,
)
from triage.presentation import needs_in_words

REQUIRED_COLUMNS = (
    "ref",
    "received",
    "nhs_number",
    "patient_name",
    "date_of_birth",
    "requester",
    "organisation",
)
OPTIONAL_COLUMNS = (
    "provider_type",
    "request_type",
    "medications",
    "diagnosis",
    "codes",
    "category",
    "urgency",
    "supply_ends",
    "procedure_date",
    "reply_to",
    "text",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PATIENT_COLUMNS = ("nhs_number", "patient_name", "date_of_birth")
LIST_COLUMNS = ("medications", "codes")

MAX_LENGTH = {
    "ref": 100,
    "nhs_number": 40,
    "patient_name": 200,
    "requester": 300,
    "organisation": 300,
    "medications": 5_000,
    "codes": 5_000,
    "diagnosis": 10_000,
    "reply_to": 1_000,
    "text": 100_000,
}
DEFAULT_MAX_LENGTH = 100

# Dates and times without an offset are English local time.
LOCAL_TIME = ZoneInfo("Europe/London")
EARLIEST_BIRTH = date(1900, 1, 1)
# A SNOMED CT or dm+d identifier (SCTID) is 6 to 18 digits.
_CODE = re.compile(r"[0-9]{6,18}")
# JSON can spell half of a UTF-16 pair ("\ud800"), which no database can store.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class RawRecord:
    """One request as a reader found it, before any checking."""

    place: Place
    values: Mapping[str, object]
    sender: str | None = None  # FHIR: the identifier system; otherwise the organisation
    patient_details_required: bool = True  # FHIR may reference a patient it does not include
    problems: list[Problem] = field(default_factory=list)  # found while reading it
    warnings: list[Problem] = field(default_factory=list)
    details_needed: list[str] = field(default_factory=list)  # a letter's: see IncomingRequest
    read_from: list[str] = field(default_factory=list)  # a letter's: see IncomingRequest
    flags: list[Flag] = field(default_factory=list)  # what the reader found for a person to see


@dataclass
class CheckedRecord:
    request: IncomingRequest | None  # None when the record has problems
    problems: list[Problem]
    warnings: list[Problem]


class _Invalid(Exception):
    """A value that breaks the contract; the message completes "field: ..."."""


E = TypeVar("E", bound=StrEnum)


def check_record(
    record: RawRecord, *, file: str, source_format: SourceFormat, today: date
) -> CheckedRecord:
    """Check one record against the contract; every problem is reported, not just the first."""
    problems = list(record.problems)
    warnings = list(record.warnings)
    if problems and not record.values:
        # The reader could not make a record of it at all (a broken line): listing every field
        # as missing would bury the one problem that matters.
        return CheckedRecord(None, problems, warnings)
    raw_values = record.values
    place = record.place
    for column in raw_values:
        if column not in _KNOWN:
            problems.append(
                Problem(
                    file, place, column, "unknown key (see docs/import-formats.md for the keys)"
                )
            )
    # A field the reader already found wrong (a letter's unreadable NHS number) is not also
    # reported as missing.
    reported = {problem.field for problem in record.problems}
    patient_required = record.patient_details_required
    values: dict[str, object] = {}
    for column, parse, required in _FIELDS:
        if column in reported:
            continue
        value = raw_values.get(column)
        try:
            raw = None if value is None else _text_value(column, value)
            if raw is None:
                if required and (patient_required or column not in PATIENT_COLUMNS):
                    raise _Invalid("missing (a value is required)")
                continue
            values[column] = parse(raw, today)
        except _Invalid as invalid:
            problems.append(Problem(file, place, column, str(invalid)))

    if problems:
        return CheckedRecord(None, problems, warnings)

    flags = list(record.flags)
    nhs_number = values.get("nhs_number")
    assert nhs_number is None or isinstance(nhs_number, str)
    nhs_problem = "is missing" if nhs_number is None else nhs_number_problem(nhs_number)
    if record.details_needed:
        warnings.append(
            Problem(
                file,
                place,
                None,
                "imported as needs_details, for a person to complete: "
                + needs_in_words(record.details_needed),
            )
        )
    if nhs_problem:
        flags.append(Flag.INVALID_NHS_NUMBER)
        shown = f"{nhs_number!r} " if nhs_number else ""
    # Said once: in the needs_details line when that names the NHS number, here otherwise.
    if nhs_problem and not any(need.startswith("nhs_number:") for need in record.details_needed):
        warnings.append(
            Problem(
                file,
                place,
                "nhs_number",
                f"{shown}{nhs_problem}; imported and flagged {Flag.INVALID_NHS_NUMBER.value}",
            )
        )
    organisation = values["organisation"]
    assert isinstance(organisation, str)
    request = IncomingRequest.model_validate(
        {
            **{k: v for k, v in values.items() if k not in PATIENT_COLUMNS},
            "patient": Patient(
                nhs_number=nhs_number,
                nhs_number_valid=nhs_problem is None,
                name=values.get("patient_name"),
                date_of_birth=values.get("date_of_birth"),
            ),
            "sender": record.sender or organisation,
            "source": Source(file=file, format=source_format, location=place.describe()),
            "flags": tuple(flags),
            "details_needed": tuple(record.details_needed),
            "read_from": tuple(record.read_from),
        }
    )
    return CheckedRecord(request, problems, warnings)


def _text_value(column: str, value: object) -> str | None:
    """The value as trimmed text, None when empty; lists are allowed for the list columns."""
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, list) and column in LIST_COLUMNS:
            if not all(isinstance(item, str) for item in value):
                raise _Invalid("must be a list of text values")
            value = ";".join(value)
        else:
            raise _Invalid(f"must be text, not {_json_type_name(value)}")
    if column == "text":
        text = value
        if not text.strip():
            return None
    else:
        text = value.strip()
        if not text:
            return None
    if "\x00" in text:
        raise _Invalid("contains a NUL character")
    if not text.isascii() and _SURROGATE.search(text):
        raise _Invalid("contains an invalid character (an unpaired surrogate)")
    limit = MAX_LENGTH.get(column, DEFAULT_MAX_LENGTH)
    if len(text) > limit:
        raise _Invalid(f"is {len(text):,} characters long, over the limit of {limit:,}")
    return text


def _json_type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _Invalid(f"{raw!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _parse_received(raw: str, today: date) -> datetime:
    """A date (taken as the start of that day, English time) or a date-time; stored in UTC."""
    try:
        if len(raw) <= 10:
            moment = datetime.combine(date.fromisoformat(raw), time(), LOCAL_TIME)
        else:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=LOCAL_TIME)
    except ValueError:
        raise _Invalid(
            f"{raw!r} is not an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from None
    if moment.date() > today + timedelta(days=1):
        raise _Invalid(f"{raw!r} is in the future")
    return moment.astimezone(UTC)


def _parse_birth_date(raw: str, today: date) -> date:
    born = _parse_date(raw)
    if born > today:
        raise _Invalid(f"{raw!r} is in the future")
    if born < EARLIEST_BIRTH:
        raise _Invalid(f"{raw!r} is before {EARLIEST_BIRTH.year}")
    return born


def _split_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(";") if item.strip())


def _parse_codes(raw: str) -> tuple[str, ...]:
    codes = _split_list(raw)
    bad: Sequence[str] = [code for code in codes if not _CODE.fullmatch(code)]
    if bad:
        listed = ", ".join(repr(code) for code in bad)
        verb = (
            "is not a SNOMED CT or dm+d code"
            if len(bad) == 1
            else "are not SNOMED CT or dm+d codes"
        )
        raise _Invalid(f"{listed} {verb} (6 to 18 digits)")
    return codes


def _any_day(parse: Callable[[str], object]) -> Callable[[str, date], object]:
    """A parser that does not need today's date, called as the ones that do are."""
    return lambda raw, _today: parse(raw)


def _enum_of(enum: type[E]) -> Callable[[str, date], E]:
    member = member_by_value(enum)
    allowed = ", ".join(value.value for value in enum)

    def parse(raw: str, _today: date) -> E:
        try:
            return member(raw.strip().lower())
        except ValueError:
            raise _Invalid(f"{raw!r} is not one of: {allowed}") from None

    return parse


_text = _any_day(str)


# Each column, in the order its problems are listed: how it is read, and whether it is required.
_FIELDS: tuple[tuple[str, Callable[[str, date], object], bool], ...] = tuple(
    (column, parse, column in REQUIRED_COLUMNS)
    for column, parse in (
        ("ref", _text),
        ("received", _parse_received),
        ("nhs_number", _any_day(normalise_nhs_number)),
        ("patient_name", _text),
        ("date_of_birth", _parse_birth_date),
        ("requester", _text),
        ("organisation", _text),
        ("provider_type", _enum_of(ProviderType)),
        ("request_type", _enum_of(RequestType)),
        ("medications", _any_day(_split_list)),
        ("diagnosis", _text),
        ("codes", _any_day(_parse_codes)),
        ("category", _enum_of(Category)),
        ("urgency", _enum_of(Urgency)),
        ("supply_ends", _any_day(_parse_date)),
        ("procedure_date", _any_day(_parse_date)),
        ("reply_to", _text),
        ("text", _text),
    )
)
_KNOWN = frozenset(COLUMNS)


def day_written(value: str, today: date) -> date | None:
    """The one whole day `value` is, written as people and clinical systems write dates
    (12/03/1956, 12-Mar-1956, 12 March 1956, 1956-03-12; day first), or None."""
    readings = scan(value, today) if len(value) <= _LONGEST_DATE else []
    whole = len(readings) == 1 and (readings[0][0].start, readings[0][0].end) == (0, len(value))
    return readings[0][1].earliest if whole and readings[0][1].full else None


_LONGEST_DATE = 40


# --- what a person types to complete a letter's details ------------------------------------------

TYPED_FIELDS = ("nhs_number", "patient_name", "date_of_birth", "organisation", "requester")


def check_typed(field_name: str, raw: str, today: date) -> object:
    """A value typed to complete a letter's details, checked as an import checks it; a mistake
    raises UserError naming the field. Dates as 12/03/1956 or 1956-03-12; an NHS number must
    pass its check, since the point of typing it is that it be right."""
    value = raw.strip()
    try:
        if not value:
            raise _Invalid("is blank")
        if len(value) > MAX_LENGTH.get(field_name, DEFAULT_MAX_LENGTH) or not value.isprintable():
            raise _Invalid("must be printable and not too long")
        if field_name == "nhs_number":
            number = normalise_nhs_number(value)
            problem = nhs_number_problem(number)
            if problem:
                raise _Invalid(f"{value!r} {problem}")
            return number
        if field_name == "date_of_birth":
            born = day_written(value, today)
            if born is None:
                raise _Invalid(f"{value!r} is not a date: write it as 12/03/1956 or 12 March 1956")
            return _parse_birth_date(born.isoformat(), today)
        return value
    except _Invalid as invalid:
        raise UserError(f"{field_name}: {invalid}") from None
