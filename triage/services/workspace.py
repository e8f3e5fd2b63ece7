"""Opening the database and knowing who is at the keyboard: what every command and screen
starts from, and the list of people who may use the program.

The acting user is the operating-system login unless --user / TRIAGE_USER names another known
user, and they act only once they have logged in with their own password (services/auth.py).
On PostgreSQL with database roles set up (services/database_roles.py) the acting user is the
login role PostgreSQL authenticated, and the program asks for no password of its own.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db import (
    GROUPS,
    HEAD_REVISION,
    Database,
    Transaction,
    ensure_schema,
    open_database,
    parse_database_url,
    upgrade,
)
from triage import paths
from triage.clock import SYSTEM_CLOCK, Clock
from triage.errors import DatabaseUnavailable, UnknownUser, UserError
from triage.models import LogEvent, Role, User
from triage.rules import Permission, require
from triage.services import auth
from triage.services.auth import (
    PasswordFile,
    PasswordSource,
    SessionFiles,
    hash_password,
    log_in,
    password_source_from_environment,
)
from triage.services.user_log import log_user, record_users_so_far

MAX_NAME_LENGTH = 100


# How the app's login screen logs a person in: name, password, the same again (a new one).
LogIn = Callable[[str, str, str | None], "Workspace"]


@dataclass
class Workspace:
    database: Database
    user: User
    demo: bool = False
    notices: list[str] = field(default_factory=list)  # things the user should be told once
    clock: Clock = SYSTEM_CLOCK
    # PostgreSQL with roles set up: the person is who they connected as, each group membership
    # follows the users table, and the database refuses what their role may not do.
    database_roles: bool = False

    def close(self) -> None:
        self.database.dispose()


def _os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        raise UserError("cannot tell who you are: set TRIAGE_USER to your user name") from None


def _database_location(database_url: str | None, *, demo: bool = False) -> str:
    """The database named, or the default one in the user's private data folder."""
    if database_url is not None:
        return database_url
    paths.ensure_private_dir(paths.data_dir())
    return str(paths.demo_database_path() if demo else paths.default_database_path())


def open_database_for(
    database_url: str | None, *, demo: bool = False, create: bool = False
) -> Database:
    """Open the database and bring its schema up to date. A database file the user names is
    created only when asked (`triage --db PATH db init`): a mistyped path must not quietly
    become a new, empty database. The default one and the demo are the product's own."""
    if database_url is not None and not create:
        _refuse_missing_file(database_url)
    database = open_database(_database_location(database_url, demo=demo))
    try:
        change = ensure_schema(database)
    except BaseException:
        database.dispose()
        raise
    if change is not None and change.before is not None:
        database.notices.append(
            f"upgraded the database from schema {change.before} to {change.after}"
        )
    return database


def _refuse_missing_file(database_url: str) -> None:
    url = parse_database_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise DatabaseUnavailable(
            f"no database at {url.database}: check the path, or create one with "
            f"`triage --db {url.database} db init`"
        )


def check_database_url(url: str) -> None:
    """Raise InvalidDatabaseURL unless `url` is a database URL or a file path we can use."""
    parse_database_url(url)


@dataclass(frozen=True)
class Upgraded:
    """What `triage db upgrade` did: nothing (schema `after` already), created, or upgraded."""

    display_url: str  # the database, without any password
    before: str | None  # the schema it had; None: created
    after: str
    changed: bool
    notices: list[str]


def upgrade_database(database_url: str | None, *, demo: bool = False) -> Upgraded:
    """Bring the database's schema up to date (every start does this too)."""
    if database_url is not None:
        _refuse_missing_file(database_url)
    database = open_database(_database_location(database_url, demo=demo))
    try:
        change = upgrade(database)
        where, notices = database.display_url, list(database.notices)
        if change is None:
            return Upgraded(where, HEAD_REVISION, HEAD_REVISION, False, notices)
        with database.read() as tx:
            if tx.roles.enforced():
                # New tables and kinds of log entry are nobody's until the grants are redone.
                notices.append(
                    "each person connects as their own role here: run `triage db setup-roles` "
                    "again so that each role may use what this version adds"
                )
        return Upgraded(where, change.before, change.after, True, notices)
    finally:
        database.dispose()


