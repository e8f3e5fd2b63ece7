"""`triage demo`"""

from __future__ import annotations

import click

from triage import paths
from triage.cli import context, output
from triage.cli.queue_command import print_queue
from triage.demo import DEFAULT_REQUESTS, DEFAULT_SEED, DEMO_USERS, build_demo
from triage.models import Status

# Large demos are for trying the program at scale; show a bar while they build.
PROGRESS_THRESHOLD_REQUESTS = 5_000


@click.command("demo")
@click.option(
    "--requests",
    "count",
    type=click.IntRange(min=1, max=1_000_000),
    default=DEFAULT_REQUESTS,
    show_default=True,
    help="How many synthetic requests to make.",
)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Vary the demo data."
)
@click.option("--no-ui", is_flag=True, help="Print the queue instead of opening the app.")
def demo_command(count: int, seed: int, no_ui: bool) -> None:
    """Open the app on a fresh demo database of synthetic requests.

    The demo has its own database, separate from real data, rebuilt each time, with one user per
    role: demo-clerk, demo-gp and demo-manager (switch with --user). Use `triage --demo COMMAND`
    to run any other command on it.
    """
    options = context.current()
    if options.database_url is not None:
        raise click.UsageError("the demo always uses its own database; leave out --db")
    with output.progress_bars(count >= PROGRESS_THRESHOLD_REQUESTS) as bars:
        summary = build_demo(count, clock=options.clock, seed=seed, progress=bars)
    names = ", ".join(name for name, _, _ in DEMO_USERS)
    output.info(
        f"demo database {paths.demo_database_path()} ({summary.added} requests; users {names})"
    )
    options.demo = True  # from here on, as `triage --demo`
    if no_ui:
        workspace = options.workspace()
        print_queue(workspace, [Status.OPEN, Status.AWAITING_GP], output_format="table", limit=None)
        output.info(
            "next, on the demo database: `triage --demo apply` decides the clear-cut requests, "
            "`triage --demo log verify` checks the decision log"
        )
    else:
        options.run_ui()  # the demo has no passwords: it opens at once
