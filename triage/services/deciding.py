"""Deciding requests: the one service layer that the command line and the screens both call.

Every change is written in one transaction with its decision-log entry, and, for a decision, its
three letters: there is never a decision without its letters and log entry, or the reverse.
Permissions are checked here, for every caller. The suggestion is always worked out afresh inside
the transaction from the policy in force, never taken from the caller, so capacity counts the
decisions recorded up to that moment.

Who may do what: clerks (and GPs) decide clear-cut requests, and anyone may send one to a GP with
a note. A request is for a GP when it waits for one, when the policy sends it to one, or when the
policy says a GP must confirm its category; then only a GP decides it, with a note. A recorded
decision is final: a GP may correct it with a new decision that supersedes it, and both stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from db import Repository
from triage import audit
from triage.clock import PRACTICE_TIME, practice_date, utc_now
from triage.errors import UserError
from triage.letters import SMS_LIMIT, LetterDraft, LetterFacts, draft_letters, sms_length
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Decision,
    DecisionKind,
    Findings,
    LetterKind,
    LogEvent,
    Practice,
    Reason,
    Request,
    Status,
    Suggestion,
    User,
    sender_key,
)
from triage.presentation import category_label
from triage.rules import Permission, decision_kind, needs_gp, require, require_note
from triage.services.policy import PolicyInForce, RecordedDecisions, assess, policy_in_force
from triage.services.workspace import Workspace

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
    kind: DecisionKind
    our_ref: str  # the practice's reference for the decision, in its letters
    action: Action
    reasons: tuple[Reason, ...]
    redirect_to: str | None
    letters: LetterDraft


def find_request(workspace: Workspace, ref: str, sender: str | None = None) -> Request:
    """The request with this reference (and sender, when two senders use the same ref)."""
    with workspace.database.read() as repository:
        found = repository.requests_with_ref(ref)
    if sender is not None:
        key = sender_key(sender)
        found = [request for request in found if request.sender_key == key]
    if not found:
        raise UserError(f"no request with ref {ref!r}" + (f" from {sender!r}" if sender else ""))
    if len(found) > 1:
        senders = "; ".join(repr(request.sender) for request in found)
        raise UserError(f"ref {ref!r} is used by {len(found)} senders ({senders}): add --sender")
    return found[0]


def standing_decision(workspace: Workspace, request_id: int) -> Decision | None:
    """The decision that stands on a request (a correction supersedes the one before), if any."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as repository:
        decisions = repository.decisions(request_id)
    return decisions[-1] if decisions else None


def prepare(workspace: Workspace, request_id: int, choice: Choice = Choice()) -> Prepared:
    """The decision as it would be recorded now, with its letters drafted (nothing saved)."""
    in_force = _policy(workspace)
    with workspace.database.read() as repository:
        return _prepare(repository, workspace.user, in_force, request_id, choice, utc_now())


def decide(workspace: Workspace, request_id: int, choice: Choice = Choice()) -> Decision:
    """Record a decision on an open or flagged request, with its letters and log entry."""
    in_force = _policy(workspace)
    with workspace.database.write() as repository:
        now = utc_now()
        prepared = _prepare(repository, workspace.user, in_force, request_id, choice, now)
        require_note(
            prepared.kind,
            prepared.request.ref,
            prepared.suggestion.action,
            prepared.action,
            choice.note,
        )
        return _record(repository, workspace.user, in_force, prepared, choice, now, None)


def correct(workspace: Workspace, request_id: int, choice: Choice) -> Decision:
    """A GP's correction of a recorded decision: a new decision superseding it; both stay."""
    require(workspace.user, Permission.CORRECT)
    if not choice.note or not choice.note.strip():
        raise UserError("a correction needs a note saying why")
    if choice.action is None:
        raise UserError("say what the decision should have been")
    in_force = _policy(workspace)
    with workspace.database.write() as repository:
        now = utc_now()
        earlier = repository.decisions(request_id)
        if not earlier:
            raise UserError("this request has no decision to correct")
        request = _request(repository, request_id)
        prepared = _draft(
            repository,
            workspace.user,
            in_force,
            request,
            choice,
            now,
            kind=DecisionKind.SUPERSEDE,
        )
        return _record(repository, workspace.user, in_force, prepared, choice, now, earlier[-1])


