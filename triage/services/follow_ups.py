"""What waits on replies from other services, in one line for the queue: redirects and
hand-backs whose confirmation is overdue (clerks and managers keep those), and hand-backs a GP
must act on (docs/caseload.md, domain.md §4.1)."""

from __future__ import annotations

from dataclasses import dataclass

from triage.presentation import counted
from triage.rules import Permission, may, require
from triage.services.notices import notice_plan
from triage.services.policy import policy_in_force
from triage.services.redirects import redirect_follow_ups
from triage.services.workspace import Workspace


@dataclass(frozen=True)
class FollowUpsDue:
    redirects_overdue: int
    hand_backs_overdue: int
    hand_back_gp_tasks: int
    for_a_gp: bool  # whom the words are for

    def __bool__(self) -> bool:
        if self.for_a_gp:
            return self.hand_back_gp_tasks > 0
        return self.redirects_overdue + self.hand_backs_overdue > 0

    def __str__(self) -> str:
        if self.for_a_gp:
            return f"{counted(self.hand_back_gp_tasks, 'hand-back')} need a GP (F7)"
        parts = []
        if self.redirects_overdue:
            parts.append(f"{counted(self.redirects_overdue, 'redirect')} overdue (redirect list)")
        if self.hand_backs_overdue:
            replies = counted(self.hand_backs_overdue, "hand-back reply", "hand-back replies")
            parts.append(f"{replies} overdue (F7)")
        return " · ".join(parts)


def follow_ups_due(workspace: Workspace) -> FollowUpsDue | None:
    """What the person should chase or act on now, or None when nothing is due."""
    require(workspace.user, Permission.VIEW_QUEUE)
    for_a_gp = may(workspace.user, Permission.SIGN_OFF_HAND_BACK)
    redirects = 0 if for_a_gp else len(redirect_follow_ups(workspace, overdue_only=True))
    overdue = tasks = 0
    in_force = policy_in_force(workspace)
    if in_force is not None and in_force.loaded.policy.notices:
        plan = notice_plan(workspace)
        overdue, tasks = len(plan.overdue), len(plan.gp_tasks)
    due = FollowUpsDue(redirects, overdue, tasks, for_a_gp)
    return due if due else None
