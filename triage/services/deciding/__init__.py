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

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from db import Transaction
from triage.errors import DatabaseBusy, UserError
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Decision,
    LogEvent,
    Request,
    Status,
    User,
    sender_key,
)
from triage.presentation import STATUS_WORDS
from triage.rules import Permission, needs_gp, require, require_note
from triage.services.deciding.steps import (
    CLAIM_LEASE,
    Choice,
    Prepared,
    check_claim,
    draft,
    held_by_colleague,
    locked_request,
    policy_required,
    practice_required,
    prepare_in,
    record,
    send_to_gp,
    suggestion_now,
)
from triage.services.policy import PolicyInForce
from triage.services.workspace import Workspace

__all__ = [
    "CLAIM_LEASE",
    "FOLLOW_THE_POLICY",
    "Applied",
    "Choice",
    "Prepared",
    "apply_policy",
    "claim",
    "correct",
    "decide",
    "find_request",
    "flag",
    "prepare",
    "prepare_correction",
    "release",
    "standing_decision",
]

FOLLOW_THE_POLICY = Choice()  # nothing chosen: the policy's suggestion, as it stands


def find_request(workspace: Workspace, ref: str, sender: str | None = None) -> Request:
    """The request with this reference (and sender, when two senders use the same ref)."""
    with workspace.database.read() as tx:
        found = tx.requests.with_ref(ref)
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
    with workspace.database.read() as tx:
        decisions = tx.decisions.for_request(request_id)
    return decisions[-1] if decisions else None


def prepare(workspace: Workspace, request_id: int, choice: Choice = FOLLOW_THE_POLICY) -> Prepared:
    """The decision as it would be recorded now, with its letters drafted (nothing saved)."""
    with workspace.database.read() as tx:
        in_force = policy_required(tx)
        now = workspace.clock.now()
        return prepare_in(tx, workspace.user, in_force, request_id, choice, now)


def decide(workspace: Workspace, request_id: int, choice: Choice = FOLLOW_THE_POLICY) -> Decision:
    """Record a decision on an open or flagged request, with its letters and log entry."""
    with workspace.database.write() as tx:
        in_force = policy_required(tx)
        now = workspace.clock.now()
        prepared = prepare_in(tx, workspace.user, in_force, request_id, choice, now)
        require_note(
            prepared.kind,
            prepared.request.ref,
            prepared.suggestion.action,
            prepared.action,
            choice.note,
        )
        return record(tx, workspace.user, in_force, prepared, choice, now, None)


def prepare_correction(workspace: Workspace, request_id: int, choice: Choice) -> Prepared:
    """A GP's correction as it would be recorded now, with its letters (nothing saved)."""
    with workspace.database.read() as tx:
        in_force = policy_required(tx)
        now = workspace.clock.now()
        return _correction_in(tx, workspace.user, in_force, now, request_id, choice)[0]


def correct(workspace: Workspace, request_id: int, choice: Choice) -> Decision:
    """A GP's correction of a recorded decision: a new decision superseding it; both stay. Its
    letters say that they replace the earlier ones, by date and reference."""
    require(workspace.user, Permission.CORRECT)
    if not choice.note or not choice.note.strip():
        raise UserError("a correction needs a note saying why")
    with workspace.database.write() as tx:
        in_force = policy_required(tx)
        now = workspace.clock.now()
        prepared, standing = _correction_in(tx, workspace.user, in_force, now, request_id, choice)
        return record(tx, workspace.user, in_force, prepared, choice, now, standing)


def _correction_in(
    tx: Transaction,
    user: User,
    in_force: PolicyInForce,
    now: datetime,
    request_id: int,
    choice: Choice,
) -> tuple[Prepared, Decision]:
    """The correction drafted, and the decision that stands, which it supersedes."""
    require(user, Permission.CORRECT)
    if choice.action is None:
        raise UserError("say what the decision should have been")
    earlier = tx.decisions.for_request(request_id)
    if not earlier:
        raise UserError("this request has no decision to correct")
    request = locked_request(tx, request_id)
    standing = earlier[-1]
    kind = LogEvent.SUPERSEDE
    prepared = draft(tx, user, in_force, request, choice, now, kind=kind, replaces=standing)
    return prepared, standing


def flag(workspace: Workspace, request_id: int, note: str) -> None:
    """Send a request to a GP, with a note saying why."""
    require(workspace.user, Permission.FLAG)
    if not note.strip():
        raise UserError("say why a GP should see it")
    with workspace.database.write() as tx:
        request = locked_request(tx, request_id)
        if request.status is not Status.OPEN:
            raise UserError(
                f"{request.ref} is {STATUS_WORDS[request.status]}; it cannot be flagged"
            )
        now = workspace.clock.now()
        check_claim(tx, workspace.user, request, now)
        send_to_gp(tx, workspace.user, request, now, {"note": note.strip()})


def claim(workspace: Workspace, request_id: int) -> None:
    """Hold a request while working on it, so that a colleague is told rather than clashing."""
    with workspace.database.write() as tx:
        request = locked_request(tx, request_id)
        if request.status is Status.DECIDED:
            raise UserError(f"{request.ref} is already decided")
        now = workspace.clock.now()
        check_claim(tx, workspace.user, request, now)
        tx.requests.set_state(request.id, request.status, workspace.user, now)


