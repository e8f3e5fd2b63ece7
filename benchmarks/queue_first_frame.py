"""How long the queue takes to show its first rows, with 1,000 and with 100,000 open requests.

The queue reads one page of requests from the database (screens/queue.py), so the two should
take about the same time; the ratio is the figure to watch. What is timed: from creating the app
to the first frame in which the queue table holds its rows (headless, 120x40), as a clerk would
see it after starting `triage`. Not timed: building the two databases.

The machines are shared and noisy: each size is measured several times, alternating, in the same
run, and the medians and their ratio are printed. Run from the repository root:

    .venv/bin/python benchmarks/queue_first_frame.py
    .venv/bin/python benchmarks/queue_first_frame.py --small 1000 --large 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from practice import fill_practice
from textual.widgets import DataTable

from screens.app import TriageApp
from screens.queue import QueueScreen
from triage.clock import SYSTEM_CLOCK
from triage.services.workspace import open_database_for, open_workspace

TODAY = date(2025, 6, 2)
BATCH = 5_000


def build(path: Path, count: int) -> None:
    """A practice database with `count` open requests (benchmarks/practice.py)."""
    database = open_database_for(str(path), create=True)
    try:
        fill_practice(database, count, today=TODAY, clock=SYSTEM_CLOCK)
    finally:
        database.dispose()


async def first_frame(path: Path) -> float:
    """Seconds from creating the app to a frame showing the queue's first rows."""
    workspace = open_workspace(str(path), "clerk")
    try:
        start = time.perf_counter()
        app = TriageApp(workspace)
        async with app.run_test(size=(120, 40)) as pilot:
            while True:
                screen = app.screen
                if (
                    isinstance(screen, QueueScreen)
                    and screen.query_one("#queue", DataTable).row_count
                ):
                    break
                await asyncio.sleep(0.002)
            await pilot.pause()  # the frame with those rows
            seconds = time.perf_counter() - start
            app.workers.cancel_all()  # the background refresh of filters stops between batches
        return seconds
    finally:
        workspace.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        databases = {}
        for count in (args.small, args.large):
            path = Path(folder) / f"queue-{count}.db"
            start = time.perf_counter()
            build(path, count)
            print(f"built {count:,} open requests in {time.perf_counter() - start:.1f} s")
            databases[count] = path
        asyncio.run(first_frame(databases[args.small]))  # warm-up: imports, first-call costs
        times: dict[int, list[float]] = {count: [] for count in databases}
        for _ in range(args.repeat):
            for count, path in databases.items():
                times[count].append(asyncio.run(first_frame(path)))
    print()
    for count, seconds in times.items():
        print(
            f"{count:>9,} open requests: first frame median {statistics.median(seconds):.3f} s "
            f"(runs: {', '.join(f'{s:.3f}' for s in seconds)})"
        )
    ratio = statistics.median(times[args.large]) / statistics.median(times[args.small])
    print(f"ratio {args.large:,} / {args.small:,}: {ratio:.2f}x (about 1 is the aim)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
