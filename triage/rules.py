"""The rules of deciding, with no database: who may do what, when a request needs a GP, which kind
a decision is, and when it needs a note. The service layer checks these for every caller
(command line and screens), so a rule is written once and no screen can be used to get round it.
"""

from __future__ import annotations

from enum import StrEnum

from triage.errors import PermissionRefused, UserError
from triage.models import Action, Flag, LogEvent, Request, Role, Status, Suggestion, User
from triage.presentation import STATUS_WORDS


class Permission(StrEnum):
    # the value completes "only ... may ..."
    IMPORT_REQUESTS = "import requests"
    VIEW_QUEUE = "view the queue"
    VIEW_USERS = "list users"
    MANAGE_USERS = "add users or reset their passwords"
    CHANGE_USERS = "change a user's role or access"
    ACTIVATE_POLICY = "activate a policy"
    SET_PRACTICE = "change the practice's details"
    DECIDE = "decide a request"
    FLAG = "send a request to a GP"
    REVIEW = "decide a request flagged for a GP"
    CORRECT = "correct a recorded decision"
    VIEW_LOG = "see the decision log"
    EXPORT = "export the decision log, its letters or the report"
    VIEW_STATISTICS = "see the statistics"
    COMPLETE_DETAILS = "complete a letter's details"
    ASSIGN = "assign a request to someone"
    IMPORT_CASELOAD = "import the caseload of existing patients"
    SEND_NOTICES = "send notice of a hand-back"
    SIGN_OFF_HAND_BACK = "sign off a hand-back"
    CONFIRM_HAND_BACK = "record a team's reply to a hand-back or redirect, or chase one"


ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.IMPORT_REQUESTS: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.VIEW_QUEUE: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.VIEW_USERS: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.MANAGE_USERS: frozenset({Role.MANAGER}),
    Permission.CHANGE_USERS: frozenset({Role.MANAGER}),
    Permission.ACTIVATE_POLICY: frozenset({Role.MANAGER}),
    Permission.SET_PRACTICE: frozenset({Role.MANAGER}),
    # Clerks decide clear-cut requests; flagged ones, and equality-sensitive categories the
    # policy says a GP must confirm, are for a GP. Managers run the practice, not the queue.
    Permission.DECIDE: frozenset({Role.CLERK, Role.GP}),
    Permission.FLAG: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.REVIEW: frozenset({Role.GP}),
    Permission.CORRECT: frozenset({Role.GP}),
    Permission.VIEW_LOG: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.EXPORT: frozenset({Role.MANAGER}),
    Permission.VIEW_STATISTICS: frozenset({Role.MANAGER}),
    Permission.COMPLETE_DETAILS: frozenset({Role.CLERK, Role.GP}),
    # Everyone shares out the work; whom each may give it to is check_assignment's.
    Permission.ASSIGN: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    # Existing patients (docs/caseload.md): the manager puts the practice's notice into effect;
    # a GP signs off each hand-back that needs one; clerks keep the replies and chase them.
    Permission.IMPORT_CASELOAD: frozenset({Role.CLERK, Role.MANAGER}),
    Permission.SEND_NOTICES: frozenset({Role.MANAGER}),
    Permission.SIGN_OFF_HAND_BACK: frozenset({Role.GP}),
    Permission.CONFIRM_HAND_BACK: frozenset({Role.CLERK, Role.MANAGER}),
}

_ROLE_NAMES = {Role.CLERK: "a clerk", Role.GP: "a GP", Role.MANAGER: "a manager"}


def may(user: User, permission: Permission) -> bool:
    return user.role in ALLOWED[permission]


def require(user: User, permission: Permission) -> None:
    """Refuse, naming who may do it, unless the user's role allows it."""
    if not may(user, permission):
        raise PermissionRefused(refusal(user, permission))


def refusal(user: User, permission: Permission) -> str:
    """Why the user may not: "only a manager may see the statistics; you are cleo (a clerk)"."""
    return f"{who_may(permission)}; you are {user.name} ({_ROLE_NAMES[user.role]})"