def release(workspace: Workspace, request_id: int) -> None:
    with workspace.database.write() as tx:
        request = locked_request(tx, request_id)
        holder, _ = tx.requests.claim(request_id)
        if holder == workspace.user.name:
            tx.requests.set_state(request.id, request.status, None, None)


# --- the policy applied to the whole open queue -----------------------------------------------


@dataclass
class Applied:
    decided: dict[Action, int]
    sent_to_gp: int = 0
    held: int = 0  # claimed by a colleague, left alone

    @property
    def total(self) -> int:
        return sum(self.decided.values()) + self.sent_to_gp + self.held

    def add(self, other: Applied) -> None:
        for action, count in other.decided.items():
            self.decided[action] += count
        self.sent_to_gp += other.sent_to_gp
        self.held += other.held


# A kill or a crash loses at most the batch in flight, never part of a decision: each batch is one
# transaction. A batch also ends after APPLY_BATCH_SECONDS, so that a colleague saving a decision
# meanwhile (SQLite writes one transaction at a time) waits at most about that long.
APPLY_BATCH = 200
APPLY_BATCH_SECONDS = 0.5


def apply_policy(
    workspace: Workspace,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Applied:
    """The policy in force applied to every open request, oldest first: clear-cut ones decided
    with their letters, the rest sent to a GP. Requests are decided in batches, each its own
    transaction, so an interruption loses nothing recorded before the batch in flight, never
    half a decision, and a rerun carries on where it stopped. Each batch takes the next open
    requests nobody else is working on, so several workstations applying the policy at once
    share the queue out and none decides a request twice. A dry run records nothing, so anyone
    who may see the queue may ask for one."""
    require(workspace.user, Permission.VIEW_QUEUE if dry_run else Permission.DECIDE)
    with workspace.database.read() as tx:
        policy_required(tx)  # refuse before starting, not at the first request
        request_ids = tx.requests.ids(Status.OPEN)
        if not dry_run:
            practice_required(tx)
    if dry_run:
        return _dry_run(workspace, request_ids, progress)
    applied = Applied({action: 0 for action in DECIDING_ACTIONS})
    done = 0
    while batch := _apply_batch(workspace, done):
        applied.add(batch)
        done += batch.total
        if progress is not None:
            progress(done, max(done, len(request_ids)))
    if progress is not None:
        progress(done, done)  # the rest were taken by colleagues applying it too
    with workspace.database.read() as tx:
        leases_from = workspace.clock.now() - CLAIM_LEASE
        applied.held = tx.requests.count_held_by_others(Status.OPEN, workspace.user, leases_from)
    return applied


def _apply_batch(workspace: Workspace, done: int) -> Applied | None:
    """Apply the policy to the next batch of open requests nobody else holds, in one
    transaction; None when none is left."""
    batch = Applied({action: 0 for action in DECIDING_ACTIONS})
    try:
        with workspace.database.write() as tx:
            in_force = policy_required(tx)  # a policy activated meanwhile decides the rest
            user = workspace.user
            taken = tx.requests.take_open(
                user, workspace.clock.now() - CLAIM_LEASE, limit=APPLY_BATCH
            )
            ends = time.monotonic() + APPLY_BATCH_SECONDS
            patients: set[str] = set()
            for request in taken:
                number = request.patient.nhs_number
                if number in patients:  # decided just now: read it again, as a repeat
                    request = locked_request(tx, request.id)
                _apply_to(tx, user, in_force, request, workspace.clock.now(), batch, dry_run=False)
                if number:
                    patients.add(number)
                if time.monotonic() >= ends:
                    break
    except DatabaseBusy as busy:
        if not done:
            raise
        raise DatabaseBusy(
            f"the database is busy: {busy.holder}; the {done} requests done before that were "
            "saved: apply the policy again to carry on",
            busy.holder,
        ) from None
    return batch if batch.total else None


def _dry_run(
    workspace: Workspace, request_ids: list[int], progress: Callable[[int, int], None] | None
) -> Applied:
    applied = Applied({action: 0 for action in DECIDING_ACTIONS})
    for done, request_id in enumerate(request_ids, start=1):
        with workspace.database.read() as tx:
            in_force = policy_required(tx)
            now = workspace.clock.now()
            request = tx.requests.get(request_id)
            if request is not None and request.status is Status.OPEN:
                if held_by_colleague(tx, workspace.user, request, now):
                    applied.held += 1
                else:
                    _apply_to(tx, workspace.user, in_force, request, now, applied, dry_run=True)
        if progress is not None:
            progress(done, len(request_ids))
    return applied


def _apply_to(
    tx: Transaction,
    user: User,
    in_force: PolicyInForce,
    request: Request,
    now: datetime,
    applied: Applied,
    *,
    dry_run: bool,
) -> None:
    assessed = suggestion_now(tx, in_force, request, now)
    suggestion = assessed[1]
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
            send_to_gp(tx, user, request, now, details)
        return
    applied.decided[suggestion.action] += 1
    if not dry_run:
        prepared = draft(
            tx, user, in_force, request, Choice(), now, kind=LogEvent.DECISION, assessed=assessed
        )
        record(tx, user, in_force, prepared, Choice(), now, None)