def open_workspace(
    database_url: str | None,
    user_name: str | None,
    *,
    demo: bool = False,
    default_user: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
    passwords: PasswordSource | None = None,
    keep_session: bool = False,
    create: bool = False,
) -> Workspace:
    """Open the database as the acting user, once they have logged in (services/auth.py):
    with an open session of theirs, or their password from `passwords` (by default the private
    file TRIAGE_PASSWORD_FILE names). `keep_session`: keep the login in the person's private
    files for the next command (the command line). The demo has no passwords.

    The very first run on an empty database makes the OS login its first manager (and says so);
    their first login sets their password. `default_user` stands in for the OS login when no user
    is named (the demo's clerk).
    """
    database = open_database_for(database_url, demo=demo, create=create)
    notices = list(database.notices)
    try:
        with database.read() as tx:
            if tx.roles.enforced():
                user = _connected_user(tx, user_name)
                return Workspace(database, user, notices=notices, clock=clock, database_roles=True)
        name = user_name or default_user or _os_login()
        with database.read() as tx:
            empty = tx.users.count() == 0
        if empty and not demo:  # the demo database comes with its own users
            with database.write() as tx:
                first = _create_first_manager(tx, _os_login(), clock.now())
            if first is not None:
                notices.append(
                    f"first run: {first.name} is now this database's manager; add colleagues "
                    "with `triage users add NAME --role clerk|gp|manager`"
                )
        with database.read() as tx:
            user = _acting_user(tx, name)
        database.acting_user = user.name  # named to anyone its writes keep waiting
        if not demo:
            source = passwords or password_source_from_environment()
            sessions = SessionFiles(database.display_url) if keep_session else None
            log_in(database, user, source, sessions, clock)
    except BaseException:
        database.dispose()
        raise
    return Workspace(database, user, demo=demo, notices=notices, clock=clock)


def _connected_user(tx: Transaction, named: str | None) -> User:
    """The person PostgreSQL authenticated (password, Kerberos or certificate, as pg_hba.conf
    says): the login role connected, which must be a user whose role is the group it holds."""
    connected = tx.roles.connected_as()
    if named is not None and named != connected:
        raise UserError(
            f"--user {named}: on this database you act as the PostgreSQL role you connected "
            f"as, {connected}; to act as {named}, connect as them"
        )
    user = _acting_user(tx, connected)
    held = tx.roles.groups_held()
    if held != {user.role}:
        holds = ", ".join(sorted(GROUPS[role] for role in held)) or "none of the triage groups"
        raise UserError(
            f"{connected} is a {user.role.value} here, but their PostgreSQL role holds {holds}, "
            f"not just {GROUPS[user.role]}: the database administrator can put it right by "
            "running `triage db setup-roles` again (membership follows the users table)"
        )
    return user


def no_login_role(name: str) -> str:
    """Why a person cannot be given access yet on a database with roles, and who can help."""
    return (
        f"there is no PostgreSQL login role {name!r}: the database administrator creates it "
        f'first (CREATE ROLE "{name}" LOGIN; docs/security.md, "Several workstations")'
    )


def switch_user(workspace: Workspace, name: str) -> Workspace:
    """The same database, acted on as another user: only in the demo, where the demo's clerk,
    GP and manager take turns at one keyboard. Elsewhere each person runs as themselves."""
    if not workspace.demo:
        raise UserError("switching user is for the demo; each person runs triage as themselves")
    with workspace.database.read() as tx:
        user = _acting_user(tx, name)
    return Workspace(workspace.database, user, demo=True, clock=workspace.clock)


def user_names(workspace: Workspace) -> list[tuple[str, str]]:
    """Every active user's (name, role), for choosing whom to act as in the demo."""
    with workspace.database.read() as tx:
        return [(user.name, user.role.value) for user in tx.users.all() if user.active]


# --- the people who may use the program ---------------------------------------------------


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise UserError("a user name cannot be blank")
    if not cleaned.isprintable():
        raise UserError("a user name cannot contain control characters")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(f"a user name can be at most {MAX_NAME_LENGTH} characters")
    return cleaned


def _create_first_manager(tx: Transaction, login: str, now: datetime) -> User | None:
    """On an empty database, the person running the program becomes its first manager."""
    if tx.users.count():
        return None
    first = tx.users.add(check_name(login), Role.MANAGER, None, None, now)
    log_user(tx, LogEvent.USER_ADDED, actor=first, subject=first, now=now)
    return first


def _acting_user(tx: Transaction, name: str) -> User:
    user = tx.users.find(name)
    if user is None:
        raise UnknownUser(
            f"{name!r} is not a user of this database; a manager can add them with "
            f"`triage users add {name} --role clerk|gp|manager`"
        )
    if not user.active:
        raise UnknownUser(f"{name!r} no longer has access to this database")
    return user


