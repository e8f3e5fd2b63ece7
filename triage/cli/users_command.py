"""`triage users add|list`"""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.cli.output import cell
from triage.cli.render import json_line
from triage.models import Role
from triage.services.workspace import add_user, list_users


@click.group("users")
def users_group() -> None:
    """The people who may use this database, and their roles."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="What they may do.",
)
@click.option("--full-name", help="As it should appear on letters, e.g. 'Dr Asha Patel'.")
def add_command(name: str, role: str, full_name: str | None) -> None:
    """Add a user (managers only). NAME is the login name they act as."""
    workspace = context.current().workspace()
    user = add_user(workspace, name, Role(role), full_name)
    output.plain(f"Added {user.name} as {user.role.value}.")


@users_group.command("list")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table")
def list_command(output_format: str) -> None:
    """List the users and their roles."""
    workspace = context.current().workspace()
    users = list_users(workspace)
    if output_format == "json":
        for user in users:
            click.echo(
                json_line(
                    {
                        "name": user.name,
                        "role": user.role.value,
                        "full_name": user.full_name,
                        "active": user.active,
                    }
                )
            )
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for heading in ("Name", "Role", "Full name", "Access"):
        table.add_column(heading)
    for user in users:
        table.add_row(
            cell(user.name),
            cell(user.role.value),
            cell(user.full_name or ""),
            cell("yes" if user.active else "removed"),
        )
    output.stdout_console().print(table)
