"""A request as received and as stored, the people who use the program, and the practice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property, lru_cache

from pydantic import BaseModel, ConfigDict

from triage.models.vocabulary import (
    Action,
    Category,
    Flag,
    ProviderType,
    ReadAs,
    RequestType,
    Role,
    SourceFormat,
    Status,
    Urgency,
)


class Patient(BaseModel):
    """Who a request is about. A FHIR request may reference a patient it does not include, so
    name and date of birth can be unknown; CSV and JSON intake always require them."""

    model_config = ConfigDict(frozen=True)

    nhs_number: str | None
    nhs_number_valid: bool
    name: str | None
    date_of_birth: date | None


class Source(BaseModel):
    """Where a request came from: the file, its format, and the place in it."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: SourceFormat
    location: str  # "line 12" or "entry 2 (ServiceRequest scr-0001)"
    original_sha256: str | None = None  # a letter's file, kept unchanged (tx.originals)


@lru_cache(maxsize=4096)  # a file's requests come from a few senders, each looked up often
def sender_key(sender: str) -> str:
    """A sender with case and spacing folded: "Adult ADHD Service" = "adult  adhd service"."""
    return " ".join(sender.split()).casefold()


# How a letter's read_from names the way its text was read (a scan: by OCR, or not at all).
TEXT_READ = "the text: "
TEXT_NOT_READ = "not read, "


class IncomingRequest(BaseModel):
    """A request read from a file and checked, not yet stored."""

    model_config = ConfigDict(frozen=True)

    ref: str
    sender: str  # the namespace of ref: the organisation (CSV/JSON) or identifier system (FHIR)
    received: datetime  # aware, UTC
    patient: Patient
    requester: str
    organisation: str
    provider_type: ProviderType = ProviderType.UNKNOWN
    request_type: RequestType | None = None  # None: not stated (the letter's words may say)
    medications: tuple[str, ...] = ()
    diagnosis: str | None = None
    codes: tuple[str, ...] = ()
    category: Category | None = None  # as declared by the sender, if at all
    urgency: Urgency = Urgency.ROUTINE
    supply_ends: date | None = None
    procedure_date: date | None = None
    reply_to: str | None = None
    text: str | None = None
    source: Source
    flags: tuple[Flag, ...] = ()  # found at intake, e.g. invalid_nhs_number
    # What a person must complete before the request can be decided ("nhs_number: not found in
    # the letter"): a letter's identifiers that could not be read with confidence.
    details_needed: tuple[str, ...] = ()
    # Where each identifier of a letter was read, and how sure the reader was:
    # "nhs_number: page 1: 'NHS No: 943 476 5919'" (", not sure" when the letter disagrees);
    # for a scan, how its text was read (TEXT_READ).
    read_from: tuple[str, ...] = ()

    @property
    def how_text_was_read(self) -> str | None:
        """A scan's: "read by OCR from a scan; unsure of '128'", or "not read, ..."."""
        said = next((entry for entry in self.read_from if entry.startswith(TEXT_READ)), None)
        return said.removeprefix(TEXT_READ) if said else None

    @property
    def sender_key(self) -> str:
        """The sender with case and spacing folded: with ref, what makes a request unique."""
        return sender_key(self.sender)

    @cached_property
    def content_sha256(self) -> str:
        """A fingerprint of what was asked, ignoring where it was read from, so that the same
        request arriving again can be told apart from a different one reusing its ref."""
        content = self.model_dump(mode="json", include=_FINGERPRINTED)
        # A blank request type was stored as "new" before it could be told apart; fingerprints
        # taken then must still match the same request imported again.
        content["request_type"] = content["request_type"] or RequestType.NEW.value
        for letters_only in ("details_needed", "read_from"):  # as before there were letters
            if not content[letters_only]:
                del content[letters_only]
        return hashlib.sha256(_CANONICAL.encode(content).encode()).hexdigest()


# What a fingerprint covers, and how it is written (as json.dumps(content, sort_keys=True,
# ensure_ascii=False, separators=(",", ":")) writes it, made once rather than per request).
_FINGERPRINTED = set(IncomingRequest.model_fields) - {"source"}
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# A team that asks again for a patient within this many months of the practice declining or
# redirecting its request is asking again ("ping-pong"): a GP sees the two together.
REPEAT_WITHIN_MONTHS = 6


class EarlierDecision(BaseModel):
    """The practice's decision on an earlier request of the same team for the same patient."""

    model_config = ConfigDict(frozen=True)

    ref: str  # the earlier request's
    action: Action  # declined or redirected
    decided_at: datetime
    our_ref: str  # the decision's, as its letters give it

    @property
    def said(self) -> str:
        """What the practice did, in a word: "declined" or "redirected"."""
        return "declined" if self.action is Action.DECLINE else "redirected"


class Request(IncomingRequest):
    """A request in the queue."""

    id: int
    status: Status
    imported_at: datetime
    assigned_to_id: int | None = None  # whose work it is ("my work"), if anyone's
    # The same team's other request for this patient that the practice declined or redirected
    # at most REPEAT_WITHIN_MONTHS before this one arrived (or since): worked out whenever the
    # request is read from the database (so the order things happened in never matters).
    repeat_of: EarlierDecision | None = None


SHORTEST_SEARCH = 3  # characters: a trigram index finds parts of 3 characters or more


class QueueSort(StrEnum):
    OLDEST = "oldest"  # received, oldest first: how a queue is worked
    NEWEST = "newest"
    PATIENT = "patient"  # by patient name
    REF = "ref"
    # The supply's end, soonest (overdue) first; requests with no such date last, never guessed.
    DUE = "due"


@dataclass(frozen=True)
class QueueQuery:
    """Which requests a queue view shows, and in what order."""

    statuses: tuple[Status, ...] = (Status.OPEN, Status.AWAITING_GP)
    category: ReadAs | None = None
    action: Action | None = None  # the suggested action
    flag: Flag | None = None
    search: str = ""  # part of a ref, a patient's name or an NHS number, as typed
    sort: QueueSort = QueueSort.OLDEST
    assigned_to_id: int | None = None  # only this person's work
    unassigned: bool = False  # only what nobody has been given
    due_by: date | None = None  # only requests due on or before this day (triage/due.py)

    @property
    def searched(self) -> str:
        """What the search looks for: the text typed, an NHS number's spaces left out; nothing
        when it is shorter than SHORTEST_SEARCH (one or two characters are part of nearly
        every name and ref, so they would find everything, slowly)."""
        text = self.search.strip()
        digits = "".join(text.split())
        if digits.isdigit():
            text = digits
        return text if len(text) >= SHORTEST_SEARCH else ""

    @property
    def needs_assessments(self) -> bool:
        """Whether the view filters on what reading and the policy said (stored assessments)."""
        return self.category is not None or self.action is not None or self.flag is not None


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str  # the login name people act as (--user / TRIAGE_USER / the OS login)
    role: Role
    full_name: str | None = None
    active: bool = True


class Practice(BaseModel):
    """The practice's details: the letterhead and the contact route in every letter."""

    model_config = ConfigDict(frozen=True)

    name: str
    ods_code: str  # e.g. "J81234"
    address: str  # lines separated by newlines
    phone: str
    email: str  # the practice's NHSmail address
