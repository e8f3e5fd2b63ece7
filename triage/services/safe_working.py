"""Safe working: how many requests a GP has decided today against the policy's limit (the BMA's
25 patient contacts per clinician per day, where a practice declares it). The limit changes no
suggestion; the GP sees it on the review list, so routine reviews past it can wait a day."""

from __future__ import annotations

from dataclasses import dataclass

from triage.clock import practice_midnight
from triage.rules import Permission, may, require
from triage.services.policy import policy_in_force
from triage.services.workspace import Workspace


@dataclass(frozen=True)
class SafeWorkingLoad:
    decided_today: int  # the user's decisions since midnight, in England
    limit: int  # the policy's contacts per clinician per day

    @property
    def reached(self) -> bool:
        return self.decided_today >= self.limit

    def __str__(self) -> str:
        if self.reached:
            return (
                f"safe-working limit reached: {self.decided_today} of {self.limit} decided "
                "today; routine reviews can wait for tomorrow"
            )
        return f"you have decided {self.decided_today} of {self.limit} today (safe working)"


def safe_working_today(workspace: Workspace) -> SafeWorkingLoad | None:
    """The user's load today, or None when the policy in force sets no limit or the user
    reviews nothing (a clerk's decisions are the clear-cut ones, not a GP's contacts)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    if not may(workspace.user, Permission.REVIEW):
        return None
    in_force = policy_in_force(workspace)
    limit = in_force.loaded.policy.safe_working if in_force else None
    if limit is None:
        return None
    since = practice_midnight(workspace.clock.today())
    with workspace.database.read() as tx:
        decided = tx.decisions.count_decided_by(workspace.user.id, since)
    return SafeWorkingLoad(decided, limit.contacts_per_clinician_per_day)
