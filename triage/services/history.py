"""A request's history: every note, flag, claim and decision on it, from the decision log and
what the database holds, and the other requests for the same NHS number. Read by the request
screen and by `triage history`. Everything in it came from people or files: show it literally."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from triage.errors import UserError
from triage.models import DECISION_EVENTS, Action, Decision, LogEntry, LogEvent, Request, Status
from triage.rules import Permission, require
from triage.services.deciding.steps import CLAIM_LEASE
from triage.services.workspace import Workspace

SAME_PATIENT_LIMIT = 50  # the most recent; a patient with more is rare enough to search for

_DECISION_WORDS = {
    LogEvent.DECISION: "decided as the policy suggested",
    LogEvent.OVERRIDE: "decided otherwise than suggested",
    LogEvent.REVIEW: "decided by a GP",
    LogEvent.SUPERSEDE: "corrected by a GP",
}


@dataclass(frozen=True)
class HistoryEntry:
    """One thing that happened to a request: when, who, what, and the note given, if any."""

    at: datetime
    who: str
    what: str
    note: str | None = None
    sent_to_gp: bool = False  # a flag: its note says why a GP should see the request


@dataclass(frozen=True)
class OtherRequest:
    """Another request for the same patient, with the decision that stands on it, if any: its
    action and our reference."""

    request: Request
    decided: tuple[Action, str] | None


@dataclass(frozen=True)
class History:
    request: Request
    entries: list[HistoryEntry]  # oldest first
    decisions: list[Decision]  # oldest first, with their letters: the last one stands
    same_patient: list[OtherRequest]  # the latest imported first

    @property
    def notes(self) -> list[HistoryEntry]:
        """Every entry that carries a person's (or the policy's) note, oldest first."""
        return [entry for entry in self.entries if entry.note]


def request_history(workspace: Workspace, request_id: int) -> History:
    require(workspace.user, Permission.VIEW_QUEUE)
    now = workspace.clock.now()
    with workspace.database.read() as tx:
        request = tx.requests.get(request_id)
        if request is None:
            raise UserError(f"request {request_id} no longer exists")
        logged = tx.log.for_request(request_id)
        decisions = tx.decisions.for_request(request_id)
        holder, since = tx.requests.claim(request_id)
        same_patient = tx.requests.same_nhs_number(request, SAME_PATIENT_LIMIT)
        standing = tx.decisions.standing([other.id for other in same_patient])
        others = [OtherRequest(other, standing.get(other.id)) for other in same_patient]
    entries = [HistoryEntry(request.imported_at, "", f"imported, from {request.organisation}")]
    entries += [_entry(entry) for entry in logged]
    if holder and since and now - since < CLAIM_LEASE and request.status is not Status.DECIDED:
        entries.append(HistoryEntry(since, holder, "being worked on (claimed)"))
    entries.sort(key=lambda entry: entry.at)
    return History(request, entries, decisions, others)


def request_notes(
    workspace: Workspace, request_ids: Sequence[int]
) -> dict[int, list[HistoryEntry]]:
    """Every note on each request, oldest first, whole: what a GP reads before deciding. One
    read for a page of GP review, so moving along it reads nothing more."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as tx:
        logged = tx.log.for_requests(request_ids)
    notes = {
        request_id: [entry for entry in map(_entry, entries) if entry.note]
        for request_id, entries in logged.items()
    }
    return {request_id: found for request_id, found in notes.items() if found}


def _entry(entry: LogEntry) -> HistoryEntry:
    body = json.loads(entry.body)
    note = str(body.get("note") or "").strip() or None
    if entry.event in DECISION_EVENTS:
        where = f" to {body['redirect_to']}" if body.get("redirect_to") else ""
        what = f"{_DECISION_WORDS[LogEvent(entry.event)]}: {body.get('action')}{where}"
        return HistoryEntry(entry.at, entry.actor, f"{what} ({body.get('our_ref')})", note)
    if entry.event == LogEvent.FLAG:
        by = "sent to a GP by the policy" if body.get("by_policy") else "sent to a GP"
        return HistoryEntry(entry.at, entry.actor, by, note, sent_to_gp=True)
    if entry.event == LogEvent.DETAILS_COMPLETED:
        changed = body.get("changed") or {}
        fields = ", ".join(sorted(changed)) if isinstance(changed, dict) else ""
        return HistoryEntry(entry.at, entry.actor, f"details completed: {fields}", note)
    return HistoryEntry(entry.at, entry.actor, entry.event.replace("_", " "), note)
