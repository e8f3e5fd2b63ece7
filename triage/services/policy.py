"""The practice's declared policy: finding one by file or id, putting a version in force, and
knowing which is in force; what a policy suggests for requests (the queue and `triage policy
simulate` read and evaluate each request the same way); and what a new policy would change.

Every version ever activated stays stored with its exact text, so any decision can be traced to
the policy it applied. A changed policy must carry a new version: two different texts under one
id and version would make that trace ambiguous, so it is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from db import Transaction
from policies import (
    CapacityLedger,
    NoDecisions,
    Policy,
    PolicyRejected,
    evaluate,
    load_policy_file,
    load_policy_text,
    load_shipped_policy,
)
from policies import LoadedPolicy as LoadedPolicy  # the API's: what a policy says
from policies import Rule as Rule
from policies import shipped_policy_ids as shipped_policy_ids
from policies.notices import notice_lines as notice_lines  # the API's: notices in words
from triage import audit
from triage.classify import read
from triage.clock import practice_midnight
from triage.errors import ProblemsFound, UserError
from triage.models import (
    Action,
    Assessed,
    IncomingRequest,
    LogEvent,
    PolicyActivation,
    QueueQuery,
    Request,
    RequestT,
    StoredPolicy,
    Suggestion,
    day_in_words,
)
from triage.rules import Permission, may, require
from triage.services.workspace import Workspace

_PAGE = 1000  # requests compared at a time


@dataclass(frozen=True)
class PolicyInForce:
    loaded: LoadedPolicy
    activation: PolicyActivation


@dataclass(frozen=True)
class Activated:
    stored: StoredPolicy
    previous: PolicyActivation | None
    already_in_force: bool


def check_policy_file(path: Path) -> LoadedPolicy:
    """Load a policy file, or raise every mistake in it as problems to show the user."""
    try:
        return load_policy_file(path)
    except PolicyRejected as rejected:
        raise _problems_found(rejected) from None


def load_policy(spec: str, workspace: Workspace | None = None) -> LoadedPolicy:
    """A policy named by file path, by stored id (`id` or `id@version`), or by shipped id.
    A workspace is needed only for stored ids; see `names_a_file`."""
    if names_a_file(spec):
        return check_policy_file(Path(spec))
    try:
        if workspace is not None:
            stored = _stored(workspace, spec)
            if stored is not None:
                return _load_stored(stored)
        shipped = load_shipped_policy(spec)
        if shipped is not None:
            return shipped
    except PolicyRejected as rejected:
        raise _problems_found(rejected) from None
    available = ", ".join(shipped_policy_ids())
    raise UserError(f"{spec}: no such policy file or policy id (shipped policies: {available})")


def activate_policy(workspace: Workspace, spec: str) -> Activated:
    """Put a policy in force (managers only); who and when are recorded."""
    require(workspace.user, Permission.ACTIVATE_POLICY)
    loaded = load_policy(spec, workspace)
    policy = loaded.policy
    with workspace.database.write() as tx:
        stored = tx.policies.find(sha256=loaded.sha256)
        if stored is None:
            clash = tx.policies.find(policy_id=policy.id, version=policy.version)
            if clash is not None:
                raise UserError(
                    f"{loaded.file_name}: {policy.id} version {policy.version} is already stored "
                    f"with different content (added by {clash.added_by} on "
                    f"{clash.added_at:%Y-%m-%d}); give the changed policy a new version"
                )
            stored = tx.policies.add(
                policy_id=policy.id,
                version=policy.version,
                title=policy.policy.title,
                content_sha256=loaded.sha256,
                file_name=loaded.file_name,
                text=loaded.text,
                added_by=workspace.user,
                added_at=workspace.clock.now(),
            )
        history = tx.policies.activations(limit=1)
        previous = history[0] if history else None
        if previous is not None and previous.policy.row_id == stored.row_id:
            return Activated(stored, previous, already_in_force=True)
        now = workspace.clock.now()
        tx.policies.activate(stored, workspace.user, now)
        audit.append(
            tx,
            event=LogEvent.POLICY_ACTIVATED,
            user=workspace.user,
            at=now,
            details={
                "policy": {"id": stored.policy_id, "version": stored.version},
                "policy_sha256": stored.content_sha256,
                "previous": (
                    {"id": previous.policy.policy_id, "version": previous.policy.version}
                    if previous
                    else None
                ),
            },
        )
    return Activated(stored, previous, already_in_force=False)


def policy_in_force(workspace: Workspace) -> PolicyInForce | None:
    """The practice's policy (the latest activated), or None before any is activated."""
    with workspace.database.read() as tx:
        return in_force_within(tx)


def in_force_within(tx: Transaction) -> PolicyInForce | None:
    """The policy in force as the transaction sees it: a service that decides reads it inside its
    write transaction, so a policy activated a moment before is the one it decides by."""
    latest = tx.policies.activations(limit=1)
    if not latest:
        return None
    return PolicyInForce(_load_stored(latest[0].policy), latest[0])


