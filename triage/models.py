"""The shared vocabulary of the product (docs/architecture.md §1).

This module is the leaf every other layer may import (db and policies included), so it imports
nothing of ours: only the standard library and pydantic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict


class Category(StrEnum):
    """The kinds of shared-care work that practices have declared policies on."""

    ADHD = "adhd"
    GENDER_DYSPHORIA = "gender_dysphoria"
    MGUS = "mgus"
    BARIATRIC = "bariatric"
    EATING_DISORDER = "eating_disorder"
    DMARD = "dmard"
    DENOSUMAB = "denosumab"
    PSA = "psa"
    INR = "inr"
    MENTAL_HEALTH_MONITORING = "mental_health_monitoring"
    LITHIUM = "lithium"

    @property
    def label(self) -> str:
        """The category as a clerk would say it."""
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.ADHD: "ADHD",
    Category.GENDER_DYSPHORIA: "gender dysphoria",
    Category.MGUS: "MGUS",
    Category.BARIATRIC: "post-bariatric surgery",
    Category.EATING_DISORDER: "eating disorder",
    Category.DMARD: "DMARD",
    Category.DENOSUMAB: "denosumab",
    Category.PSA: "PSA",
    Category.INR: "INR/warfarin",
    Category.MENTAL_HEALTH_MONITORING: "mental health bloods/ECG",
    Category.LITHIUM: "lithium",
}


class ProviderType(StrEnum):
    NHS = "nhs"
    RIGHT_TO_CHOOSE = "right_to_choose"
    PRIVATE = "private"
    UNKNOWN = "unknown"


class RequestType(StrEnum):
    NEW = "new"
    CONTINUATION = "continuation"
    TRANSFER_IN = "transfer_in"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class Status(StrEnum):
    """Where a request is: open -> awaiting_gp (flagged) -> decided."""

    OPEN = "open"
    AWAITING_GP = "awaiting_gp"
    DECIDED = "decided"


class Action(StrEnum):
    DECLINE = "decline"
    REDIRECT = "redirect"
    ACCEPT = "accept"
    GP_REVIEW = "gp_review"


DECIDING_ACTIONS = (Action.DECLINE, Action.REDIRECT, Action.ACCEPT)  # what a decision records


class Flag(StrEnum):
    UNDER_18 = "under_18"
    SUPPLY_RISK = "supply_risk"
    URGENT = "urgent"
    RED_FLAG = "red_flag"
    MIXED_CATEGORIES = "mixed_categories"
    UNCLASSIFIED = "unclassified"
    INVALID_NHS_NUMBER = "invalid_nhs_number"
    GP_CONFIRMATION = "gp_confirmation"
    POLICY_NOT_IN_FORCE = "policy_not_in_force"
    CAPACITY_REACHED = "capacity_reached"


_FLAGS = tuple(Flag)  # iterating an enum class is slow, and this is done for every request


def in_flag_order(flags: Collection[Flag]) -> tuple[Flag, ...]:
    """The flags, once each, in the order Flag declares them."""
    return tuple(flag for flag in _FLAGS if flag in flags)


class Reason(StrEnum):
    """Reason codes: each maps to a letter paragraph and a report column."""

    CONTRACT_FUNDING = "contract_funding"
    SPECIALIST_KNOWLEDGE = "specialist_knowledge"
    GOVERNANCE = "governance"
    CAPACITY = "capacity"
    PRACTICE_POLICY = "practice_policy"


class Role(StrEnum):
    CLERK = "clerk"
    GP = "gp"
    MANAGER = "manager"


class SourceFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    FHIR_JSON = "fhir-json"
    FHIR_XML = "fhir-xml"


# --- NHS number ---------------------------------------------------------------------------------

_NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_NHS_NUMBER_SEPARATORS = str.maketrans("", "", " -")


def normalise_nhs_number(raw: str) -> str:
    """Drop the spaces and hyphens people write NHS numbers with ("943 476 5919")."""
    return raw.strip().translate(_NHS_NUMBER_SEPARATORS)


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine ASCII digits, or None when no digit can be valid."""
    digits = (int(digit) for digit in first_nine)
    total = sum(d * w for d, w in zip(digits, _NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_problem(number: str) -> str | None:
    """Why a normalised NHS number is not valid, or None when it is.

    Only ASCII digits count: str.isdigit() would accept full-width and other Unicode digits.
    """
    if len(number) != 10 or not all("0" <= ch <= "9" for ch in number):
        return "must be 10 digits"
    if number.startswith("000"):
        return "is not in any range that NHS numbers are issued from"
    expected = nhs_check_digit(number[:9])
    if expected is None:
        return "fails the Modulus 11 check (no check digit is possible for the first nine digits)"
    if expected != int(number[9]):
        return "fails the Modulus 11 check digit"
    return None


def is_valid_nhs_number(raw: str) -> bool:
    return nhs_number_problem(normalise_nhs_number(raw)) is None


# --- Requests -----------------------------------------------------------------------------------


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


def sender_key(sender: str) -> str:
    """A sender with case and spacing folded: "Adult ADHD Service" = "adult  adhd service"."""
    return " ".join(sender.split()).casefold()


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

    @property
    def sender_key(self) -> str:
        """The sender with case and spacing folded: with ref, what makes a request unique."""
        return sender_key(self.sender)

    @cached_property
    def content_sha256(self) -> str:
        """A fingerprint of what was asked, ignoring where it was read from, so that the same
        request arriving again can be told apart from a different one reusing its ref."""
        content = self.model_dump(
            mode="json", include=set(IncomingRequest.model_fields) - {"source"}
        )
        # A blank request type was stored as "new" before it could be told apart; fingerprints
        # taken then must still match the same request imported again.
        content["request_type"] = content["request_type"] or RequestType.NEW.value
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class Request(IncomingRequest):
    """A request in the queue."""

    id: int
    status: Status
    imported_at: datetime


class QueueSort(StrEnum):
    OLDEST = "oldest"  # received, oldest first: how a queue is worked
    NEWEST = "newest"
    PATIENT = "patient"  # by patient name
    REF = "ref"


@dataclass(frozen=True)
class QueueQuery:
    """Which requests a queue view shows, and in what order."""

    statuses: tuple[Status, ...] = (Status.OPEN, Status.AWAITING_GP)
    category: str | None = None  # a category slug, "mixed" or "unclassified"
    action: Action | None = None  # the suggested action
    flag: Flag | None = None
    search: str = ""  # part of a ref or patient name, or the start of an NHS number
    sort: QueueSort = QueueSort.OLDEST

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


# --- What a request reads as, and what the policy suggests ---------------------------------------
# NamedTuples rather than pydantic models or frozen dataclasses: these are made for every request
# the queue shows or a simulation runs, several per request, and a NamedTuple is immutable yet
# built about three times faster than a frozen dataclass (benchmarks/simulate_throughput.py).


class EvidenceKind(StrEnum):
    CODE = "code"  # a SNOMED CT or dm+d code from a code list
    MEDICINE = "medicine"  # a generic or brand name
    TERM = "term"  # a clinical term specific to the category
    CONTEXT = "context"  # supports a category found otherwise; never identifies one alone
    OTHER_WORK = "other_work"  # asks for something outside every category (a fit note, HRT)
    DECLARED = "declared"  # the category the sender stated


class Evidence(NamedTuple):
    """One reason the classifier gave: what it found, where, and what it points to."""

    field: str  # medications, diagnosis, codes, text, organisation, requester or category
    found: str  # the vocabulary term or code that matched
    kind: EvidenceKind
    category: Category | None  # None for other work
    note: str = ""  # a code's description, or why a medicine did or did not count

    def describe(self) -> str:
        target = self.category.value if self.category else "other work"
        detail = f" ({self.note})" if self.note else ""
        return f"{self.field}: {self.found}{detail} -> {target}"


class Classification(NamedTuple):
    category: Category | None  # the one category the request reads as; None for none or several
    categories: tuple[Category, ...]  # every category it has evidence for, strongest first
    confidence: float  # 0-1, how strongly the evidence points to `category`
    evidence: tuple[Evidence, ...]
    mixed: bool  # several categories, a category plus other work, or the sender disagrees
    mixed_because: str = ""  # one phrase, for the explanation

    @property
    def unclassified(self) -> bool:
        return self.category is None and not self.mixed


class RedFlag(NamedTuple):
    """Something in the letter a GP must see: a word or a result outside its safe range."""

    field: str
    found: str  # as written in the letter, e.g. "INR 6.2"
    why: str  # e.g. "INR above 5"


class DateInLetter(NamedTuple):
    """A date the letter gives in words, and the words ("next injection due 4 March")."""

    field: str
    found: str
    earliest: date  # "March 2023" spans the month; "next week" the week
    latest: date
    note: str = ""  # how it was worked out, e.g. "6 months after the last dose"

    def describe(self) -> str:
        when = day_in_words(self.earliest)
        if self.latest != self.earliest:
            when = f"between {when} and {day_in_words(self.latest)}"
        return f"{when} ({self.found!r}{'; ' + self.note if self.note else ''})"


class WrittenType(NamedTuple):
    """What the letter's words say the request is: new, a continuation or a transfer."""

    request_type: RequestType | None  # None: its words say more than one
    found: str  # the words


class Written(NamedTuple):
    """What the letter says in prose that the request's fields may also say (clinical-signals.md
    §4): the rules use the earlier date, and both are shown."""

    next_due: DateInLetter | None = None  # the next dose, injection or test
    last_dose: DateInLetter | None = None
    procedure: DateInLetter | None = None  # the operation (bariatric surgery)
    request_type: WrittenType | None = None


class Findings(NamedTuple):
    """What reading a request found: its classification, its red flags, and what its prose
    says of dates and the kind of request."""

    classification: Classification
    red_flags: tuple[RedFlag, ...]
    written: Written = Written()


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def day_in_words(day: date, *, short: bool = False) -> str:
    """A date as letters and explanations write it, "3 March 2025" ("3 Mar 2025" short), the
    same in every locale."""
    month = _MONTH_NAMES[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


class Suggestion(NamedTuple):
    """What the policy says to do with one request (docs/cli-output.md)."""

    action: Action
    rule: str | None
    reasons: tuple[Reason, ...]
    flags: tuple[Flag, ...]
    redirect_to: str | None
    explanation: str  # one sentence a clerk understands


# --- Decisions and the decision log ------------------------------------------------------------


class LetterKind(StrEnum):
    SPECIALIST = "specialist"  # the reply to the requesting specialist
    PATIENT = "patient"  # the plain-English letter to the patient
    SMS = "sms"  # a text message, at most 306 characters


class DecisionKind(StrEnum):
    """How a decision came about (the log entry's event)."""

    DECISION = "decision"  # the policy's suggestion, accepted
    OVERRIDE = "override"  # another action than suggested, with a reason
    REVIEW = "review"  # a GP's decision on a flagged request, with a note
    SUPERSEDE = "supersede"  # a correction of an earlier decision; both stay


class LogEvent(StrEnum):
    DECISION = "decision"
    OVERRIDE = "override"
    REVIEW = "review"
    SUPERSEDE = "supersede"
    FLAG = "flag"  # sent to a GP, by a person (with a note) or by the policy during apply
    POLICY_ACTIVATED = "policy_activated"
    PRACTICE_UPDATED = "practice_updated"
    EXPORT = "export"


@dataclass(frozen=True)
class Decision:
    """A recorded decision with its letters, as stored (append-only)."""

    id: int
    request_id: int
    our_ref: str
    kind: DecisionKind
    action: Action
    suggested_action: Action
    rule_id: str | None
    category: str | None  # what the request read as: a slug, "mixed" or "unclassified"
    reasons: tuple[Reason, ...]
    flags: tuple[Flag, ...]
    redirect_to: str | None
    note: str | None
    policy_id: str
    policy_version: str
    policy_sha256: str
    decided_by: str
    role: Role
    decided_at: datetime
    template_id: str
    template_version: str
    letters_edited: bool
    supersedes_id: int | None
    letters: dict[LetterKind, str]


@dataclass(frozen=True)
class LogEntry:
    """One entry of the decision log as stored: `body` is the canonical JSON that is hashed."""

    seq: int
    at: datetime
    event: str
    actor: str
    request_id: int | None
    decision_id: int | None
    body: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Assessment:
    """A request's category, suggested action and flags on a day, under a policy (or none)."""

    request_id: int
    policy_sha256: str | None
    on: date
    category: str  # a category slug, "mixed" or "unclassified"
    action: Action | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions an export or report covers; None means any."""

    start: date | None = None  # decided on or after (the practice's calendar)
    end: date | None = None  # decided on or before
    category: str | None = None  # a slug, "mixed" or "unclassified"
    action: Action | None = None
    user: str | None = None  # who decided

    def describe(self) -> str:
        parts = [
            f"from {self.start}" if self.start else "",
            f"to {self.end}" if self.end else "",
            f"category {self.category}" if self.category else "",
            f"action {self.action.value}" if self.action else "",
            f"by {self.user}" if self.user else "",
        ]
        return ", ".join(part for part in parts if part) or "every decision"


# --- what is stored of imports and policies ------------------------------------------------------


@dataclass(frozen=True)
class StoredFingerprint:
    """What is already stored under a (sender_key, ref): enough to say where it came from and
    whether a new copy says the same thing."""

    content_sha256: str
    source_file: str
    source_location: str


@dataclass(frozen=True)
class StoredPolicy:
    """A policy version as stored: its exact text and who added it."""

    row_id: int
    policy_id: str
    version: str
    title: str
    content_sha256: str
    file_name: str
    text: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class PolicyActivation:
    policy: StoredPolicy
    activated_by: str
    activated_at: datetime
