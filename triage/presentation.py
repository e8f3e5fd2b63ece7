"""Words for showing suggestions, shared by the command line and the screens."""

from __future__ import annotations

from triage.models import Action, Category, Classification, Flag, LetterKind, Status

STATUS_LABELS = {Status.OPEN: "open", Status.AWAITING_GP: "awaiting GP", Status.DECIDED: "decided"}
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


def category_label(classification: Classification) -> str:
    """The category slug, or what kept the request from having one."""
    if classification.category is not None:
        return classification.category.value
    return "mixed" if classification.categories else "unclassified"


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
}


def short_category(classification: Classification) -> str:
    if classification.category is not None:
        return SHORT_CATEGORY[classification.category]
    return "mixed" if classification.categories else "unclear"
