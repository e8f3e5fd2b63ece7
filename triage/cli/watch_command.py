"""`triage watch FOLDER`: import each file as it lands in the inbox folder."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import click

from triage.cli import context, output
from triage.services.inbox import FAILED, SETTLE_SECONDS, Arrival, Inbox, import_arrivals

_TICK_MS = 1000  # look again this often when nothing changes, so settled files are imported


@click.command("watch")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--once", is_flag=True, help="Import what is there, then stop (for scheduled runs).")
def watch_command(folder: Path, once: bool) -> None:
    """Import each file that lands in FOLDER, then move it to FOLDER/imported, or to
    FOLDER/failed with a note of why. A file still being written is left until it settles."""
    from watchfiles import watch  # imported here: only this command needs it

    workspace = context.current().workspace()
    inbox = Inbox(folder)
    if once:
        import_arrivals(workspace, inbox, time.monotonic())  # a first look at each file
        time.sleep(SETTLE_SECONDS)
        _report(import_arrivals(workspace, inbox, time.monotonic()))
        return
    output.info(f"watching {folder} (Ctrl+C stops)")
    _report(import_arrivals(workspace, inbox, time.monotonic()))
    stop = threading.Event()  # a service manager stops it with SIGTERM; a person with Ctrl+C
    signal.signal(signal.SIGTERM, lambda _signal, _frame: stop.set())
    for _changes in watch(
        folder,
        recursive=False,
        rust_timeout=_TICK_MS,
        yield_on_timeout=True,
        raise_interrupt=False,
        stop_event=stop,
    ):
        _report(import_arrivals(workspace, inbox, time.monotonic()))
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
