"""The policy language (docs/policy-language.md): what a practice's declared policy may say.

Every model forbids unknown keys, so a misspelt key is reported rather than silently ignored.
Rules that need several keys at once (a redirect needs somewhere to redirect to) are checked in
checks.py, so that every mistake in a file is listed together.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from triage.models import Action, Category, ProviderType, Reason, RequestType

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# TOML has real dates, integers and booleans: a quoted "2025-01-01" or "21" is a mistake to report,
# not something to convert quietly.
Day = Annotated[date, Strict()]
Whole = Annotated[int, Strict()]
TrueFalse = Annotated[bool, Strict()]

# The least a policy may set: below these, requests with safety signals would be decided
# without a GP (the product's "safety first" rule), so the loader refuses them.
LEAST_UNDER_AGE = 18
LEAST_SUPPLY_WINDOW_DAYS = 7


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyHeader(_Strict):
    id: Identifier
    title: Text
    version: Text
    effective_from: Day
    effective_until: Day | None = None
    source: Text  # the published letter or list this policy declares: letters cite it
    signatory: Text | None = None
    default_action: Action = Action.GP_REVIEW  # for requests no rule covers
    # When the practice said it would review its position ("in January 2025"): the manager is
    # reminded from a fortnight before. It changes no suggestion.
    review_on: Day | None = None


class Review(_Strict):
    """Edge cases that go to a GP before any rule is tried."""

    under_age: Whole = Field(default=18, ge=LEAST_UNDER_AGE, le=130)
    supply_within_days: Whole = Field(default=28, ge=LEAST_SUPPLY_WINDOW_DAYS, le=366)
    # These are written in the file for the reader's sake; none can be turned off (the product's
    # "safety first" rule: signals, and requests no one can categorise, always reach a GP).
    urgent: Literal[True] = True
    red_flags: Literal[True] = True
    invalid_nhs_number: Literal[True] = True
    mixed_categories: Literal[True] = True
    unclassified: Literal[True] = True
    confirm_by_gp: tuple[Category, ...] = ()  # the rule's suggestion stands; a GP confirms it


class Capacity(_Strict):
    limit: Whole = Field(ge=1)
    per: Literal["day", "week", "month"]


class Rule(_Strict):
    id: Identifier
    category: Category
    action: Action
    request_types: tuple[RequestType, ...] | None = None  # None: all
    provider_types: tuple[ProviderType, ...] | None = None  # None: all
    min_age: Whole | None = Field(default=None, ge=0, le=130)
    max_age: Whole | None = Field(default=None, ge=0, le=130)
    within_months_of_procedure: Whole | None = Field(default=None, ge=1, le=1200)
    after_months_of_procedure: Whole | None = Field(default=None, ge=0, le=1200)
    effective_from: Day | None = None  # override the policy's dates for this rule
    effective_until: Day | None = None
    capacity: Capacity | None = None
    when_full: Action | None = None
    redirect_to: Text | None = None
    # A redirect: the service it goes to should confirm within this many days (default 28).
    confirm_within_days: Whole | None = Field(default=None, ge=1, le=365)
    reasons: tuple[Reason, ...] = ()
    note: Text | None = None  # what the rule is for, in the policy's own words
    # "Where there is not adequate funding": a request a funded arrangement covers is left to
    # the rules after this one (and the default).
    unless_funded: TrueFalse = False
    # "Consider stopping ...": the rule suggests its action, and a GP decides every request.
    consider: TrueFalse = False


FundingKind = Literal["local_enhanced_service", "icb_interim_payment", "named_provider"]


class Funded(_Strict):
    """An arrangement that pays for shared-care work (a local enhanced service, an ICB interim
    payment, a named provider that funds it). Where one covers a request or an existing patient,
    rules with `unless_funded` and notices with scope "unfunded" stand aside."""

    id: Identifier
    kind: FundingKind
    categories: tuple[Category, ...] = Field(min_length=1)
    # Only this provider's requests and patients (matched in the sender's or team's name);
    # without it, every provider's. A named provider's arrangement needs one.
    provider: Text | None = None
    effective_from: Day | None = None
    effective_until: Day | None = None
    note: Text | None = None


class Notice(_Strict):
    """Notice to the specialist teams that the practice hands back its existing patients of a
    category: each patient gets at least `notice_months` of notice, and is handed back on
    `hand_back_on` or, if notice is given later, that many months after it is given."""

    id: Identifier
    category: Category
    scope: Literal["all", "unfunded"] = "all"  # "unfunded": not where a [[funded]] covers it
    notice_months: Whole = Field(ge=1, le=24)
    hand_back_on: Day
    return_to: Text | None = None  # None: each patient's own specialist team
    confirm_within_days: Whole = Field(default=28, ge=1, le=365)  # the team's reply is due by
    chase_every_days: Whole = Field(default=14, ge=1, le=365)  # a reminder while it is not
    consider: TrueFalse = False  # each patient's hand-back waits for a GP's sign-off
    note: Text | None = None


class SafeWorking(_Strict):
    """The practice's safe-working limit (BMA guidance: 25 contacts per clinician per day).

    It does not change any suggestion: the GP review queue shows how far today's reviews are
    towards it, so routine reviews beyond it can wait for the next day.
    """

    contacts_per_clinician_per_day: Whole = Field(ge=1, le=200)
    note: Text | None = None


class Policy(_Strict):
    policy: PolicyHeader
    review: Review = Review()
    rules: tuple[Rule, ...] = ()
    funded: tuple[Funded, ...] = ()
    notices: tuple[Notice, ...] = ()
    safe_working: SafeWorking | None = None

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def version(self) -> str:
        return self.policy.version

    def content_sha256(self) -> str:
        """A fingerprint of what the policy says: comments and layout do not change it."""
        # Defaults are left out, so a key added to the language later (with a default) does not
        # change the fingerprint of a policy stored before it existed.
        canonical = json.dumps(
            self.model_dump(mode="json", exclude_defaults=True),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()
