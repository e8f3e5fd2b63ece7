"""`triage db init` and `triage db upgrade`"""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.services.workspace import upgrade_database


@click.group("db")
def db_group() -> None:
    """Look after the database."""


@db_group.command("init")
def init_command() -> None:
    """Create the database named by --db (a new file, or an empty PostgreSQL database); whoever
    creates it becomes its first manager. Any other command refuses a file that is not there,
    so that a mistyped path is not taken for a new database."""
    workspace = context.current().workspace(create=True)
    output.plain(f"{workspace.database.display_url}: ready; {workspace.user.name} may use it.")


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Bring the database's schema up to date (also done on every start)."""
    options = context.current()
    upgraded = upgrade_database(options.database_url, demo=options.demo)
    for notice in upgraded.notices:
        output.info(notice)
    where = upgraded.display_url
    if not upgraded.changed:
        output.plain(f"{where}: schema {upgraded.after}, up to date.")
    elif upgraded.before is None:
        output.plain(f"{where}: created, schema {upgraded.after}.")
    else:
        output.plain(f"{where}: upgraded from schema {upgraded.before} to {upgraded.after}.")
