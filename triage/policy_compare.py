"""What a policy would change: its suggestions for the open queue against the policy in force's.
Nothing is saved; managers use it before activating a new version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policies import LoadedPolicy, evaluate
from triage.clock import practice_today
from triage.models import QueueQuery, Request, Suggestion
from triage.practice_policy import policy_in_force
from triage.suggest import RecordedDecisions, simulate
from triage.workspace import Workspace

_PAGE = 1000


@dataclass(frozen=True)
class Change:
    request: Request
    now: Suggestion | None  # under the policy in force (None: no policy in force)
    then: Suggestion  # under the candidate


@dataclass(frozen=True)
class Comparison:
    candidate: str  # "id version"
    in_force: str | None
    requests: int  # open requests compared
    changes: list[Change]


def compare_policy(
    workspace: Workspace,
    candidate: LoadedPolicy,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    on = practice_today()
    in_force = policy_in_force(workspace)
    changes: list[Change] = []
    query = QueueQuery()
    with workspace.database.read() as repository:
        total = repository.count_requests(query)
        recorded = RecordedDecisions(repository)
        compared = 0
        while compared < total:
            requests = repository.list_requests(query, limit=_PAGE, offset=compared)
            if not requests:
                break
            simulated = simulate(candidate.policy, requests, on, recorded)
            for request, assessed in zip(requests, simulated, strict=True):
                then = assessed.suggestion
                now = None
                if in_force is not None:
                    now = evaluate(in_force.loaded.policy, request, assessed.findings, on, recorded)
                if now is None or _outcome(now) != _outcome(then):
                    changes.append(Change(request, now, then))
            compared += len(requests)
            if progress is not None:
                progress(compared, total)
    return Comparison(
        candidate.label, in_force.loaded.label if in_force else None, compared, changes
    )


def _outcome(suggestion: Suggestion) -> tuple[object, ...]:
    return suggestion.action, suggestion.rule, suggestion.redirect_to, suggestion.flags
