"""Words for showing suggestions, shared by the command line and the screens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from triage.models import (
    Action,
    Category,
    Classification,
    Flag,
    LetterKind,
    Patient,
    QueueSort,
    ReadAs,
    Status,
    Unsorted,
    spaced_nhs_number,
)

QUEUE_ORDER_WORDS = {
    QueueSort.OLDEST: "oldest first",
    QueueSort.NEWEST: "newest first",
    QueueSort.PATIENT: "by patient",
    QueueSort.REF: "by ref",
    QueueSort.DUE: "soonest due first",
}
STATUS_LABELS = {
    Status.NEEDS_DETAILS: "needs details",
    Status.OPEN: "open",
    Status.AWAITING_GP: "awaiting GP",
    Status.DECIDED: "decided",
}

# The status in a sentence: "S07 is already waiting for a GP".
STATUS_WORDS = {
    Status.NEEDS_DETAILS: "waiting for its details to be completed",
    Status.OPEN: "open",
    Status.AWAITING_GP: "already waiting for a GP",
    Status.DECIDED: "already decided",
}


NAMES_SHOWN = 3  # of a long list of files in a message


def first_few(names: Sequence[str], at_most: int = NAMES_SHOWN) -> str:
    """ "a, b, c" or, of a longer list, "a, b, c and 78 more"."""
    shown = ", ".join(names[:at_most])
    more = len(names) - at_most
    return shown + (f" and {more:,} more" if more > 0 else "")


def counted(count: int, thing: str, things: str | None = None) -> str:
    """ "1 patient", "3 patients"; `things` for a plural that is not thing + "s"."""
    return f"{count} {thing if count == 1 else things or thing + 's'}"


def some_of(names: Sequence[str], noun: str = "files") -> str:
    """A list of names for a one-line message: all of a few, or "81 files: RL-A01.pdf,
    RL-A02.pdf, RL-A03.pdf and 78 more"."""
    if len(names) <= NAMES_SHOWN:
        return ", ".join(names)
    return f"{len(names):,} {noun}: {first_few(names)}"


def status_counts(counts: Mapping[Status, int]) -> str:
    """ "16 open · 2 awaiting GP · 40 decided", with letters needing details first when any do."""
    return " · ".join(
        f"{counts[status]:,} {label}"
        for status, label in STATUS_LABELS.items()
        if counts[status] or status is not Status.NEEDS_DETAILS
    )


LETTER_TITLES = {
    LetterKind.SPECIALIST: "Letter to the specialist",
    LetterKind.PATIENT: "Letter to the patient",
    LetterKind.SMS: "Text message",
}
ACTION_LABELS = {
    Action.DECLINE: "decline",
    Action.REDIRECT: "redirect",
    Action.ACCEPT: "accept",
    Action.GP_REVIEW: "GP review",
}


def nhs_number_shown(patient: Patient) -> str:
    """The NHS number as people read it ("943 476 5919"); one that fails its check as written,
    saying so; "(none)" when the request gave none."""
    if patient.nhs_number is None:
        return "(none)"
    if patient.nhs_number_valid:
        return spaced_nhs_number(patient.nhs_number)
    return f"{patient.nhs_number} (invalid)"


def category_label(classification: Classification) -> ReadAs:
    """The category, or what kept the request from having one."""
    if classification.category is not None:
        return classification.category
    return Unsorted.MIXED if classification.categories else Unsorted.UNCLASSIFIED


# Narrow forms for table columns; the detail pane and the CLI show the full slugs.
SHORT_CATEGORY = {
    Category.ADHD: "ADHD",
    Category.GENDER_DYSPHORIA: "gender",
    Category.MGUS: "MGUS",
    Category.BARIATRIC: "bariatric",
    Category.EATING_DISORDER: "eating dis.",
    Category.DMARD: "DMARD",
    Category.DENOSUMAB: "denosumab",
    Category.PSA: "PSA",
    Category.INR: "INR",
    Category.MENTAL_HEALTH_MONITORING: "MH bloods",
    Category.LITHIUM: "lithium",
}
SHORT_FLAG = {
    Flag.UNDER_18: "under 18",
    Flag.SUPPLY_RISK: "supply",
    Flag.URGENT: "urgent",
    Flag.RED_FLAG: "red flag",
    Flag.MIXED_CATEGORIES: "mixed",
    Flag.UNCLASSIFIED: "unclear",
    Flag.INVALID_NHS_NUMBER: "NHS no.",
    Flag.GP_CONFIRMATION: "GP confirms",
    Flag.POLICY_NOT_IN_FORCE: "not in force",
    Flag.CAPACITY_REACHED: "capacity",
    Flag.DOUBTFUL_SCAN: "scan?",
    Flag.REPEAT_REQUEST: "repeat",
}


def short_category(classification: Classification) -> str:
    if classification.category is not None:
        return SHORT_CATEGORY[classification.category]
    return "mixed" if classification.categories else "unclear"


def needs_in_words(needed: Sequence[str]) -> str:
    """What a letter still needs, fields with the same reason said once: "nhs_number,
    patient_name: the scan was not read; type it from the original"."""
    reasons: dict[str, list[str]] = {}
    for need in needed:
        field_name, _, why = need.partition(": ")
        reasons.setdefault(why, []).append(field_name)
    return "; ".join(f"{', '.join(names)}: {why}" for why, names in reasons.items())
