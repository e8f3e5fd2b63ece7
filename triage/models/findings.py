"""What a request reads as (category, red flags, dates and wording in the letter) and what the
policy suggests doing with it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from triage.models.records import IncomingRequest
from triage.models.vocabulary import Action, Category, Flag, Reason, RequestType, in_flag_order

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


RequestT = TypeVar("RequestT", bound=IncomingRequest)


class Assessed(NamedTuple, Generic[RequestT]):
    """A request (imported, or only read from a file), what it reads as, and what the policy
    suggests (None while no policy is in force)."""

    request: RequestT
    findings: Findings
    suggestion: Suggestion | None

    @property
    def suggested(self) -> Suggestion:
        """The suggestion of an assessment made with a policy (simulate, assess, deciding)."""
        if self.suggestion is None:
            raise ValueError(f"{self.request.ref} was assessed with no policy in force")
        return self.suggestion

    @property
    def flags(self) -> tuple[Flag, ...]:
        """The request's own flags (from intake) and the policy's, once each."""
        found = set(self.request.flags) | set(self.suggestion.flags if self.suggestion else ())
        return in_flag_order(found)
