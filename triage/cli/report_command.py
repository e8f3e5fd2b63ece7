"""`triage report`: the de-identified monthly summary for the LMC and ICB."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.services.exports.report import DEFAULT_THRESHOLD, monthly_report


@click.command("report")
@click.option(
    "--month", "first_month", metavar="YYYY-MM", help="The first month [default: this month]."
)
@click.option("--to", "last_month", metavar="YYYY-MM", help="The last month (default: --month).")
@click.option(
    "--out", "destination", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="A .csv or .html file.",
)  # fmt: skip
@click.option(
    "--threshold",
    type=int,
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Counts from 1 up to this minus one are shown as *.",
)
@click.option("--show-small-counts", is_flag=True, help="Show every count (inside the practice).")
def report_command(
    first_month: str | None,
    last_month: str | None,
    destination: Path,
    threshold: int,
    show_small_counts: bool,
) -> None:
    """Counts of decisions by month, category, action, reason and provider type: no patient
    identifiers and no free text, small counts suppressed (managers only)."""
    exported = monthly_report(
        context.current().workspace(),
        first_month,
        last_month,
        destination,
        threshold=threshold,
        show_small_counts=show_small_counts,
    )
    for note in exported.notes:
        output.info(note)
    output.plain(
        f"Wrote the report of {exported.rows} decisions to {exported.path} (sha256 "
        f"{exported.sha256[:16]}); log head {exported.anchor.count} {exported.anchor.hash}"
    )