def add_user(
    workspace: Workspace,
    name: str,
    role: Role,
    full_name: str | None,
    password_file: Path | None = None,
) -> User:
    """Add a user (managers only), with a first password from a private file, or none: then
    they choose it at their first login."""
    require(workspace.user, Permission.MANAGE_USERS)
    name = check_name(name)
    if workspace.database_roles and password_file is not None:
        raise UserError(
            "on this database PostgreSQL checks who people are: their password is set on their "
            "login role by the database administrator, not with --password-file"
        )
    password_hash = (
        hash_password(name, PasswordFile(password_file).password(name, new=True))
        if password_file
        else None
    )
    if full_name is not None:
        full_name = full_name.strip() or None
        if full_name and (not full_name.isprintable() or len(full_name) > 200):
            raise UserError("a full name must be printable and at most 200 characters")
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        if tx.users.find(name) is not None:
            raise UserError(f"there is already a user called {name!r}")
        if workspace.database_roles and not tx.roles.can_log_in(name):
            raise UserError(no_login_role(name))
        record_users_so_far(tx, workspace.user, now)
        added = tx.users.add(name, role, full_name, workspace.user, now)
        if password_hash is not None:
            tx.users.set_password(added.id, password_hash)
        log_user(tx, LogEvent.USER_ADDED, actor=workspace.user, subject=added, now=now)
        _follow_users_table(workspace, tx, name)
        return added


def change_role(workspace: Workspace, name: str, role: Role) -> User:
    """Give a user another role (managers only), as a chained log entry."""
    require(workspace.user, Permission.CHANGE_USERS)
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        user = _changeable(tx, name)
        if user.role is role:
            raise UserError(f"{name} is already a {role.value}")
        _keep_a_manager(tx, user)
        record_users_so_far(tx, workspace.user, now)
        tx.users.set_role(name, role)
        _follow_users_table(workspace, tx, name)
        changed = _found(tx, name)
        log_user(
            tx,
            LogEvent.USER_ROLE_CHANGED,
            actor=workspace.user,
            subject=changed,
            now=now,
            details={"previous_role": user.role.value},
        )
        return changed


def remove_user(workspace: Workspace, name: str) -> User:
    """Withdraw a user's access (managers only), as a chained log entry. The user stays in the
    table: their decisions and entries still name them."""
    require(workspace.user, Permission.CHANGE_USERS)
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        user = _changeable(tx, name)
        _keep_a_manager(tx, user)
        record_users_so_far(tx, workspace.user, now)
        tx.users.remove(name)
        tx.users.end_sessions(now, user_id=user.id)  # they are logged out at once
        _follow_users_table(workspace, tx, name)  # and can no longer connect
        removed = _found(tx, name)
        log_user(tx, LogEvent.USER_REMOVED, actor=workspace.user, subject=removed, now=now)
        return removed


def _follow_users_table(workspace: Workspace, tx: Transaction, name: str) -> None:
    """With database roles, the person's group membership becomes what their row now says, in
    the same transaction: both change, or neither."""
    if not workspace.database_roles:
        return
    user = _found(tx, name)
    if user.active and not tx.roles.can_log_in(name):
        raise UserError(no_login_role(name))
    tx.roles.sync_member(name)


def _found(tx: Transaction, name: str) -> User:
    user = tx.users.find(name)
    if user is None:
        raise UserError(f"{name!r} is not a user of this database")
    return user


def _changeable(tx: Transaction, name: str) -> User:
    user = _found(tx, name)
    if not user.active:
        raise UserError(f"{name!r} no longer has access to this database")
    return user


def _keep_a_manager(tx: Transaction, user: User) -> None:
    """Someone must be left who can manage users."""
    managers = [
        other.name for other in tx.users.all() if other.active and other.role is Role.MANAGER
    ]
    if managers == [user.name]:
        raise UserError(f"{user.name} is the only manager; make another user a manager first")


def list_users(workspace: Workspace) -> list[User]:
    require(workspace.user, Permission.VIEW_USERS)
    with workspace.database.read() as tx:
        return tx.users.all()


def log_out(workspace: Workspace) -> bool:
    """End the session the acting person's files hold for this database."""
    if workspace.database_roles:
        return False  # PostgreSQL logged them in: there is no session of ours to end
    sessions = SessionFiles(workspace.database.display_url)
    return auth.log_out(workspace.database, workspace.user, sessions, workspace.clock)
