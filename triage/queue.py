"""The request queue, as the command line and the screens see it: one page of requests with what
each reads as and what the policy in force suggests for it today.

Only the page is read and assessed, so a queue of 100,000 requests opens as fast as one of 100.
Filtering on category, suggestion or flag uses the stored assessments (triage/assessments.py),
which a background refresh keeps up to date; the page itself is always assessed afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policies import CapacityLedger, evaluate
from triage.classify import read
from triage.clock import practice_today
from triage.models import Findings, Flag, QueueQuery, Request, Status, Suggestion, in_flag_order
from triage.permissions import Permission, require
from triage.practice_policy import PolicyInForce, policy_in_force
from triage.suggest import RecordedDecisions
from triage.workspace import Workspace


@dataclass(frozen=True)
class QueueItem:
    request: Request
    findings: Findings
    suggestion: Suggestion | None  # None while no policy is in force

    @property
    def flags(self) -> tuple[Flag, ...]:
        """The request's own flags (from intake) and the policy's, once each."""
        found = set(self.request.flags) | set(self.suggestion.flags if self.suggestion else ())
        return in_flag_order(found)


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # requests the query matches (the page may hold fewer)
    offset: int  # the position of the first item among them
    counts: dict[Status, int]  # every status, for the "open 12 / awaiting GP 3" line
    policy: str | None  # the policy in force ("weymouth-portland-pcn 2025-01"), if any
    on: date  # the date the suggestions were worked out for

    @property
    def requests(self) -> list[Request]:
        return [item.request for item in self.items]


def queue_page(
    workspace: Workspace,
    query: QueueQuery,
    *,
    limit: int | None = None,
    offset: int = 0,
    on: date | None = None,
) -> QueuePage:
    """One page of the requests the query matches, in its order, with today's suggestions."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or practice_today()
    in_force = policy_in_force(workspace)
    with workspace.database.read() as repository:
        counts = repository.count_requests_by_status()
        total = repository.count_requests(query)
        requests = repository.list_requests(query, limit=limit, offset=offset)
        recorded = RecordedDecisions(repository)
        items = [item_for(request, in_force, on, recorded) for request in requests]
    return QueuePage(items, total, offset, counts, in_force.loaded.label if in_force else None, on)


def queue_item(workspace: Workspace, request_id: int, on: date | None = None) -> QueueItem | None:
    """One request with what it reads as and today's suggestion (None if it no longer exists)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or practice_today()
    in_force = policy_in_force(workspace)
    with workspace.database.read() as repository:
        request = repository.request(request_id)
        if request is None:
            return None
        return item_for(request, in_force, on, RecordedDecisions(repository))


def item_for(
    request: Request, in_force: PolicyInForce | None, on: date, recorded: CapacityLedger
) -> QueueItem:
    """What the request reads as, and what the policy in force (if any) suggests on `on`."""
    findings = read(request)
    if in_force is None:
        return QueueItem(request, findings, None)
    return QueueItem(
        request, findings, evaluate(in_force.loaded.policy, request, findings, on, recorded)
    )


def why_flagged(workspace: Workspace, request_ids: list[int]) -> dict[int, str]:
    """For requests waiting for a GP, the note they were sent with (a person's, or the policy's)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as repository:
        return repository.flag_notes(request_ids)
