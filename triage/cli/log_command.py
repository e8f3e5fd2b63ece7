"""`triage log verify|export`: prove the decision log is as it was written; export it."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.cli.output import progress_bars
from triage.decision_log import verify_log
from triage.errors import UserError
from triage.exporting import export_decisions_csv


@click.group("log")
def log_group() -> None:
    """The decision log: every decision, flag, review, policy activation and export."""


@log_group.command("verify")
def verify_command() -> None:
    """Check the whole hash chain; name the first bad entry. Prints the head (count and hash):
    keep it outside the database, to catch a log rewritten from the start."""
    check = verify_log(context.current().workspace())
    result = check.verification
    if not result.ok:
        raise UserError(
            f"the decision log does not verify: entry {result.first_bad}: {result.problem} "
            f"({result.count} of {check.total} entries good before it)"
        )
    output.plain(f"The decision log verifies: {result.count} entries; head {result.head_hash}")


@log_group.command("export")
@click.option(
    "--format", "export_format", type=click.Choice(["csv"]), default="csv", show_default=True
)
@click.option(
    "--out", "destination", required=True, type=click.Path(path_type=Path, dir_okay=False)
)
def export_command(export_format: str, destination: Path) -> None:
    """Export every decision, with its request and letters (managers only). The export is itself
    logged, and carries the log head it was taken at."""
    with progress_bars(True) as bars:
        progress = bars("Exporting decisions") if bars else None
        exported = export_decisions_csv(context.current().workspace(), destination, progress)
    output.plain(
        f"Exported {exported.rows} decision{'s' if exported.rows != 1 else ''} to "
        f"{exported.path} (sha256 {exported.sha256[:16]}); log head {exported.head_count} "
        f"{exported.head_hash}"
    )
