"""`triage queue`"""

from __future__ import annotations

import sys

import click

from triage.cli import context, output
from triage.cli.render import counts_line, json_line, queue_item_json, queue_table
from triage.cli.work_command import WorkFilter, work_filter_options
from triage.models import QueueQuery, QueueSort, Status
from triage.services.assignment import assignee_names
from triage.services.policy import policy_review_due
from triage.services.queue import queue_items, queue_page, read_due_dates
from triage.services.workspace import Workspace

DEFAULT_TABLE_LIMIT = 100
_STATUS_CHOICES = [status.value for status in Status] + ["all"]


@click.command("queue")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(_STATUS_CHOICES),
    help="Show requests with this status (repeatable) [default: open and awaiting_gp].",
)
@output.format_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"Show at most this many, 0 for all [default: {DEFAULT_TABLE_LIMIT}; JSON: all].",
)
@work_filter_options
def queue_command(
    statuses: tuple[str, ...], output_format: str, limit: int | None, **work: object
) -> None:
    """List the requests in the queue, oldest first, or as the practice chose (--sort)."""
    chosen = _statuses(statuses)
    workspace = context.current().workspace()
    query = WorkFilter.from_options(work).query(workspace, tuple(chosen))
    print_queue(workspace, chosen, output_format=output_format, limit=limit, query=query)


def print_queue(
    workspace: Workspace,
    statuses: list[Status],
    *,
    output_format: str,
    limit: int | None,
    query: QueueQuery | None = None,
) -> None:
    if limit is None:
        limit = DEFAULT_TABLE_LIMIT if output_format == "table" else 0
    query = query or QueueQuery(statuses=tuple(statuses))
    if query.sort is QueueSort.DUE or query.due_by is not None:
        # When each is due comes from its letter too, read once per request (the app reads
        # it as it assesses): the order must not wait for the app to have been opened.
        with output.progress_bars(True) as bars:
            read_due_dates(workspace, progress=bars("Reading due dates") if bars else None)
    if output_format == "json":
        _print_json(workspace, query, limit or None)
        return
    page = queue_page(workspace, query, limit=limit or None)
    assigned = any(request.assigned_to_id is not None for request in page.requests)
    names = assignee_names(workspace) if assigned else {}
    console = output.stdout_console()
    if page.requests:
        console.print(queue_table(page, console.width, names))
    else:
        output.plain("No requests with that status.")
    if len(page.requests) < page.total:
        output.plain(f"Showing {len(page.requests)} of {page.total}; use --limit 0 to see all.")
    output.plain(counts_line(page))
    if page.policy is None:
        output.plain(
            "No policy is in force, so nothing is suggested: a manager activates one with "
            "`triage policy activate FILE|ID`."
        )
    else:
        output.plain(f"Suggestions: {page.policy}, as of {page.on}.")
    review = policy_review_due(workspace)
    if review is not None:
        output.plain(f"{review} ({review.label}).")
        output.plain("`triage policy show` says what the policy declares.")


def _print_json(workspace: Workspace, query: QueueQuery, limit: int | None) -> None:
    """One line per request, each written as it is made: the queue is read a page at a time
    (queue_items), so however long it is, nothing waits for the whole of it."""
    today = workspace.clock.today()
    names: dict[int, str] | None = None  # read when the first assigned request comes
    stdout = sys.stdout  # written to as click.echo writes, less its flush after each line
    for item in queue_items(workspace, query, limit=limit, on=today):
        if names is None and item.request.assigned_to_id is not None:
            names = assignee_names(workspace)
        stdout.write(json_line(queue_item_json(item, today, names or {})) + "\n")


def _statuses(chosen: tuple[str, ...]) -> list[Status]:
    if not chosen:
        return [Status.OPEN, Status.AWAITING_GP]
    if "all" in chosen:
        return list(Status)
    return [Status(value) for value in dict.fromkeys(chosen)]
