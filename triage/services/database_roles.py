"""Several workstations on PostgreSQL, each person connecting as their own role, with the
database itself refusing what that person's role may not do (`triage db setup-roles`,
docs/security.md "Several workstations").

The grants are derived here from the program's own permissions (triage/rules.py), so the
program's checks and the database's say the same thing; db/roles.py turns them into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from db import GROUPS, RolePlan, set_up_roles
from triage.clock import SYSTEM_CLOCK, Clock
from triage.errors import UserError
from triage.models import DECISION_EVENTS, LogEvent, Role, User
from triage.rules import ALLOWED, Permission
from triage.services.user_log import log_user
from triage.services.workspace import check_name, no_login_role, open_database_for

__all__ = ["GROUPS", "RolesSetUp", "log_event_permissions", "role_plan", "set_up_database_roles"]

_READ = frozenset({"SELECT"})
_WRITE_LOG = {"log_entries": frozenset({"INSERT"})}
_DECIDING = {
    "decisions": frozenset({"INSERT"}),
    "letters": frozenset({"INSERT"}),
    "requests": frozenset({"UPDATE"}),
    **_WRITE_LOG,
}
_CHANGING_USERS = {
    "users": frozenset({"INSERT", "UPDATE"}),
    "sessions": frozenset({"SELECT", "UPDATE"}),  # their sessions end with their access
    **_WRITE_LOG,
}

# What each permission needs of the tables. Reading is what every role may do; the log is only
# ever added to (no UPDATE or DELETE for anyone), and decisions and letters likewise.
TABLES_FOR: dict[Permission, Mapping[str, frozenset[str]]] = {
    Permission.VIEW_QUEUE: {
        "alembic_version": _READ,  # which schema: read on every start
        "requests": _READ,
        "imports": _READ,
        "originals": _READ,
        "decisions": _READ,
        "letters": _READ,
        "policy_versions": _READ,
        "policy_activations": _READ,
        "practice": _READ,
        "caseload": _READ,
        # Derived data: rebuilt by whoever looks at the queue when the policy or day changes.
        "assessments": frozenset({"SELECT", "INSERT", "DELETE"}),
    },
    Permission.VIEW_USERS: {"users": _READ},
    Permission.VIEW_LOG: {"log_entries": _READ},
    Permission.IMPORT_REQUESTS: {
        "originals": frozenset({"INSERT"}),
        "imports": frozenset({"INSERT"}),
        "requests": frozenset({"INSERT", "UPDATE"}),
    },
    Permission.DECIDE: _DECIDING,
    Permission.REVIEW: _DECIDING,
    Permission.CORRECT: _DECIDING,
    Permission.FLAG: {"requests": frozenset({"UPDATE"}), **_WRITE_LOG},
    Permission.COMPLETE_DETAILS: {"requests": frozenset({"UPDATE"}), **_WRITE_LOG},
    Permission.MANAGE_USERS: _CHANGING_USERS,
    Permission.CHANGE_USERS: _CHANGING_USERS,
    Permission.ACTIVATE_POLICY: {
        "policy_versions": frozenset({"INSERT"}),
        "policy_activations": frozenset({"INSERT"}),
        **_WRITE_LOG,
    },
    Permission.SET_PRACTICE: {"practice": frozenset({"INSERT", "UPDATE"}), **_WRITE_LOG},
    Permission.EXPORT: _WRITE_LOG,
    Permission.VIEW_STATISTICS: {},  # counts of what every role may read
    Permission.ASSIGN: {"requests": frozenset({"UPDATE"}), **_WRITE_LOG},
    Permission.IMPORT_CASELOAD: {"caseload": frozenset({"INSERT", "UPDATE"}), **_WRITE_LOG},
    Permission.SEND_NOTICES: _WRITE_LOG,
    Permission.SIGN_OFF_HAND_BACK: _WRITE_LOG,
    Permission.CONFIRM_HAND_BACK: _WRITE_LOG,
}

# Who may write each kind of log entry: the roles with this permission; None, anyone (their
# own login, failure, lockout or password).
_EVENT_PERMISSION: dict[LogEvent, Permission | None] = {
    LogEvent.DECISION: Permission.DECIDE,
    LogEvent.OVERRIDE: Permission.DECIDE,
    LogEvent.REVIEW: Permission.REVIEW,
    LogEvent.SUPERSEDE: Permission.CORRECT,
    LogEvent.FLAG: Permission.FLAG,
    LogEvent.POLICY_ACTIVATED: Permission.ACTIVATE_POLICY,
    LogEvent.PRACTICE_UPDATED: Permission.SET_PRACTICE,
    LogEvent.EXPORT: Permission.EXPORT,
    LogEvent.DETAILS_COMPLETED: Permission.COMPLETE_DETAILS,
    LogEvent.ASSIGNED: Permission.ASSIGN,
    LogEvent.HANDED_BACK: Permission.ASSIGN,
    LogEvent.LOGIN: None,
    LogEvent.LOGIN_FAILED: None,
    LogEvent.LOCKED_OUT: None,
    LogEvent.PASSWORD_SET: None,
    LogEvent.PASSWORD_RESET: Permission.MANAGE_USERS,
    LogEvent.USER_ADDED: Permission.MANAGE_USERS,
    LogEvent.USER_ROLE_CHANGED: Permission.CHANGE_USERS,
    LogEvent.USER_REMOVED: Permission.CHANGE_USERS,
    LogEvent.USERS_RECORDED: Permission.CHANGE_USERS,
    LogEvent.CASELOAD_IMPORTED: Permission.IMPORT_CASELOAD,
    LogEvent.HAND_BACK_SIGNED_OFF: Permission.SIGN_OFF_HAND_BACK,
    LogEvent.NOTICE_SENT: Permission.SEND_NOTICES,
    LogEvent.NOTICE_COVERING: Permission.SEND_NOTICES,
    LogEvent.HAND_BACK_CONFIRMED: Permission.CONFIRM_HAND_BACK,
    LogEvent.HAND_BACK_CHASED: Permission.CONFIRM_HAND_BACK,
    LogEvent.REDIRECT_CONFIRMED: Permission.CONFIRM_HAND_BACK,
}


def log_event_permissions() -> dict[LogEvent, Permission | None]:
    return dict(_EVENT_PERMISSION)


def _roles_with(permission: Permission | None) -> frozenset[Role]:
    return frozenset(Role) if permission is None else ALLOWED[permission]


def role_plan() -> RolePlan:
    """Each group's grants: the union of what its role's permissions need."""
    tables: dict[Role, dict[str, frozenset[str]]] = {role: {} for role in Role}
    for permission, needs in TABLES_FOR.items():
        for role in ALLOWED[permission]:
            for table, privileges in needs.items():
                tables[role][table] = tables[role].get(table, frozenset()) | privileges
    events = {event.value: _roles_with(needs) for event, needs in _EVENT_PERMISSION.items()}
    kinds = {kind.value: events[kind.value] for kind in DECISION_EVENTS}
    return RolePlan(tables=tables, log_events=events, decision_kinds=kinds)


@dataclass(frozen=True)
class RolesSetUp:
    display_url: str
    done: list[str]  # what was done, a line each
    members: list[tuple[str, str]]  # (user, their group or "none")
    without_login: list[User]  # users with access but no PostgreSQL login role yet


def set_up_database_roles(
    database_url: str | None, manager: str | None, clock: Clock = SYSTEM_CLOCK
) -> RolesSetUp:
    """Create the groups and grants (as the tables' owner), add the first manager to a database
    with no users yet, and make every user's group membership what the users table says."""
    if database_url is None or "://" not in database_url or database_url.startswith("sqlite"):
        raise UserError(
            "database roles are PostgreSQL's: give the practice's database with "
            "--db postgresql://OWNER@HOST/NAME"
        )
    database = open_database_for(database_url)
    try:
        done = set_up_roles(database, role_plan())
        members: list[tuple[str, str]] = []
        without_login: list[User] = []
        with database.write() as tx:
            now = clock.now()
            if tx.users.count() == 0:
                first = _first_manager(manager)
                if not tx.roles.can_log_in(first):
                    raise UserError(no_login_role(first))
                added = tx.users.add(first, Role.MANAGER, None, None, now)
                log_user(tx, LogEvent.USER_ADDED, actor=added, subject=added, now=now)
                done.append(f"added {first} as this database's first manager")
            elif manager is not None:
                known = tx.users.find(manager)
                if known is None or not known.active or known.role is not Role.MANAGER:
                    raise UserError(
                        f"{manager} is not a manager of this database (--manager names the "
                        "first manager of a database with no users yet)"
                    )
            for user in tx.users.all():
                if user.active and not tx.roles.can_log_in(user.name):
                    without_login.append(user)
                    continue
                members.append((user.name, tx.roles.sync_member(user.name)))
        return RolesSetUp(database.display_url, done, members, without_login)
    finally:
        database.dispose()


def _first_manager(manager: str | None) -> str:
    if manager is None:
        raise UserError(
            "the database has no users yet: name its first manager with --manager NAME "
            "(their PostgreSQL login role)"
        )
    return check_name(manager)
