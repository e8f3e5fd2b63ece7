"""The words of the domain: categories, actions, flags, reasons, statuses and roles, each an
enum whose value is what files, the database and machine output carry."""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum, StrEnum
from typing import TypeVar


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


class Unsorted(StrEnum):
    """Why a request has no one category."""

    MIXED = "mixed"  # it reads as more than one
    UNCLASSIFIED = "unclassified"  # it reads as none


# What a request reads as: its category, or why it has none. Stored and exported by value.
ReadAs = Category | Unsorted
READ_AS_VALUES = (*(category.value for category in Category), *(u.value for u in Unsorted))


def read_as(value: str) -> ReadAs:
    """A stored or typed "adhd", "mixed" or "unclassified" as what it means."""
    if value in Unsorted._value2member_map_:
        return Unsorted(value)
    return Category(value)


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
    """Where a request is: open -> awaiting_gp (flagged) -> decided. A letter whose patient could
    not be read with confidence waits first in needs_details, for a clerk to complete it."""

    OPEN = "open"
    AWAITING_GP = "awaiting_gp"
    DECIDED = "decided"
    NEEDS_DETAILS = "needs_details"


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
    DOUBTFUL_SCAN = "doubtful_scan"  # a scan OCR could not read, or read numbers unsure of
    REPEAT_REQUEST = "repeat_request"  # the team asks again after the practice said no


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
    # Letters, one request each (docs/import-formats.md, Letters).
    PDF = "pdf"
    DOCX = "docx"
    EMAIL = "email"
    TEXT = "text"
    SCAN = "scan"  # an image of a letter (PNG, JPEG, TIFF); a scanned PDF stays "pdf"


_E = TypeVar("_E", bound=Enum)


def member_by_value(enum: type[_E]) -> Callable[[str], _E]:
    """enum(value), looked up in a dict: calling the enum costs more than the rest of reading a
    decision's reasons or a record's field. An unknown value still raises the enum's ValueError."""
    members: dict[object, _E] = {member.value: member for member in enum}

    def member(value: str) -> _E:
        found = members.get(value)
        return enum(value) if found is None else found

    return member
