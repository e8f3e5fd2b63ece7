"""Opening the database and knowing who is at the keyboard: what every command and screen
starts from."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from db import Database, ensure_schema, open_database
from triage import paths
from triage.clock import utc_now
from triage.errors import UserError
from triage.models import User
from triage.users import acting_user, create_first_manager


@dataclass
class Workspace:
    database: Database
    user: User
    demo: bool = False
    notices: list[str] = field(default_factory=list)  # things the user should be told once

    def close(self) -> None:
        self.database.dispose()


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        raise UserError("cannot tell who you are: set TRIAGE_USER to your user name") from None


def database_location(database_url: str | None, *, demo: bool = False) -> str:
    """The database named, or the default one in the user's private data folder."""
    if database_url is not None:
        return database_url
    paths.ensure_private_dir(paths.data_dir())
    return str(paths.demo_database_path() if demo else paths.default_database_path())


def open_database_for(database_url: str | None, *, demo: bool = False) -> Database:
    """Open the database and bring its schema up to date."""
    database = open_database(database_location(database_url, demo=demo))
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


def open_workspace(
    database_url: str | None,
    user_name: str | None,
    *,
    demo: bool = False,
    default_user: str | None = None,
) -> Workspace:
    """Open the database and resolve the acting user.

    The very first run on an empty database makes the OS login its first manager (and says so).
    `default_user` stands in for the OS login when no user is named (the demo's clerk).
    """
    database = open_database_for(database_url, demo=demo)
    notices = list(database.notices)
    try:
        name = user_name or default_user or os_login()
        with database.read() as repository:
            empty = repository.count_users() == 0
        if empty and not demo:  # the demo database comes with its own users
            with database.write() as repository:
                first = create_first_manager(repository, os_login(), utc_now())
            if first is not None:
                notices.append(
                    f"first run: {first.name} is now this database's manager; add colleagues "
                    "with `triage users add NAME --role clerk|gp|manager`"
                )
        with database.read() as repository:
            user = acting_user(repository, name)
    except BaseException:
        database.dispose()
        raise
    return Workspace(database, user, demo=demo, notices=notices)


def switch_user(workspace: Workspace, name: str) -> Workspace:
    """The same database, acted on as another user: only in the demo, where the demo's clerk,
    GP and manager take turns at one keyboard. Elsewhere each person runs as themselves."""
    if not workspace.demo:
        raise UserError("switching user is for the demo; each person runs triage as themselves")
    with workspace.database.read() as repository:
        user = acting_user(repository, name)
    return Workspace(workspace.database, user, demo=True)


def user_names(workspace: Workspace) -> list[tuple[str, str]]:
    """Every active user's (name, role), for choosing whom to act as in the demo."""
    with workspace.database.read() as repository:
        return [(user.name, user.role.value) for user in repository.list_users() if user.active]
