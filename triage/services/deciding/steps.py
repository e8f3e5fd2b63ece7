"""The steps of deciding inside one transaction: the policy's suggestion worked out afresh, the
rules checked, the letters drafted, and the decision recorded with its letters and log entry.
The functions in __init__.py open the transactions and call these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from db import Transaction
from triage import audit
from triage.clock import PRACTICE_TIME, practice_date
from triage.errors import UserError
from triage.letters import (
    SMS_LIMIT,
    LetterDraft,
    LetterFacts,
    Replaced,
    draft_letters,
    sms_length,
)
from triage.models import (
    DECIDING_ACTIONS,
    REDIRECT_CONFIRM_DAYS,
    Action,
    Decision,
    Findings,
    LetterKind,
    LogEvent,
    Practice,
    Reason,
    Request,
    Status,
    Suggestion,
    User,
)
from triage.presentation import category_label, needs_in_words
from triage.rules import decision_kind
from triage.services.policy import PolicyInForce, RecordedDecisions, assess, in_force_within

CLAIM_LEASE = timedelta(minutes=15)  # a claim older than this no longer holds the request


@dataclass(frozen=True)
class Choice:
    """What the person wants done; anything left as None follows the policy's suggestion."""

    action: Action | None = None
    reasons: tuple[Reason, ...] | None = None
    redirect_to: str | None = None
    note: str | None = None  # required to override, to decide a flagged request, to correct
    # Edited letter texts, replacing the drafts. They were written for one action, so `action`
    # must name it: if the suggestion has changed since, recording them is an override.
    letters: Mapping[LetterKind, str] | None = None

    def __post_init__(self) -> None:
        if self.letters is not None and self.action is None:
            raise ValueError("edited letters need the action they were drafted for")


@dataclass(frozen=True)
class Prepared:
    """A decision worked out and its letters drafted, not yet recorded."""

    request: Request
    findings: Findings
    suggestion: Suggestion
    kind: LogEvent
    our_ref: str  # the practice's reference for the decision, in its letters
    action: Action
    reasons: tuple[Reason, ...]
    redirect_to: str | None
    letters: LetterDraft


def policy_required(tx: Transaction) -> PolicyInForce:
    """The policy in force, read in the caller's transaction; refused before any is activated."""
    in_force = in_force_within(tx)
    if in_force is None:
        raise UserError(
            "no policy is in force: a manager activates one with `triage policy activate`"
        )
    return in_force


def locked_request(tx: Transaction, request_id: int) -> Request:
    request = tx.requests.get(request_id, lock=True)
    if request is None:
        raise UserError(f"request {request_id} no longer exists")
    return request


def prepare_in(
    tx: Transaction,
    user: User,
    in_force: PolicyInForce,
    request_id: int,
    choice: Choice,
    now: datetime,
) -> Prepared:
    request = locked_request(tx, request_id)
    if request.status is Status.NEEDS_DETAILS:
        needed = needs_in_words(request.details_needed)
        raise UserError(
            f"{request.ref} cannot be decided until its details are completed ({needed}): "
            f"`triage details {request.ref}`"
        )
    if request.status is Status.DECIDED:
        standing = tx.decisions.for_request(request_id)[-1]
        raise UserError(
            f"{request.ref} is already decided ({standing.action.value}, {standing.our_ref}, by "
            f"{standing.decided_by}); a GP can correct it"
        )
    check_claim(tx, user, request, now)
    return draft(tx, user, in_force, request, choice, now, kind=None)


def draft(
    tx: Transaction,
    user: User,
    in_force: PolicyInForce,
    request: Request,
    choice: Choice,
    now: datetime,
    *,
    kind: LogEvent | None,
    replaces: Decision | None = None,
    assessed: tuple[Findings, Suggestion] | None = None,
) -> Prepared:
    """The decision worked out and its letters drafted; a correction's letters (`replaces`, the
    decision that stands) say which letter they replace. `assessed` is the suggestion the
    caller has just worked out in this transaction, rather than working it out again."""
    policy = in_force.loaded.policy
    findings, suggestion = assessed or suggestion_now(tx, in_force, request, now)
    action = choice.action or suggestion.action
    if kind is None:
        kind = decision_kind(user, request, suggestion, action)
    if action not in DECIDING_ACTIONS:
        raise UserError(
            f"the policy sends {request.ref} to a GP ({suggestion.explanation}); "
            "choose decline, redirect or accept"
        )
    same = action is suggestion.action
    reasons = choice.reasons
    if reasons is None:
        reasons = suggestion.reasons if same else ()
    if action is not Action.ACCEPT and not reasons:
        reasons = (Reason.PRACTICE_POLICY,)
    if action is Action.ACCEPT:
        reasons = ()
    redirect_to = (choice.redirect_to or "").strip() or (suggestion.redirect_to if same else None)
    if action is Action.REDIRECT and not redirect_to:
        raise UserError("a redirect needs the service it goes to")
    if action is not Action.REDIRECT:
        redirect_to = None
    earlier = tx.decisions.count_for_request(request.id)
    our_ref = f"SCT-{request.id:06d}" + (f"-{earlier + 1}" if earlier else "")
    practice, letters_dir = practice_required(tx)
    facts = LetterFacts(
        practice=practice,
        request=request,
        category=findings.classification.category,
        action=action,
        reasons=reasons,
        redirect_to=redirect_to,
        policy=policy.policy,
        signed_by=user,
        decided_on=practice_date(now),
        our_ref=our_ref,
        gp_reviewed_on=practice_date(now) if kind is LogEvent.REVIEW else None,
        replaces=(
            Replaced(replaces.our_ref, practice_date(replaces.decided_at)) if replaces else None
        ),
    )
    letters = draft_letters(facts, Path(letters_dir) if letters_dir else None)
    return Prepared(
        request, findings, suggestion, kind, our_ref, action, reasons, redirect_to, letters
    )