def flag(workspace: Workspace, request_id: int, note: str) -> None:
    """Send a request to a GP, with a note saying why."""
    require(workspace.user, Permission.FLAG)
    if not note.strip():
        raise UserError("say why a GP should see it")
    with workspace.database.write() as repository:
        request = _request(repository, request_id)
        if request.status is not Status.OPEN:
            raise UserError(
                f"{request.ref} is {_status_words(request.status)}; it cannot be flagged"
            )
        _check_claim(repository, workspace.user, request, utc_now())
        _send_to_gp(repository, workspace.user, request, utc_now(), {"note": note.strip()})


def _send_to_gp(
    repository: Repository,
    user: User,
    request: Request,
    now: datetime,
    details: dict[str, object],
) -> None:
    repository.set_request_state(request.id, Status.AWAITING_GP, None, None)
    audit.append(
        repository, event=LogEvent.FLAG, user=user, at=now, request=request, details=details
    )


def claim(workspace: Workspace, request_id: int) -> None:
    """Hold a request while working on it, so that a colleague is told rather than clashing."""
    with workspace.database.write() as repository:
        request = _request(repository, request_id)
        if request.status is Status.DECIDED:
            raise UserError(f"{request.ref} is already decided")
        now = utc_now()
        _check_claim(repository, workspace.user, request, now)
        repository.set_request_state(request.id, request.status, workspace.user, now)


def release(workspace: Workspace, request_id: int) -> None:
    with workspace.database.write() as repository:
        request = _request(repository, request_id)
        holder, _ = repository.claim(request_id)
        if holder == workspace.user.name:
            repository.set_request_state(request.id, request.status, None, None)


# --- inside a transaction -------------------------------------------------------------------


def _policy(workspace: Workspace) -> PolicyInForce:
    in_force = policy_in_force(workspace)
    if in_force is None:
        raise UserError(
            "no policy is in force: a manager activates one with `triage policy activate`"
        )
    return in_force


def _request(repository: Repository, request_id: int) -> Request:
    request = repository.request(request_id, lock=True)
    if request is None:
        raise UserError(f"request {request_id} no longer exists")
    return request


def _prepare(
    repository: Repository,
    user: User,
    in_force: PolicyInForce,
    request_id: int,
    choice: Choice,
    now: datetime,
) -> Prepared:
    request = _request(repository, request_id)
    if request.status is Status.DECIDED:
        standing = repository.decisions(request_id)[-1]
        raise UserError(
            f"{request.ref} is already decided ({standing.action.value}, {standing.our_ref}, by "
            f"{standing.decided_by}); a GP can correct it"
        )
    _check_claim(repository, user, request, now)
    return _draft(repository, user, in_force, request, choice, now, kind=None)


def _draft(
    repository: Repository,
    user: User,
    in_force: PolicyInForce,
    request: Request,
    choice: Choice,
    now: datetime,
    *,
    kind: DecisionKind | None,
) -> Prepared:
    policy = in_force.loaded.policy
    findings, suggestion = _suggest(repository, in_force, request, now)
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
    earlier = len(repository.decisions(request.id))
    our_ref = f"SCT-{request.id:06d}" + (f"-{earlier + 1}" if earlier else "")
    practice, letters_dir = _practice(repository)
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
        gp_reviewed_on=practice_date(now) if kind is DecisionKind.REVIEW else None,
    )
    letters = draft_letters(facts, Path(letters_dir) if letters_dir else None)
    return Prepared(
        request, findings, suggestion, kind, our_ref, action, reasons, redirect_to, letters
    )


def _suggest(
    repository: Repository, in_force: PolicyInForce, request: Request, now: datetime
) -> tuple[Findings, Suggestion]:
    """What the policy in force suggests now, counting the decisions recorded so far."""
    assessed = assess(
        request, in_force.loaded.policy, practice_date(now), RecordedDecisions(repository)
    )
    return assessed.findings, assessed.suggestion


def _practice(repository: Repository) -> tuple[Practice, str | None]:
    practice = repository.practice()
    if practice is None:
        raise UserError(
            "the practice's details are not set, so no letter can be drafted: a manager sets "
            "them with `triage practice set`"
        )
    return practice


def _record(
    repository: Repository,
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
    )
    hashes = {kind: audit.text_sha256(text) for kind, text in texts.items()}
    decision_id = repository.add_decision(
        decision, user, {kind: (texts[kind], hashes[kind]) for kind in texts}
    )
    decision = replace(decision, id=decision_id)
    repository.set_request_state(prepared.request.id, Status.DECIDED, None, None)
    audit.append(
        repository,
        event=LogEvent(prepared.kind.value),
        user=user,
        at=now,
        request=prepared.request,
        decision_id=decision_id,
        details=_decision_details(decision, hashes),
    )
    return decision


