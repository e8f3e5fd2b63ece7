"""`triage import FILE...`"""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli import context, output
from triage.services.importing import ImportSummary, import_files

# A big file with a systematic problem should not bury the summary under thousands of lines.
WARNINGS_SHOWN = 50


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the good rows and list the bad ones (by default one bad row imports nothing).",
)
def import_command(files: tuple[Path, ...], skip_invalid: bool) -> None:
    """Import incoming requests (CSV, JSON, JSON Lines, FHIR R4, or letters as PDF, Word,
    e-mail or text) into the queue.

    The format is recognised from each file's content. A request already in the queue (same
    sender and ref) is not added again.
    """
    workspace = context.current().workspace()
    with output.progress_bars(output.large_files(files)) as bars:
        summary = import_files(
            workspace,
            files,
            skip_invalid=skip_invalid,
            progress=bars,
        )
    report(summary)


def report(summary: ImportSummary) -> None:
    warnings = summary.warnings
    for warning in warnings[:WARNINGS_SHOWN]:
        output.warning(str(warning))
    if len(warnings) > WARNINGS_SHOWN:
        output.warning(
            f"... and {len(warnings) - WARNINGS_SHOWN:,} more; flagged requests show their flags "
            "in `triage queue`"
        )
    for problem in summary.problems:  # only reached with --skip-invalid
        output.plain(f"not imported: {problem}", err=True)
    for outcome in summary.files:
        if outcome.file_rejected:
            output.plain(f"{outcome.name}: not imported (see the problems above)")
        else:
            output.plain(
                f"{outcome.name}: {outcome.added} imported, {outcome.already_present} already "
                f"present, {outcome.rejected} rejected"
            )
    if summary.added == 0 and summary.already_present and not summary.problems:
        output.plain("Nothing new: every request in these files is already in the queue.")
    elif len(summary.files) > 1:
        output.plain(
            f"Total: {summary.added} imported, {summary.already_present} already present, "
            f"{summary.rejected} rejected."
        )
