"""`triage db upgrade`"""

from __future__ import annotations

import click

from db import HEAD_REVISION, open_database, upgrade
from triage.cli import context, output
from triage.workspace import database_location


@click.group("db")
def db_group() -> None:
    """Look after the database."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Bring the database's schema up to date (also done on every start)."""
    options = context.current()
    database = open_database(database_location(options.database_url, demo=options.demo))
    try:
        for notice in database.notices:
            output.info(notice)
        change = upgrade(database)
        if change is None:
            output.plain(f"{database.display_url}: schema {HEAD_REVISION}, up to date.")
        elif change.before is None:
            output.plain(f"{database.display_url}: created, schema {change.after}.")
        else:
            output.plain(
                f"{database.display_url}: upgraded from schema {change.before} to {change.after}."
            )
    finally:
        database.dispose()
