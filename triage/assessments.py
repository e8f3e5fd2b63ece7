"""Keeping the stored assessments (category, suggestion, flags per request) up to date, so the
queue can filter and count by them. They depend on the policy in force and on the day (ages,
supply dates), so a change of either makes them stale; a refresh rebuilds the stale ones in
batches, each its own short transaction, and can be interrupted at any point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from triage.clock import practice_today
from triage.models import Assessment
from triage.practice_policy import policy_in_force
from triage.presentation import category_label
from triage.queue import QueueItem, item_for
from triage.suggest import RecordedDecisions
from triage.workspace import Workspace

BATCH = 500


def refresh_assessments(
    workspace: Workspace,
    *,
    on: date | None = None,
    progress: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Assess every undecided request whose assessment is missing or stale; returns how many.
    `stop` is asked between batches (the app is closing): what is done so far is kept."""
    on = on or practice_today()
    in_force = policy_in_force(workspace)
    sha = in_force.loaded.sha256 if in_force else None
    done = 0
    while not stop():
        with workspace.database.write() as repository:
            stale = repository.stale_assessments(sha, on, BATCH)
            if not stale:
                return done
            recorded = RecordedDecisions(repository)
            repository.save_assessments(
                [
                    assessment(item_for(request, in_force, on, recorded), sha, on)
                    for request in stale
                ]
            )
        done += len(stale)
        if progress is not None:
            progress(done)
    return done


def assessment(item: QueueItem, policy_sha256: str | None, on: date) -> Assessment:
    return Assessment(
        request_id=item.request.id,
        policy_sha256=policy_sha256,
        on=on,
        category=category_label(item.findings.classification),
        action=item.suggestion.action if item.suggestion else None,
        flags=item.flags,
    )
