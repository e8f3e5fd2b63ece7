"""Applying a policy's notices to the caseload: who is handed back to which team and when, what
holds each hand-back, and when a GP must act (docs/caseload.md).

Nothing here judges: a hand-back stays open, with the practice still prescribing, until the
specialist team confirms it. A GP is given a task whenever a patient could otherwise be left
without a prescriber or a monitoring plan (`gp_task`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from policies.funding import KIND_WORDS, funding_for
from policies.schema import Funded, Notice, Policy
from triage.models import (
    SIGN_OFF_CATEGORIES,
    CaseloadEntry,
    Category,
    HandBackKey,
    HandBackRecord,
    add_months,
    day_in_words,
)

Status = Literal["ready", "awaiting_sign_off", "sent", "confirmed"]
BlockKind = Literal["gp_sign_off", "due_unknown", "due_before_confirmation", "hand_back_passed"]


@dataclass(frozen=True)
class Block:
    """Something that holds a hand-back, and what it means, in words."""

    kind: BlockKind
    says: str


@dataclass(frozen=True)
class PlannedHandBack:
    key: HandBackKey
    notice: Notice
    category: Category
    entries: tuple[CaseloadEntry, ...]  # the patient's medicines from this team
    return_to: str  # the team the patient goes back to
    hand_back_on: date
    confirm_by: date | None  # once sent
    record: HandBackRecord | None
    needs_sign_off: bool
    blocks: tuple[Block, ...]
    gp_task: Block | None  # what a GP must do now, if anything
    overdue: bool  # sent, not confirmed, and past the date the team's reply was due

    @property
    def patient(self) -> CaseloadEntry:
        return self.entries[0]

    @property
    def medications(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.medication for entry in self.entries))

    @property
    def due(self) -> date | None:
        return _earliest_due(self.entries)

    @property
    def status(self) -> Status:
        record = self.record
        if record is not None and record.confirmed is not None:
            return "confirmed"
        if record is not None and record.sent is not None:
            return "sent"
        if self.needs_sign_off and (record is None or record.signed_off is None):
            return "awaiting_sign_off"
        return "ready"


@dataclass(frozen=True)
class FundedAside:
    entry: CaseloadEntry
    notice: Notice
    funded: Funded


@dataclass(frozen=True)
class NoticePlan:
    on: date
    hand_backs: tuple[PlannedHandBack, ...]
    funded: tuple[FundedAside, ...]  # existing patients an arrangement pays for: kept
    not_covered: int  # caseload entries of categories no notice covers (or mixed, unclassified)
    declared: int  # how many notices the policy declares

    def with_status(self, status: Status) -> list[PlannedHandBack]:
        return [item for item in self.hand_backs if item.status == status]

    @property
    def gp_tasks(self) -> list[PlannedHandBack]:
        return [item for item in self.hand_backs if item.gp_task is not None]

    @property
    def overdue(self) -> list[PlannedHandBack]:
        return [item for item in self.hand_backs if item.overdue]


def plan_notices(
    policy: Policy,
    caseload: Iterable[CaseloadEntry],
    records: Mapping[HandBackKey, HandBackRecord],
    today: date,
) -> NoticePlan:
    """Every existing patient a notice covers, grouped by patient and team, with what the log
    says was done so far. A hand-back not yet sent is dated from today: each patient gets the
    notice's full period even when notice is given after the policy's hand-back date."""
    notices = {notice.category.value: notice for notice in policy.notices}
    window = policy.review.supply_within_days
    grouped: dict[HandBackKey, list[CaseloadEntry]] = {}
    funded: list[FundedAside] = []
    not_covered = 0
    for entry in caseload:
        notice = notices.get(entry.category)
        if notice is None:
            not_covered += 1
            continue
        key = HandBackKey(policy.id, notice.id, entry.nhs_number, entry.team_key)
        record = records.get(key)
        if notice.scope == "unfunded" and (record is None or record.sent is None):
            arrangement = funding_for(
                policy, notice.category, (entry.team,), _hand_back_on(notice, None, today)
            )
            if arrangement is not None:
                funded.append(FundedAside(entry, notice, arrangement))
                continue
        grouped.setdefault(key, []).append(entry)
    planned = [
        _planned(key, notices[entries[0].category], tuple(entries), records.get(key), today, window)
        for key, entries in grouped.items()
    ]
    planned.sort(key=lambda item: (item.return_to.casefold(), item.patient.patient_name, item.key))
    return NoticePlan(today, tuple(planned), tuple(funded), not_covered, len(policy.notices))


def _hand_back_on(notice: Notice, record: HandBackRecord | None, today: date) -> date:
    if record is not None and record.hand_back_on is not None:
        return record.hand_back_on
    return max(notice.hand_back_on, add_months(today, notice.notice_months))


def _planned(
    key: HandBackKey,
    notice: Notice,
    entries: tuple[CaseloadEntry, ...],
    record: HandBackRecord | None,
    today: date,
    window: int,
) -> PlannedHandBack:
    category = notice.category
    hand_back_on = _hand_back_on(notice, record, today)
    return_to = (record.return_to if record and record.return_to else None) or (
        notice.return_to or entries[0].team
    )
    needs_sign_off = _needs_sign_off(notice)
    sent = record is not None and record.sent is not None
    confirmed = record is not None and record.confirmed is not None
    due = _earliest_due(entries)
    blocks: list[Block] = []
    if needs_sign_off and not sent and (record is None or record.signed_off is None):
        blocks.append(Block("gp_sign_off", _sign_off_words(notice, category)))
    risk = None if confirmed else _risk(hand_back_on, due, today)
    if risk is not None:
        blocks.append(Block(risk, _safety_words(risk, hand_back_on, due, return_to)))
    # Before notice goes, a GP's part is the sign-off; after, keeping the patient safe.
    gp = next((block for block in blocks if block.kind == "gp_sign_off"), None)
    task = gp_task(
        hand_back_on=hand_back_on,
        due=due,
        sent=sent,
        confirmed=confirmed,
        today=today,
        window_days=window,
    )
    if task is not None:
        gp = Block(task, _safety_words(task, hand_back_on, due, return_to))
    confirm_by = record.confirm_by if record else None
    return PlannedHandBack(
        key=key,
        notice=notice,
        category=category,
        entries=entries,
        return_to=return_to,
        hand_back_on=hand_back_on,
        confirm_by=confirm_by,
        record=record,
        needs_sign_off=needs_sign_off,
        blocks=tuple(blocks),
        gp_task=gp,
        overdue=sent and not confirmed and confirm_by is not None and today > confirm_by,
    )


def gp_task(
    *,
    hand_back_on: date,
    due: date | None,
    sent: bool,
    confirmed: bool,
    today: date,
    window_days: int,
) -> BlockKind | None:
    """Why a GP must act on an open hand-back today, or None.

    Until the team confirms, the practice stays the prescriber. A GP is asked to act when a dose
    or the end of supply that falls on or after the hand-back date is within the policy's supply
    window (`review.supply_within_days`), when the hand-back date has passed unconfirmed, and
    when nobody knows when the next dose is due.
    """
    if confirmed or not sent:
        return None
    risk = _risk(hand_back_on, due, today)
    if risk == "due_before_confirmation" and due and due - timedelta(days=window_days) > today:
        return None  # not within the supply window yet
    return risk


def _risk(hand_back_on: date, due: date | None, today: date) -> BlockKind | None:
    """What could leave an unconfirmed patient without a prescriber: a dose nobody dates, the
    hand-back date passed, or a dose that falls to the team (on or after the hand-back)."""
    if due is None:
        return "due_unknown"
    if today >= hand_back_on:
        return "hand_back_passed"
    if due >= hand_back_on:
        return "due_before_confirmation"
    return None  # before the hand-back: the practice's, as usual


def _earliest_due(entries: Iterable[CaseloadEntry]) -> date | None:
    known = [entry.due for entry in entries if entry.due is not None]
    return min(known) if known else None


def _needs_sign_off(notice: Notice) -> bool:
    return notice.consider or notice.category in SIGN_OFF_CATEGORIES


def _safety_words(kind: BlockKind, hand_back_on: date, due: date | None, team: str) -> str:
    if kind == "due_unknown":
        return (
            "the search gives no next dose or end of supply: a GP checks when the next is due, "
            "so the patient is not left without one"
        )
    if kind == "hand_back_passed":
        return (
            f"the hand-back date ({day_in_words(hand_back_on)}) has passed and {team} has not "
            "confirmed: the practice still prescribes and monitors until they do"
        )
    assert due is not None
    return (
        f"the next dose or supply ends on {day_in_words(due)}, on or after the hand-back "
        f"({day_in_words(hand_back_on)}): until {team} confirms, the practice keeps prescribing"
    )


def _sign_off_words(notice: Notice, category: Category) -> str:
    if category in SIGN_OFF_CATEGORIES:
        return f"a GP signs off handing back {category.label}: a gap in treatment is not safe"
    return f"notice {notice.id} only says to consider it: a GP signs off each patient"


def notice_lines(policy: Policy) -> list[str]:
    """Each notice and funded arrangement of the policy, in words (policy show, the screen)."""
    lines = []
    for notice in policy.notices:
        scope = "where not funded" if notice.scope == "unfunded" else "every existing patient"
        to = f", to {notice.return_to}" if notice.return_to else ", to their own team"
        signed = ", a GP signs off each" if _needs_sign_off(notice) else ""
        lines.append(
            f"{notice.id}: {notice.category.label}, {scope}, {notice.notice_months} months' "
            f"notice, handed back from {day_in_words(notice.hand_back_on)}{to}{signed}"
        )
    for funded in policy.funded:
        provider = f" by {funded.provider}" if funded.provider else ""
        categories = ", ".join(category.label for category in funded.categories)
        lines.append(f"{funded.id}: {KIND_WORDS[funded.kind]} pays for {categories}{provider}")
    return lines


__all__ = [
    "Block",
    "FundedAside",
    "NoticePlan",
    "PlannedHandBack",
    "gp_task",
    "notice_lines",
    "plan_notices",
]