def _decision_details(decision: Decision, hashes: Mapping[LetterKind, str]) -> dict[str, object]:
    """What a decision's log entry records about it (and `triage log verify` checks)."""
    return {
        "our_ref": decision.our_ref,
        "action": decision.action.value,
        "suggested_action": decision.suggested_action.value,
        "rule": decision.rule_id,
        "category": decision.category,
        "reasons": [reason.value for reason in decision.reasons],
        "flags": [flag.value for flag in decision.flags],
        "redirect_to": decision.redirect_to,
        "note": decision.note,
        "policy": {
            "id": decision.policy_id,
            "version": decision.policy_version,
            "sha256": decision.policy_sha256,
        },
        "template": {"id": decision.template_id, "version": decision.template_version},
        "letters_edited": decision.letters_edited,
        "letters_sha256": {kind.value: hashes[kind] for kind in LetterKind},
        "supersedes": decision.supersedes_id,
    }


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


def _held_by_colleague(
    repository: Repository, user: User, request: Request, now: datetime
) -> tuple[str, datetime] | None:
    """Who else is working on the request (a live claim), if anyone."""
    holder, since = repository.claim(request.id)
    if holder and holder != user.name and since and now - since < CLAIM_LEASE:
        return holder, since
    return None


def _check_claim(repository: Repository, user: User, request: Request, now: datetime) -> None:
    held = _held_by_colleague(repository, user, request, now)
    if held:
        holder, since = held
        raise UserError(
            f"{holder} is working on {request.ref} (since "
            f"{since.astimezone(PRACTICE_TIME):%H:%M}); try again later or pick another request"
        )


def _status_words(status: Status) -> str:
    return {
        Status.OPEN: "open",
        Status.AWAITING_GP: "already waiting for a GP",
        Status.DECIDED: "already decided",
    }[status]


# --- the policy applied to the whole open queue -----------------------------------------------


@dataclass
class Applied:
    decided: dict[Action, int]
    sent_to_gp: int = 0
    held: int = 0  # claimed by a colleague, left alone

    @property
    def total(self) -> int:
        return sum(self.decided.values()) + self.sent_to_gp + self.held


def apply_policy(
    workspace: Workspace,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Applied:
    """The policy in force applied to every open request, oldest first: clear-cut ones decided
    with their letters, the rest sent to a GP. Each request is its own transaction, so an
    interruption loses nothing recorded and a rerun carries on where it stopped."""
    require(workspace.user, Permission.DECIDE)
    in_force = _policy(workspace)
    with workspace.database.read() as repository:
        request_ids = repository.request_ids(Status.OPEN)
        if not dry_run:
            _practice(repository)  # refuse before starting, not at the first decision
    applied = Applied({action: 0 for action in DECIDING_ACTIONS})
    for done, request_id in enumerate(request_ids, start=1):
        if dry_run:
            with workspace.database.read() as repository:
                _apply_one(repository, workspace.user, in_force, request_id, applied, dry_run)
        else:
            with workspace.database.write() as repository:
                _apply_one(repository, workspace.user, in_force, request_id, applied, dry_run)
        if progress is not None:
            progress(done, len(request_ids))
    return applied


def _apply_one(
    repository: Repository,
    user: User,
    in_force: PolicyInForce,
    request_id: int,
    applied: Applied,
    dry_run: bool,
) -> None:
    now = utc_now()
    request = repository.request(request_id, lock=True)
    if request is None or request.status is not Status.OPEN:
        return  # decided or flagged by someone else since the list was read
    if _held_by_colleague(repository, user, request, now):
        applied.held += 1
        return
    _, suggestion = _suggest(repository, in_force, request, now)
    if needs_gp(request, suggestion):
        applied.sent_to_gp += 1
        if not dry_run:
            loaded = in_force.loaded
            details: dict[str, object] = {
                "by_policy": True,
                "flags": [flag.value for flag in suggestion.flags],
                "note": suggestion.explanation,
                "policy": {
                    "id": loaded.policy.id,
                    "version": loaded.policy.version,
                    "sha256": loaded.sha256,
                },
            }
            _send_to_gp(repository, user, request, now, details)
        return
    applied.decided[suggestion.action] += 1
    if not dry_run:
        prepared = _draft(
            repository, user, in_force, request, Choice(), now, kind=DecisionKind.DECISION
        )
        _record(repository, user, in_force, prepared, Choice(), now, None)