def suggestion_now(
    tx: Transaction, in_force: PolicyInForce, request: Request, now: datetime
) -> tuple[Findings, Suggestion]:
    """What the policy in force suggests now, counting the decisions recorded so far."""
    assessed = assess(request, in_force.loaded.policy, practice_date(now), RecordedDecisions(tx))
    return assessed.findings, assessed.suggested


def practice_required(tx: Transaction) -> tuple[Practice, str | None]:
    practice = tx.practice.get()
    if practice is None:
        raise UserError(
            "the practice's details are not set, so no letter can be drafted: a manager sets "
            "them with `triage practice set`"
        )
    return practice


def record(
    tx: Transaction,
    user: User,
    in_force: PolicyInForce,
    prepared: Prepared,
    choice: Choice,
    now: datetime,
    supersedes: Decision | None,
) -> Decision:
    texts = _final_texts(prepared.letters, choice.letters)
    policy = in_force.loaded
    decision = Decision(
        id=0,
        request_id=prepared.request.id,
        our_ref=prepared.our_ref,
        kind=prepared.kind,
        action=prepared.action,
        suggested_action=prepared.suggestion.action,
        rule_id=prepared.suggestion.rule,
        category=category_label(prepared.findings.classification),
        reasons=prepared.reasons,
        flags=prepared.suggestion.flags,
        redirect_to=prepared.redirect_to,
        note=(choice.note or "").strip() or None,
        policy_id=policy.policy.id,
        policy_version=policy.policy.version,
        policy_sha256=policy.sha256,
        decided_by=user.name,
        role=user.role,
        decided_at=now,
        template_id=prepared.letters.template_id,
        template_version=prepared.letters.template_version,
        letters_edited=texts != prepared.letters.texts(),
        supersedes_id=supersedes.id if supersedes else None,
        letters=texts,
        confirm_by=_confirm_by(in_force, prepared, now),
    )
    hashes = {kind: audit.text_sha256(text) for kind, text in texts.items()}
    decision_id = tx.decisions.add(
        decision, user, {kind: (texts[kind], hashes[kind]) for kind in texts}
    )
    decision = replace(decision, id=decision_id)
    tx.requests.set_state(prepared.request.id, Status.DECIDED, None, None)
    audit.append(
        tx,
        event=LogEvent(prepared.kind.value),
        user=user,
        at=now,
        request=prepared.request,
        decision_id=decision_id,
        details=audit.decision_details(decision, hashes),
    )
    return decision


def _confirm_by(in_force: PolicyInForce, prepared: Prepared, now: datetime) -> date | None:
    """A redirect's: the day the service it goes to should confirm it took the patient on."""
    if prepared.action is not Action.REDIRECT:
        return None
    rule = next(
        (rule for rule in in_force.loaded.policy.rules if rule.id == prepared.suggestion.rule),
        None,
    )
    days = (rule.confirm_within_days if rule else None) or REDIRECT_CONFIRM_DAYS
    return practice_date(now) + timedelta(days=days)


def _final_texts(
    draft: LetterDraft, edited: Mapping[LetterKind, str] | None
) -> dict[LetterKind, str]:
    texts = draft.texts()
    for kind, text in (edited or {}).items():
        if not text.strip():
            raise UserError(f"the edited {kind.value} letter is empty")
        texts[kind] = text
    length = sms_length(texts[LetterKind.SMS])
    if length > SMS_LIMIT:
        raise UserError(
            f"the text message is {length} characters long; at most {SMS_LIMIT} fit in two messages"
        )
    return texts


def held_by_colleague(
    tx: Transaction, user: User, request: Request, now: datetime
) -> tuple[str, datetime] | None:
    """Who else is working on the request (a live claim), if anyone."""
    holder, since = tx.requests.claim(request.id)
    if holder and holder != user.name and since and now - since < CLAIM_LEASE:
        return holder, since
    return None


def check_claim(tx: Transaction, user: User, request: Request, now: datetime) -> None:
    held = held_by_colleague(tx, user, request, now)
    if held:
        holder, since = held
        raise UserError(
            f"{holder} is working on {request.ref} (since "
            f"{since.astimezone(PRACTICE_TIME):%H:%M}); try again later or pick another request"
        )


def send_to_gp(
    tx: Transaction,
    user: User,
    request: Request,
    now: datetime,
    details: dict[str, object],
) -> None:
    tx.requests.set_state(request.id, Status.AWAITING_GP, None, None)
    audit.append(tx, event=LogEvent.FLAG, user=user, at=now, request=request, details=details)
