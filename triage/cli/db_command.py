"""`triage db init`, `triage db upgrade` and `triage db setup-roles`"""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.services.database_roles import set_up_database_roles
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


@db_group.command("setup-roles")
@click.option(
    "--manager",
    metavar="NAME",
    help="The first manager of a database with no users yet: their PostgreSQL login role.",
)
def setup_roles_command(manager: str | None) -> None:
    """Make a PostgreSQL database refuse what each person's role may not do (run by the
    database administrator, as the tables' owner). Creates the group roles triage_clerk,
    triage_gp and triage_manager, grants each exactly what its role needs, and makes each
    user's login role a member of their role's group. Running it again is safe."""
    options = context.current()
    result = set_up_database_roles(options.database_url, manager, options.clock)
    output.plain(f"{result.display_url}: database roles set up.")
    for line in result.done:
        output.plain(f"- {line}")
    for name, group in result.members:
        held = "no group (access withdrawn)" if group == "none" else group
        output.plain(f"- {name}: {held}")
    for user in result.without_login:
        output.plain(
            f"- {user.name} ({user.role.value}) has no PostgreSQL login role yet: "
            f'create it (CREATE ROLE "{user.name}" LOGIN ...) and run this again'
        )
