"""Assignment: giving a request to a named clerk or GP ("my work"), handing it back to the team
with a message, and the team's view of who has what.

Each change is one write transaction with its log entry (events `assigned` and `handed_back`),
so the decision log says who gave what to whom, when, and why; the request's row only says who
has it now. Whom a person may give work to is triage/rules.py's `check_assignment`.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage import audit
from triage.errors import UserError
from triage.models import LogEvent, Role, Status, User
from triage.rules import Permission, check_assignment, check_hand_back, require
from triage.services.deciding.steps import locked_request
from triage.services.workspace import Workspace

__all__ = ["TeamMember", "assign", "assignee_names", "hand_back", "team_work", "user_named"]

WAITING = (Status.OPEN, Status.AWAITING_GP, Status.NEEDS_DETAILS)


def user_named(workspace: Workspace, name: str) -> User:
    """The user with this login name, or a one-line refusal naming who there is."""
    with workspace.database.read() as tx:
        found = tx.users.find(name.strip())
        if found is None:
            names = ", ".join(user.name for user in tx.users.all() if user.active)
            raise UserError(f"there is no user {name!r} (users: {names})")
    return found


def assign(workspace: Workspace, request_id: int, assignee_name: str, note: str = "") -> User:
    """Give the request to a clerk or GP; the note (optional) goes in the log entry."""
    require(workspace.user, Permission.ASSIGN)
    with workspace.database.write() as tx:
        assignee = tx.users.find(assignee_name.strip())
        if assignee is None:
            raise UserError(f"there is no user {assignee_name!r}")
        request = locked_request(tx, request_id)
        check_assignment(workspace.user, request, assignee)
        if request.assigned_to_id == assignee.id:
            raise UserError(f"{request.ref} is already assigned to {assignee.name}")
        tx.requests.assign(request.id, assignee)
        details: dict[str, object] = {
            "assigned_to": assignee.name,
            "assigned_role": assignee.role.value,
            "note": note.strip() or None,
        }
        audit.append(
            tx,
            event=LogEvent.ASSIGNED,
            user=workspace.user,
            at=workspace.clock.now(),
            request=request,
            details=details,
        )
    return assignee


def hand_back(workspace: Workspace, request_id: int, message: str) -> None:
    """Return the request to the team (nobody's), with a message saying why."""
    require(workspace.user, Permission.ASSIGN)
    if not message.strip():
        raise UserError("say why you are handing it back")
    with workspace.database.write() as tx:
        request = locked_request(tx, request_id)
        holder = _user_by_id(tx.users.all(), request.assigned_to_id)
        check_hand_back(workspace.user, request, holder)
        assert holder is not None  # check_hand_back refuses a request nobody has
        tx.requests.assign(request.id, None)
        audit.append(
            tx,
            event=LogEvent.HANDED_BACK,
            user=workspace.user,
            at=workspace.clock.now(),
            request=request,
            details={"from": holder.name, "note": message.strip()},
        )


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: Role | None  # None: the line for what nobody has been given
    waiting: int  # requests not yet decided


def team_work(workspace: Workspace) -> list[TeamMember]:
    """Who has how much waiting: every clerk and GP with access (none left out for having
    nothing), anyone else still holding work, then what nobody has."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as tx:
        counts = tx.requests.count_assigned(WAITING)
        users = tx.users.all()
    members = [
        TeamMember(user.name, user.role, counts.get(user.id, 0))
        for user in users
        if (user.active and user.role is not Role.MANAGER) or counts.get(user.id)
    ]
    members.sort(key=lambda member: (-member.waiting, member.name))
    return [*members, TeamMember("(nobody)", None, counts.get(None, 0))]


def assignee_names(workspace: Workspace) -> dict[int, str]:
    """Every user's name by id, to show whose each request is."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as tx:
        return {user.id: user.name for user in tx.users.all()}


def _user_by_id(users: list[User], user_id: int | None) -> User | None:
    return next((user for user in users if user.id == user_id), None)
