"""`triage users add|role|remove|list|password|reset` (each change a chained entry of the
decision log), and `triage logout`."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.cli.login import new_password_source
from triage.cli.output import cell
from triage.cli.render import json_line
from triage.models import Role
from triage.services.auth import change_password, reset_password
from triage.services.database_roles import GROUPS
from triage.services.workspace import add_user, change_role, list_users, log_out, remove_user


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
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A private file (chmod 600) holding their first password; without it, they choose "
    "it at their first login.",
)
def add_command(name: str, role: str, full_name: str | None, password_file: Path | None) -> None:
    """Add a user (managers only). NAME is the login name they act as."""
    workspace = context.current().workspace()
    user = add_user(workspace, name, Role(role), full_name, password_file)
    if workspace.database_roles:
        when = f"; they connect as their own PostgreSQL role, now in {GROUPS[user.role]}"
    else:
        when = "" if password_file else "; they choose their password at their first login"
    output.plain(f"Added {user.name} as {user.role.value}{when}.")


@users_group.command("password")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    help="A private file holding the new password (otherwise it is asked for).",
)
def password_command(password_file: str | None) -> None:
    """Change your own password (your other sessions end)."""
    workspace = context.current().workspace()
    change_password(workspace, new_password_source(password_file))
    output.plain(f"Changed the password of {workspace.user.name}.")


@users_group.command("reset")
@click.argument("name")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A private file holding their new password; without it, they choose a new one at "
    "their next login.",
)
def reset_command(name: str, password_file: Path | None) -> None:
    """Unlock NAME and reset their password (managers only); their sessions end."""
    person = reset_password(context.current().workspace(), name, password_file)
    then = "" if password_file else ": they choose a new one at their next login"
    output.plain(f"Reset the password of {person.name}{then}.")


@click.command("logout")
def logout_command() -> None:
    """End your session on this database: the next command asks for your password."""
    workspace = context.current().workspace()
    ended = log_out(workspace)
    output.plain("Logged out." if ended else "There was no session to end.")


@users_group.command("role")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="What they may do from now on.",
)
def role_command(name: str, role: str) -> None:
    """Give a user another role (managers only); their earlier entries keep the role they had."""
    user = change_role(context.current().workspace(), name, Role(role))
    output.plain(f"{user.name} is now a {user.role.value}.")


@users_group.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Withdraw a user's access (managers only). Their decisions and entries stay theirs."""
    user = remove_user(context.current().workspace(), name)
    output.plain(f"{user.name} no longer has access.")


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
