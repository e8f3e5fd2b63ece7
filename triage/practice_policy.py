"""The practice's declared policy: finding one by file or id, putting a version in force, and
knowing which is in force.

Every version ever activated stays stored with its exact text, so any decision can be traced to
the policy it applied. A changed policy must carry a new version: two different texts under one
id and version would make that trace ambiguous, so it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from db import PolicyActivation, StoredPolicy
from policies import (
    LoadedPolicy,
    PolicyRejected,
    load_policy_file,
    load_policy_text,
    load_shipped_policy,
    shipped_policy_ids,
)
from triage import audit
from triage.clock import utc_now
from triage.errors import ProblemsFound, UserError
from triage.models import LogEvent
from triage.permissions import Permission, require
from triage.workspace import Workspace


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
    with workspace.database.write() as repository:
        stored = repository.find_policy(sha256=loaded.sha256)
        if stored is None:
            clash = repository.find_policy(policy_id=policy.id, version=policy.version)
            if clash is not None:
                raise UserError(
                    f"{loaded.file_name}: {policy.id} version {policy.version} is already stored "
                    f"with different content (added by {clash.added_by} on "
                    f"{clash.added_at:%Y-%m-%d}); give the changed policy a new version"
                )
            stored = repository.add_policy(
                policy_id=policy.id,
                version=policy.version,
                title=policy.policy.title,
                content_sha256=loaded.sha256,
                file_name=loaded.file_name,
                text=loaded.text,
                added_by=workspace.user,
                added_at=utc_now(),
            )
        history = repository.policy_activations(limit=1)
        previous = history[0] if history else None
        if previous is not None and previous.policy.row_id == stored.row_id:
            return Activated(stored, previous, already_in_force=True)
        now = utc_now()
        repository.activate_policy(stored, workspace.user, now)
        audit.append(
            repository,
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
    with workspace.database.read() as repository:
        latest = repository.policy_activations(limit=1)
    if not latest:
        return None
    return PolicyInForce(_load_stored(latest[0].policy), latest[0])


def policy_history(workspace: Workspace) -> list[PolicyActivation]:
    with workspace.database.read() as repository:
        return repository.policy_activations()


def _stored(workspace: Workspace, spec: str) -> StoredPolicy | None:
    policy_id, _, version = spec.partition("@")
    with workspace.database.read() as repository:
        if version:
            return repository.find_policy(policy_id=policy_id, version=version)
        versions = repository.policy_versions(policy_id)
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
