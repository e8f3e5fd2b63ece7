"""`triage assign|hand-back|team`: sharing out the work, from the command line.

Whom each person may give work to is triage/rules.py's; the services check it for every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import click

from triage.cli import context, output
from triage.cli.options import sender_option
from triage.errors import UserError
from triage.models import QueueQuery, QueueSort, Status
from triage.services.assignment import assign, hand_back, team_work, user_named
from triage.services.deciding import find_request
from triage.services.practice import queue_opening_order
from triage.services.workspace import Workspace

_F = TypeVar("_F", bound=Callable[..., object])


@click.command("assign")
@click.argument("ref")
@click.argument("name")
@sender_option
@click.option("--note", default="", metavar="TEXT", help="A message for the person given it.")
def assign_command(ref: str, name: str, sender: str | None, note: str) -> None:
    """Assign request REF to the clerk or GP NAME (their "my work")."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    assignee = assign(workspace, request.id, name, note)
    output.plain(f"{request.ref} is assigned to {assignee.name}.")


@click.command("hand-back")
@click.argument("ref")
@sender_option
@click.option("--note", required=True, metavar="TEXT", help="Why you are handing it back.")
def hand_back_command(ref: str, sender: str | None, note: str) -> None:
    """Hand request REF back to the team, with a message saying why."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    hand_back(workspace, request.id, note)
    output.plain(f"{request.ref} is back with the team (nobody's).")


@click.command("team")
def team_command() -> None:
    """Who has how many requests waiting, and how many nobody has been given."""
    for member in team_work(context.current().workspace()):
        role = f"({member.role.value})" if member.role else ""
        output.plain(f"{member.name:<20} {role:<10} {member.waiting:>6} waiting")


def work_filter_options(command: _F) -> _F:
    """`triage queue`'s options for whose work and how soon it is due."""
    for option in reversed(
        (
            click.option("--mine", is_flag=True, help="Only requests assigned to you."),
            click.option("--assigned", metavar="NAME", help="Only requests assigned to NAME."),
            click.option("--unassigned", is_flag=True, help="Only requests nobody has."),
            click.option(
                "--sort",
                type=click.Choice([sort.value for sort in QueueSort]),
                help="The order; due: soonest due first (the supply's end or the letter's next "
                "dose, whichever is sooner), unknown dates last "
                "[default: the practice's, `practice set --queue-opens`; as shipped, oldest].",
            ),
            click.option(
                "--due-within",
                type=click.IntRange(min=0),
                metavar="DAYS",
                help="Only requests due within DAYS (or overdue): the supply's end or the "
                "letter's next dose.",
            ),
        )
    ):
        command = option(command)
    return command


@dataclass(frozen=True)
class WorkFilter:
    mine: bool
    assigned: str | None
    unassigned: bool
    sort: QueueSort | None  # none: the order the practice chose for its queue
    due_within: int | None

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> WorkFilter:
        assigned, due_within = options.get("assigned"), options.get("due_within")
        return cls(
            mine=bool(options.get("mine")),
            assigned=assigned if isinstance(assigned, str) else None,
            unassigned=bool(options.get("unassigned")),
            sort=QueueSort(str(options["sort"])) if options.get("sort") else None,
            due_within=due_within if isinstance(due_within, int) else None,
        )

    def query(self, workspace: Workspace, statuses: tuple[Status, ...]) -> QueueQuery:
        if sum((self.mine, self.assigned is not None, self.unassigned)) > 1:
            raise UserError("choose one of --mine, --assigned NAME and --unassigned")
        person = workspace.user if self.mine else None
        if self.assigned is not None:
            person = user_named(workspace, self.assigned)
        due_by = None
        if self.due_within is not None:
            due_by = workspace.clock.today() + timedelta(days=self.due_within)
        return QueueQuery(
            statuses=statuses,
            sort=self.sort or queue_opening_order(workspace),
            assigned_to_id=person.id if person else None,
            unassigned=self.unassigned,
            due_by=due_by,
        )
