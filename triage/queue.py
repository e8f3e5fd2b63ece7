"""The request queue, as the command line and the screens see it: each request with what it
reads as and what the policy in force suggests for it today."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from policies import evaluate
from triage.classify import read
from triage.clock import practice_today
from triage.models import Findings, Flag, Request, Status, Suggestion
from triage.permissions import Permission, require
from triage.practice_policy import policy_in_force
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
        return tuple(flag for flag in Flag if flag in found)


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # requests with the statuses asked for (the page may hold fewer)
    counts: dict[Status, int]  # every status, for the "open 12 / awaiting GP 3" line
    policy: str | None  # the policy in force ("weymouth-portland-pcn 2025-01"), if any
    on: date  # the date the suggestions were worked out for

    @property
    def requests(self) -> list[Request]:
        return [item.request for item in self.items]


def queue_page(
    workspace: Workspace,
    statuses: Sequence[Status],
    *,
    limit: int | None = None,
    offset: int = 0,
    on: date | None = None,
) -> QueuePage:
    """Requests in the order they arrived, oldest first, with today's suggestions."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or practice_today()
    in_force = policy_in_force(workspace)
    items = []
    with workspace.database.read() as repository:
        counts = repository.count_requests_by_status()
        requests = repository.list_requests(statuses, limit=limit, offset=offset)
        recorded = RecordedDecisions(repository)
        for request in requests:
            findings = read(request)
            suggestion = (
                evaluate(in_force.loaded.policy, request, findings, on, recorded)
                if in_force
                else None
            )
            items.append(QueueItem(request, findings, suggestion))
    return QueuePage(
        items,
        sum(counts[status] for status in statuses),
        counts,
        in_force.loaded.label if in_force else None,
        on,
    )
