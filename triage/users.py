"""Users and roles: who is acting, and managing the list of people who may use the program.

The acting user is the operating-system login unless --user / TRIAGE_USER names another known
user. This is attribution, not authentication: each person should have their own login on the
workstation, which is what keeps the database file (mode 0600) theirs.
"""

from __future__ import annotations

from datetime import datetime

from db import Repository
from triage.errors import UnknownUser, UserError
from triage.models import Role, User
from triage.permissions import Permission, require

MAX_NAME_LENGTH = 100


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise UserError("a user name cannot be blank")
    if not cleaned.isprintable():
        raise UserError("a user name cannot contain control characters")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(f"a user name can be at most {MAX_NAME_LENGTH} characters")
    return cleaned


def create_first_manager(repository: Repository, login: str, now: datetime) -> User | None:
    """On an empty database, the person running the program becomes its first manager."""
    if repository.count_users():
        return None
    return repository.add_user(check_name(login), Role.MANAGER, None, None, now)


def acting_user(repository: Repository, name: str) -> User:
    user = repository.find_user(name)
    if user is None:
        raise UnknownUser(
            f"{name!r} is not a user of this database; a manager can add them with "
            f"`triage users add {name} --role clerk|gp|manager`"
        )
    if not user.active:
        raise UnknownUser(f"{name!r} no longer has access to this database")
    return user


def add_user(
    repository: Repository,
    actor: User,
    name: str,
    role: Role,
    full_name: str | None,
    now: datetime,
) -> User:
    require(actor, Permission.MANAGE_USERS)
    name = check_name(name)
    if repository.find_user(name) is not None:
        raise UserError(f"there is already a user called {name!r}")
    if full_name is not None:
        full_name = full_name.strip() or None
        if full_name and (not full_name.isprintable() or len(full_name) > 200):
            raise UserError("a full name must be printable and at most 200 characters")
    return repository.add_user(name, role, full_name, actor, now)


def list_users(repository: Repository, actor: User) -> list[User]:
    require(actor, Permission.VIEW_USERS)
    return repository.list_users()
