"""The decision log: append-only entries in a SHA-256 hash chain (docs/reliability.md §4).

Each entry's body is canonical JSON (sorted keys, no spaces, UTF-8) holding its sequence
number, and its hash is SHA-256(previous hash, newline, body). Editing, deleting or reordering any
entry therefore breaks the chain at that entry. Someone able to rewrite the whole database could
recompute every later hash; a signed checkpoint of the head kept outside the database
(triage/anchors.py, `triage log anchor`) is what catches that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from db import Transaction, UnreadableEntry
from triage.models import Decision, LetterKind, LogEntry, LogEvent, Request, User

GENESIS = "0" * 64  # the "previous hash" of the first entry


def canonical_json(value: Mapping[str, object]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def append(
    tx: Transaction,
    *,
    event: LogEvent,
    user: User,
    at: datetime,
    request: Request | None = None,
    decision_id: int | None = None,
    details: Mapping[str, object] | None = None,
) -> LogEntry:
    """Add an entry at the head of the log, inside the caller's write transaction (so the entry
    is written with the change it records, or not at all)."""
    head = tx.log.head()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    body: dict[str, object] = {
        "seq": seq,
        "at": at.isoformat(),
        "event": event.value,
        "actor": user.name,
        "role": user.role.value,
        "request": _request_summary(request) if request else None,
        "decision_id": decision_id,
        **(details or {}),
    }
    text = canonical_json(body)
    entry = LogEntry(
        seq=seq,
        at=at,
        event=event.value,
        actor=user.name,
        request_id=request.id if request else None,
        decision_id=decision_id,
        body=text,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, text),
    )
    tx.log.append(entry)
    return entry


def _request_summary(request: Request) -> dict[str, object]:
    """Who the request is about, as the entry's change saw it: a rewrite of the request's row
    afterwards is caught by comparing (services/log_checks.py). Name and date of birth are
    recorded since log format 2; entries before have no such keys and are not compared on them."""
    patient = request.patient
    return {
        "id": request.id,
        "ref": request.ref,
        "sender": request.sender,
        "nhs_number": patient.nhs_number,
        "patient_name": patient.name,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
    }


def decision_details(decision: Decision, hashes: Mapping[LetterKind, str]) -> dict[str, object]:
    """What a decision's log entry records about it: all of it, so that `triage log verify`
    can compare every part with the decision as stored (services/log_checks.py)."""
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
        # Recorded since migration 0017 (a redirect's follow-up); entries before have no such
        # key and are not compared on it.
        "confirm_by": decision.confirm_by.isoformat() if decision.confirm_by else None,
    }


@dataclass(frozen=True)
class Verification:
    count: int  # entries checked
    head_hash: str  # the last good entry's hash (GENESIS for an empty log)
    first_bad: int | None = None  # the sequence number of the first bad entry, if one is
    problem: str = ""  # "" when the log verifies

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def described(self) -> str:
        """The problem, naming the entry when there is one."""
        return f"entry {self.first_bad}: {self.problem}" if self.first_bad else self.problem


def verify(
    entries: Iterable[LogEntry],
    also: Callable[[LogEntry, dict[str, object]], str] | None = None,
) -> Verification:
    """Walk the chain in stored order; stop at the first entry that does not hold. `also` checks
    what an entry recorded (its body, read once here) against the database: a problem, or ""."""
    prev_hash, count = GENESIS, 0
    try:
        for entry in entries:
            expected_seq = count + 1
            problem, body = _problem(entry, expected_seq, prev_hash)
            if not problem and also is not None:
                problem = also(entry, body)
            if problem:
                return Verification(count, prev_hash, entry.seq, problem)
            prev_hash, count = entry.hash, expected_seq
    except UnreadableEntry as unreadable:
        return Verification(count, prev_hash, unreadable.seq, unreadable.problem)
    return Verification(count, prev_hash)


def _problem(entry: LogEntry, expected_seq: int, prev_hash: str) -> tuple[str, dict[str, object]]:
    """How the entry breaks the chain ("" if it does not), and its body."""
    if entry.seq != expected_seq:
        return f"expected entry {expected_seq} next, found {entry.seq} (an entry is missing)", {}
    if entry.prev_hash != prev_hash:
        return "it does not chain to the entry before (entries removed or reordered)", {}
    if chain_hash(prev_hash, entry.body) != entry.hash:
        return "its content does not match its hash (the entry was edited)", {}
    try:
        body = json.loads(entry.body)
    except ValueError:
        return "its content is not the JSON it was written as", {}
    stored = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "event": entry.event,
        "actor": entry.actor,
        "request": entry.request_id,
        "decision_id": entry.decision_id,
    }
    if not isinstance(body, dict):  # JSON, hashed, but not what an entry is written as
        return "its content is not an entry", {}
    hashed = {key: body.get(key) for key in stored}
    request = body.get("request")
    hashed["request"] = request.get("id") if isinstance(request, dict) else request
    changed = [key for key in stored if stored[key] != hashed[key]]
    if changed:
        return f"its stored {', '.join(changed)} disagree(s) with what was hashed (edited)", {}
    return "", body
