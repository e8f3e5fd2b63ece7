"""What `triage serve` checks of the database before it offers the app to browsers: that it is
there, and who could be logged in as by whoever reaches the server first."""

from __future__ import annotations

from dataclasses import dataclass

from triage.errors import UserError
from triage.services.workspace import open_database_for


@dataclass(frozen=True)
class Servable:
    display_url: str  # the database, without any password
    without_password: list[str]  # active people who have not chosen a password yet


def check_servable(database_url: str | None) -> Servable:
    """Open the database once (a missing file or an unreachable server is said now, not in each
    browser), and refuse one that has no users: the first login there would make its first
    manager of whoever typed a name."""
    database = open_database_for(database_url)
    try:
        with database.read() as tx:
            if tx.roles.enforced():
                # Each person there is whoever connected: every browser would act as the
                # server's own connection, whatever name was typed at the login screen.
                raise UserError(
                    f"{database.display_url} has each person connect as their own PostgreSQL "
                    "role, which a browser session cannot yet do: serve a database without "
                    "roles set up, or use triage at each workstation"
                )
            people = [user for user in tx.users.all() if user.active]
            unset = [
                user.name for user in people if tx.users.credentials(user.id).password_hash is None
            ]
        if not people:
            raise UserError(
                f"{database.display_url} has no users yet: create it with "
                "`triage --db PATH db init` and log in once at the terminal before serving it"
            )
        return Servable(database.display_url, unset)
    finally:
        database.dispose()
