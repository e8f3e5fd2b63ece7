"""The request queue, as the command line and the screens see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from triage.models import Request, Status
from triage.permissions import Permission, require
from triage.workspace import Workspace


@dataclass(frozen=True)
class QueuePage:
    requests: list[Request]
    total: int  # requests with the statuses asked for (the page may hold fewer)
    counts: dict[Status, int]  # every status, for the "open 12 / awaiting GP 3" line


def queue_page(
    workspace: Workspace, statuses: Sequence[Status], *, limit: int | None = None, offset: int = 0
) -> QueuePage:
    """Requests in the order they arrived, oldest first."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as repository:
        counts = repository.count_requests_by_status()
        requests = repository.list_requests(statuses, limit=limit, offset=offset)
    return QueuePage(requests, sum(counts[status] for status in statuses), counts)