def who_may(permission: Permission) -> str:
    """ "only a clerk or a GP may decide a request" """
    allowed = [_ROLE_NAMES[role] for role in Role if role in ALLOWED[permission]]
    who = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    return f"only {who} may {permission.value}"


def needs_gp(request: Request, suggestion: Suggestion) -> bool:
    """Whether only a GP may decide the request: it waits for one, the policy sends it to one, or
    the policy says a GP must confirm its category."""
    return (
        request.status is Status.AWAITING_GP
        or suggestion.action is Action.GP_REVIEW
        or Flag.GP_CONFIRMATION in suggestion.flags
    )


def decision_kind(user: User, request: Request, suggestion: Suggestion, action: Action) -> LogEvent:
    """What kind of decision taking `action` would be, if the user may take it at all."""
    if needs_gp(request, suggestion):
        if not may(user, Permission.REVIEW):
            why = (
                "it waits for a GP"
                if request.status is Status.AWAITING_GP
                else "the policy sends it to a GP"
                if suggestion.action is Action.GP_REVIEW
                else "the policy says a GP must confirm it"
            )
            raise PermissionRefused(
                f"only a GP may decide {request.ref}: {why}; "
                f"you are {user.name} ({_ROLE_NAMES[user.role]})"
            )
        return LogEvent.REVIEW
    require(user, Permission.DECIDE)
    return LogEvent.DECISION if action is suggestion.action else LogEvent.OVERRIDE


def require_note(
    kind: LogEvent, ref: str, suggested: Action, chosen: Action, note: str | None
) -> None:
    """A GP's decision and an override say why; a decision that follows the policy need not."""
    if (note or "").strip():
        return
    if kind is LogEvent.REVIEW:
        raise UserError(f"a GP's decision on {ref} needs a note")
    if kind is LogEvent.OVERRIDE:
        raise UserError(
            f"the policy suggests {suggested.value}; to {chosen.value} instead, give a reason"
        )


def require_details_to_complete(request: Request) -> None:
    """Only a letter waiting in needs_details has details to type; once in the queue, a
    request is changed by a GP's decision, never retyped."""
    if request.status is not Status.NEEDS_DETAILS:
        raise UserError(
            f"{request.ref} is {STATUS_WORDS[request.status]}: its details are complete; a "
            "request already in the queue is corrected by a GP's decision, not retyped"
        )


ASSIGNABLE = (Status.OPEN, Status.AWAITING_GP, Status.NEEDS_DETAILS)


def check_assignment(user: User, request: Request, assignee: User) -> None:
    """Whether the user may give the request to the assignee, as a practice shares out work:
    only someone who can work on it receives it (a clerk or GP with access; managers run the
    practice, not the queue); what waits for a GP goes to a GP; a clerk shares work among
    clerks, and sends a request to a GP by flagging it, with a note saying why."""
    require(user, Permission.ASSIGN)
    if request.status not in ASSIGNABLE:
        raise UserError(f"{request.ref} is {STATUS_WORDS[request.status]}; there is no work left")
    if not assignee.active:
        raise UserError(f"{assignee.name} no longer has access")
    if assignee.role is Role.MANAGER:
        raise UserError(
            f"{assignee.name} is a manager; a request is assigned to a clerk or a GP, who can "
            "work on it"
        )
    if request.status is Status.AWAITING_GP and assignee.role is not Role.GP:
        raise UserError(f"{request.ref} waits for a GP; assign it to a GP")
    if user.role is Role.CLERK and assignee.role is Role.GP:
        raise PermissionRefused(
            f"a clerk sends a request to a GP by flagging it, with a note (`triage flag`); "
            f"only a GP or a manager may assign one to a GP; you are {user.name} (a clerk)"
        )


def check_hand_back(user: User, request: Request, assigned_to: User | None) -> None:
    """Only the person who has the request, or a manager, hands it back to the team."""
    if assigned_to is None:
        raise UserError(f"{request.ref} is not assigned to anyone")
    if user.id != assigned_to.id and user.role is not Role.MANAGER:
        raise PermissionRefused(
            f"{request.ref} is {assigned_to.name}'s: only they or a manager may hand it back; "
            f"you are {user.name} ({_ROLE_NAMES[user.role]})"
        )
