"""`triage watch FOLDER`: import each file as it lands in the inbox folder."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from triage.cli import context, output
from triage.services.inbox import FAILED, Arrival, import_settled, watch_inbox


@click.command("watch")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--once", is_flag=True, help="Import what is there, then stop (for scheduled runs).")
def watch_command(folder: Path, once: bool) -> None:
    """Import each file that lands in FOLDER, then move it to FOLDER/imported, or to
    FOLDER/failed with a note of why. A file still being written is left until it settles."""
    workspace = context.current().workspace()
    if once:
        _report(import_settled(workspace, folder))
        return
    output.info(f"watching {folder} (Ctrl+C stops)")
    stop = threading.Event()  # a service manager stops it with SIGTERM; a person with Ctrl+C
    signal.signal(signal.SIGTERM, lambda _signal, _frame: stop.set())
    watch_inbox(workspace, folder, _report, stop)
    output.info(f"stopped watching {folder}")


def _report(arrivals: list[Arrival]) -> None:
    for arrival in arrivals:
        where = f"{arrival.moved_to.parent.name}/{arrival.moved_to.name}"
        if arrival.summary is None:
            output.plain(
                f"{arrival.name}: not imported: {arrival.problem}; moved to {where} "
                f"(why: {FAILED}/{arrival.moved_to.name}.reason.txt)"
            )
            continue
        for warning in arrival.summary.warnings:
            output.warning(str(warning))
        summary = arrival.summary
        output.plain(
            f"{arrival.name}: {summary.added} imported, {summary.already_present} already "
            f"present; moved to {where}"
        )
