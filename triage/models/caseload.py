"""Existing shared-care patients and their hand-back with notice (docs/caseload.md): what the
caseload holds, and what the decision log says was sent, signed off, confirmed and chased."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from triage.models.records import sender_key
from triage.models.vocabulary import Category

# A hand-back of these needs a GP's sign-off before notice goes: a missed denosumab injection
# risks rebound vertebral fractures, and warfarin and lithium are narrow-margin medicines.
SIGN_OFF_CATEGORIES = frozenset({Category.DENOSUMAB, Category.INR, Category.LITHIUM})


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    """One existing patient on one medicine under one specialist team."""

    nhs_number: str  # valid: an entry without one is not imported
    patient_name: str
    date_of_birth: date
    medication: str
    team: str
    category: str  # a Category's value, "mixed" or "unclassified"
    last_review: date | None
    next_due: date | None  # the next dose, injection or monitoring test
    supply_ends: date | None
    source: str  # "search.csv line 12", or "accepted request S04 (SCT-000012)"

    @property
    def team_key(self) -> str:
        return sender_key(self.team)

    @property
    def due(self) -> date | None:
        """The earlier of the next dose and the end of supply: when someone must act."""
        known = [day for day in (self.next_due, self.supply_ends) if day is not None]
        return min(known) if known else None


class HandBackKey(NamedTuple):
    """One patient handed back to one team under one notice of one policy."""

    policy_id: str
    notice_id: str
    nhs_number: str
    team_key: str

    def as_dict(self) -> dict[str, str]:
        return self._asdict()


@dataclass(frozen=True, slots=True)
class Recorded:
    """Who recorded something about a hand-back, on which day, in which log entry."""

    by: str
    on: date
    seq: int
    note: str | None = None


@dataclass
class HandBackRecord:
    """What the decision log says about one hand-back so far."""

    key: HandBackKey
    category: str | None = None  # as the first entry about it recorded
    signed_off: Recorded | None = None
    sent: Recorded | None = None
    ref: str | None = None  # "HB-000012", once notice is sent
    hand_back_on: date | None = None
    confirm_by: date | None = None
    return_to: str | None = None
    confirmed: Recorded | None = None
    chased: list[Recorded] = field(default_factory=list)