REVIEW_REMINDER_DAYS = 14  # a manager is reminded of the policy's review this long before


@dataclass(frozen=True)
class ReviewDue:
    """The policy in force's review date, as a reminder to the manager."""

    label: str  # "weymouth-portland-pcn 2025-01"
    on: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.on < self.today

    def __str__(self) -> str:
        """Short, to lead a status line: "Policy review due on 10 December 2026, in 12 days"."""
        days = (self.on - self.today).days
        if days < 0:
            return f"Policy review was due on {day_in_words(self.on)}"
        if days == 0:
            return "Policy review due today"
        return f"Policy review due on {day_in_words(self.on)}, in {days} day{'s' * (days > 1)}"


def policy_review_due(workspace: Workspace) -> ReviewDue | None:
    """The reminder a manager sees from REVIEW_REMINDER_DAYS before the review date the policy
    in force gives; None for everyone else, or when no review is near."""
    if not may(workspace.user, Permission.ACTIVATE_POLICY):
        return None
    in_force = policy_in_force(workspace)
    review_on = in_force.loaded.policy.policy.review_on if in_force else None
    today = workspace.clock.today()
    if in_force is None or review_on is None:
        return None
    if (review_on - today).days > REVIEW_REMINDER_DAYS:
        return None
    return ReviewDue(in_force.loaded.label, review_on, today)


def policy_history(workspace: Workspace) -> list[PolicyActivation]:
    with workspace.database.read() as tx:
        return tx.policies.activations()


def _stored(workspace: Workspace, spec: str) -> StoredPolicy | None:
    policy_id, _, version = spec.partition("@")
    with workspace.database.read() as tx:
        if version:
            return tx.policies.find(policy_id=policy_id, version=version)
        versions = tx.policies.versions(policy_id)
    return versions[0] if versions else None


@lru_cache(maxsize=16)
def _load_stored(stored: StoredPolicy) -> LoadedPolicy:
    """Parse a stored version once per process: every queue page, opened request and decision
    asks for the policy in force, and parsing and checking its TOML (about 1 ms) was a quarter
    of opening a request."""
    loaded = load_policy_text(stored.text, f"{stored.policy_id} {stored.version} (stored)")
    if loaded.sha256 != stored.content_sha256:
        # The text was valid when stored; a different meaning now would mean the policy language
        # changed under it. Refuse rather than apply something else in its name.
        raise UserError(
            f"{stored.policy_id} {stored.version}: the stored policy no longer reads as it did "
            "when it was activated; activate it again from its file"
        )
    return loaded


def _problems_found(rejected: PolicyRejected) -> ProblemsFound:
    return ProblemsFound(str(rejected), [str(problem) for problem in rejected.problems])


def names_a_file(spec: str) -> bool:
    return spec.endswith(".toml") or "/" in spec or "\\" in spec or Path(spec).exists()


# --- what a policy suggests: capacity counts the acceptances recorded in the database
# (RecordedDecisions) and, in a simulation, the ones simulated so far ---------------------------


def assess(
    request: RequestT, policy: Policy, on: date, ledger: CapacityLedger | None = None
) -> Assessed[RequestT]:
    """What the request reads as, and what the policy suggests on `on`."""
    findings = read(request)
    return Assessed(request, findings, evaluate(policy, request, findings, on, ledger))


class RecordedDecisions:
    """Capacity counts the acceptances recorded in the database, by the practice's calendar.

    Made for one transaction that records nothing meanwhile (a queue page, one decision), so
    each count is asked once: a page of capped requests shares its rule's count."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._counted: dict[tuple[str, str, date, date], int] = {}

    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        key = (policy_id, rule_id, start, end)
        if key not in self._counted:
            self._counted[key] = self._tx.decisions.accepted_count(
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
) -> Iterator[Assessed[IncomingRequest]]:
    """Each request as the policy would treat it on `on`, in order: capacity counts the
    acceptances simulated before it, as docs/policy-language.md says."""
    ledger = _SimulatedLedger(recorded or NoDecisions(), on)
    for request in requests:
        assessed = assess(request, policy, on, ledger)
        ledger.record(policy.id, assessed.suggested)
        yield assessed


# --- what a new policy would change for the open queue (nothing is saved; managers use it
# before activating a new version) ------------------------------------------------------------


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
    on = workspace.clock.today()
    in_force = policy_in_force(workspace)
    changes: list[Change] = []
    query = QueueQuery()
    with workspace.database.read() as tx:
        total = tx.requests.count(query)
        recorded = RecordedDecisions(tx)
        compared = 0
        while compared < total:
            requests = tx.requests.page(query, limit=_PAGE, offset=compared)
            if not requests:
                break
            simulated = simulate(candidate.policy, requests, on, recorded)
            for request, assessed in zip(requests, simulated, strict=True):
                then = assessed.suggested
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
