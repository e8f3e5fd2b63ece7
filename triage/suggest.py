"""What the policy suggests for requests: reading each one, then applying the policy.

Used by `triage policy simulate` (any policy, any date, nothing saved); the queue reads and
evaluates each request the same way. Capacity counts the acceptances recorded in the database
(RecordedDecisions) and, in a simulation, the ones simulated so far.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import NamedTuple

from db import Repository
from policies import CapacityLedger, NoDecisions, Policy, evaluate
from triage.classify import read
from triage.clock import practice_midnight
from triage.models import Action, Findings, IncomingRequest, Suggestion


class Assessed(NamedTuple):
    request: IncomingRequest
    findings: Findings
    suggestion: Suggestion


def assess(
    request: IncomingRequest, policy: Policy, on: date, ledger: CapacityLedger | None = None
) -> Assessed:
    findings = read(request)
    return Assessed(request, findings, evaluate(policy, request, findings, on, ledger))


class RecordedDecisions:
    """Capacity counts the acceptances recorded in the database, by the practice's calendar.

    Made for one transaction that records nothing meanwhile (a queue page, one decision), so
    each count is asked once: a page of capped requests shares its rule's count."""

    def __init__(self, repository: Repository) -> None:
        self._repository = repository
        self._counted: dict[tuple[str, str, date, date], int] = {}

    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        key = (policy_id, rule_id, start, end)
        if key not in self._counted:
            self._counted[key] = self._repository.accepted_count(
                policy_id,
                rule_id,
                practice_midnight(start),
                practice_midnight(end + timedelta(days=1)),
            )
        return self._counted[key]


class _SimulatedLedger:
    """Decisions already recorded, plus the acceptances simulated so far (all dated `on`)."""

    def __init__(self, recorded: CapacityLedger, on: date) -> None:
        self._recorded = recorded
        self._on = on
        self._simulated: Counter[tuple[str, str]] = Counter()

    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        count = self._recorded.accepted(policy_id, rule_id, start, end)
        if start <= self._on <= end:
            count += self._simulated[(policy_id, rule_id)]
        return count

    def record(self, policy_id: str, suggestion: Suggestion) -> None:
        if suggestion.action is Action.ACCEPT and suggestion.rule is not None:
            self._simulated[(policy_id, suggestion.rule)] += 1


def simulate(
    policy: Policy,
    requests: Iterable[IncomingRequest],
    on: date,
    recorded: CapacityLedger | None = None,
) -> Iterator[Assessed]:
    """Each request as the policy would treat it on `on`, in order: capacity counts the
    acceptances simulated before it, as formats.md §3 says."""
    ledger = _SimulatedLedger(recorded or NoDecisions(), on)
    for request in requests:
        assessed = assess(request, policy, on, ledger)
        ledger.record(policy.id, assessed.suggestion)
        yield assessed
