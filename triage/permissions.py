"""Who may do what. The service layer checks these for every caller (command line and screens),
so a rule is written once and no screen can be used to get round it."""

from __future__ import annotations

from enum import StrEnum

from triage.errors import PermissionRefused
from triage.models import Role, User


class Permission(StrEnum):
    # the value completes "only ... may ..."
    IMPORT_REQUESTS = "import requests"
    VIEW_QUEUE = "view the queue"
    VIEW_USERS = "list users"
    MANAGE_USERS = "add users"
    ACTIVATE_POLICY = "activate a policy"
    SET_PRACTICE = "change the practice's details"
    DECIDE = "decide a request"
    FLAG = "send a request to a GP"
    REVIEW = "decide a request flagged for a GP"
    CORRECT = "correct a recorded decision"
    VIEW_LOG = "see the decision log"
    EXPORT = "export the decision log"


ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.IMPORT_REQUESTS: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.VIEW_QUEUE: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.VIEW_USERS: frozenset({Role.CLERK, Role.GP, Role.MANAGER}),
    Permission.MANAGE_USERS: frozenset({Role.MANAGER}),
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
}

_ROLE_NAMES = {Role.CLERK: "a clerk", Role.GP: "a GP", Role.MANAGER: "a manager"}


def may(user: User, permission: Permission) -> bool:
    return user.role in ALLOWED[permission]


def require(user: User, permission: Permission) -> None:
    """Refuse, naming who may do it, unless the user's role allows it."""
    if may(user, permission):
        return
    allowed = [_ROLE_NAMES[role] for role in Role if role in ALLOWED[permission]]
    who = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    raise PermissionRefused(
        f"only {who} may {permission.value}; you are {user.name} ({_ROLE_NAMES[user.role]})"
    )
