"""Decisions, the decision log's entries, the stored assessments and the filter exports use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from triage.models.vocabulary import (
    Action,
    Flag,
    ProviderType,
    ReadAs,
    Reason,
    RequestType,
    Role,
)


class LetterKind(StrEnum):
    SPECIALIST = "specialist"  # the reply to the requesting specialist
    PATIENT = "patient"  # the plain-English letter to the patient
    SMS = "sms"  # a text message, at most 306 characters


class LogEvent(StrEnum):
    """What a decision-log entry records. The first four are also the kinds of decision: how a
    decision came about."""

    DECISION = "decision"  # the policy's suggestion, accepted
    OVERRIDE = "override"  # another action than suggested, with a reason
    REVIEW = "review"  # a GP's decision on a flagged request, with a note
    SUPERSEDE = "supersede"  # a correction of an earlier decision; both stay
    FLAG = "flag"  # sent to a GP, by a person (with a note) or by the policy during apply
    POLICY_ACTIVATED = "policy_activated"
    PRACTICE_UPDATED = "practice_updated"
    EXPORT = "export"
    DETAILS_COMPLETED = "details_completed"  # a letter's patient details typed or corrected
    ASSIGNED = "assigned"  # given to a named clerk or GP ("my work"), with any note
    HANDED_BACK = "handed_back"  # returned to the team by its assignee, with a message
    # Who is at the keyboard (docs/security.md): every login, failure and lockout, and every
    # change to how a person logs in.
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    PASSWORD_SET = "password_set"  # noqa: S105 (an event name) by its owner: first use, changed
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name) by a manager
    USER_ADDED = "user_added"
    USER_ROLE_CHANGED = "user_role_changed"
    USER_REMOVED = "user_removed"  # access withdrawn; the user's entries stay theirs
    USERS_RECORDED = "users_recorded"  # every user as they were, once, before the first change
    REDIRECT_CONFIRMED = "redirect_confirmed"  # the service a request went to took the patient on
    # Existing patients handed back with notice (docs/caseload.md): each entry holds its letters
    # whole, so the chain itself proves them unchanged.
    CASELOAD_IMPORTED = "caseload_imported"  # a search export of existing shared-care patients
    HAND_BACK_SIGNED_OFF = "hand_back_signed_off"  # a GP agrees a patient may be handed back
    NOTICE_SENT = "notice_sent"  # one patient's notice: the specialist's, patient's letters, SMS
    NOTICE_COVERING = "notice_covering"  # one team's covering letter listing its patients
    HAND_BACK_CONFIRMED = "hand_back_confirmed"  # the specialist team took the patient on
    HAND_BACK_CHASED = "hand_back_chased"  # one team's reminder listing its overdue replies


# The entries that say who the users are: from the first of them, the log accounts for every user.
USER_EVENTS = (
    LogEvent.USER_ADDED,
    LogEvent.USER_ROLE_CHANGED,
    LogEvent.USER_REMOVED,
    LogEvent.USERS_RECORDED,
)


DECISION_EVENTS = (LogEvent.DECISION, LogEvent.OVERRIDE, LogEvent.REVIEW, LogEvent.SUPERSEDE)


@dataclass(frozen=True)
class Decision:
    """A recorded decision with its letters, as stored (append-only)."""

    id: int
    request_id: int
    our_ref: str
    kind: LogEvent  # one of DECISION_EVENTS
    action: Action
    suggested_action: Action
    rule_id: str | None
    category: ReadAs | None  # what the request read as when decided
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
    # A redirect: the day by which the service it went to should confirm it took the patient on
    # (docs/domain.md, "Following up"); None for other actions.
    confirm_by: date | None = None


# Unless the rule says otherwise, the service a request is redirected to is asked to confirm
# within this many days.
REDIRECT_CONFIRM_DAYS = 28


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
    # Stamped by PostgreSQL, not the program: who was connected and the server's time (outside
    # the hash; None on SQLite, and until the entry is stored).
    db_actor: str | None = None
    db_at: datetime | None = None


@dataclass(frozen=True)
class Assessment:
    """A request's category, suggested action and flags on a day, under a policy (or none)."""

    request_id: int
    policy_sha256: str | None
    on: date
    category: ReadAs
    action: Action | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions an export or report covers; None means any."""

    start: date | None = None  # decided on or after (the practice's calendar)
    end: date | None = None  # decided on or before
    category: ReadAs | None = None
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


@dataclass(frozen=True, slots=True)
class ExportedDecision:
    """One decision as the exports read it: flat, with its request's identifiers, who decided,
    and its letters (by kind's value: "specialist", "patient", "sms")."""

    decision_id: int
    our_ref: str
    decided_at: datetime
    decided_by: str
    role: Role
    kind: LogEvent
    action: Action
    suggested_action: Action
    rule_id: str | None
    category: ReadAs | None
    reasons: list[str]
    flags: list[str]
    redirect_to: str | None
    note: str | None
    policy_id: str
    policy_version: str
    policy_sha256: str
    template_id: str
    template_version: str
    letters_edited: bool
    supersedes_id: int | None
    request_id: int
    request_ref: str
    sender: str
    received: datetime
    nhs_number: str | None
    patient_name: str | None
    date_of_birth: date | None
    requester: str
    organisation: str
    provider_type: ProviderType
    request_type: RequestType | None
    original_sha256: str | None  # the letter's file the request came from, if it came from one
    letters: dict[str, str]


@dataclass(frozen=True, slots=True)
class DecisionTally:
    """How many of the chosen decisions share a period, category, action, provider type and
    reasons, as the monthly report counts them (the period is an index into its months)."""

    period: int
    category: ReadAs | None
    action: Action
    provider_type: ProviderType
    reasons: tuple[str, ...]
    count: int
