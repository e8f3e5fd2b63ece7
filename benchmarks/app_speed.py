"""Key to frame in the app, with 100,000 requests and 1,000,000 log entries (issue 16, "Speed").

The app runs headless (Textual's `run_test`, 120x40) as a clerk on a practice database built
once and kept in a cache folder between runs (`--cache`, by default ~/.cache/triage-benchmarks;
it is rebuilt when the size or the schema changes). Each run works on a copy of it, because
deciding changes it.

What is timed, for each key: from just before the key is sent (as the terminal driver sends
it) until the screen's widgets hold its result and the key's work (a thread reading the
database, for most) has finished, polled every millisecond, and then the screen's next refresh
(`call_after_refresh`): the frame that shows it. The paint is Textual's compositor writing to a
headless driver, which costs less than a real terminal. The keys:

- move: j and k within the page, ] and [ for the next and previous page (from deep in the queue
  too), Enter to open the highlighted request and Escape back to the queue;
- switch screen: F3, F4, F5, F6 and F2, each until that screen has shown what it read;
- filter: a choice in a filter box (the Select's value set, as choosing does) until the table
  shows the filtered rows;
- search: each key typed into the search box until the table shows the matches for the text so
  far (the time includes the search's debounce: the figure is what a person waits);
- decide-and-next: a on a clear-cut row until the decision (its letters and its log entry) is
  saved and the queue shows the next row highlighted;
- startup: from creating the app to the first frame of the queue with its rows, against a
  minimal Textual app (a DataTable of 200 rows from memory) in the same run.

Run from the repository root (the first run builds the database: a few minutes):

    .venv/bin/python benchmarks/app_speed.py
    .venv/bin/python benchmarks/app_speed.py --requests 2000 --log-entries 20000 --repeat 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from practice import fill_practice
from sqlalchemy import insert
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from db.schema import HEAD_REVISION
from db.tables import Base, LogEntryRow
from screens.app import TriageApp
from screens.log import LogScreen
from screens.policy import PolicyScreen
from screens.queue import QueueScreen
from screens.request import RequestScreen
from screens.review import ReviewScreen
from screens.stats import StatsScreen
from triage.audit import GENESIS, canonical_json, chain_hash
from triage.clock import FixedClock
from triage.models import LogEvent, QueueQuery
from triage.rules import needs_gp
from triage.services.auth import PasswordTyped
from triage.services.queue import refresh_assessments
from triage.services.workspace import Workspace, open_database_for, open_workspace

TODAY = date(2025, 6, 2)
CLOCK = FixedClock(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
BATCH = 5_000
SIZE = (120, 40)
KEY_TARGETS = (0.050, 0.100)  # median, 95th percentile
DECIDE_TARGET = 0.100  # median
STARTUP_TARGET = 1.5  # times a minimal app's first frame
# The clerk's (chosen at the first login, in the first run).
PASSWORD = PasswordTyped("benchmark clerk password", "benchmark clerk password")
# Background work a key does not wait for: the refresh of the filters' stored assessments, and
# the decision log's check of its whole chain (F4), which the screen shows when it ends.
IDLE_GROUPS = frozenset({"assess", "verify"})


# --- the database ------------------------------------------------------------------------------


def build(path: Path, requests: int, log_entries: int) -> None:
    """A practice with `requests` open requests (the demo's letters, checked as an import checks
    them, inserted in bulk), a clerk, a policy in force, every assessment stored, and a log of
    `log_entries` chained entries (logins, as a year of a practice's would be mostly)."""
    database = open_database_for(str(path), create=True)
    try:
        workspace = fill_practice(database, requests, today=TODAY, clock=CLOCK)
        _add_log_entries(workspace, log_entries)
        refresh_assessments(workspace, on=TODAY)
    finally:
        database.dispose()


def _add_log_entries(workspace: Workspace, count: int) -> None:
    """`count` more entries at the head of the log, chained as audit.append chains them."""
    table = Base.metadata.tables[LogEntryRow.__tablename__]
    with workspace.database.write() as tx:
        head = tx.log.head()
    seq, prev_hash = head if head else (0, GENESIS)
    start = CLOCK.now() - timedelta(days=365)
    step = timedelta(days=365) / max(count, 1)
    done = 0
    while done < count:
        rows = []
        for _ in range(min(BATCH * 4, count - done)):
            seq += 1
            at = start + step * done
            actor = ("clerk", "manager")[seq % 2]
            body = canonical_json(
                {
                    "seq": seq,
                    "at": at.isoformat(),
                    "event": LogEvent.LOGIN.value,
                    "actor": actor,
                    "role": "clerk" if actor == "clerk" else "manager",
                    "request": None,
                    "decision_id": None,
                }
            )
            entry_hash = chain_hash(prev_hash, body)
            rows.append(
                {
                    "seq": seq,
                    "at": at,
                    "event": LogEvent.LOGIN.value,
                    "actor": actor,
                    "request_id": None,
                    "decision_id": None,
                    "body": body,
                    "prev_hash": prev_hash,
                    "hash": entry_hash,
                }
            )
            prev_hash = entry_hash
            done += 1
        with workspace.database.connection(write=True) as connection:
            connection.execute(insert(table), rows)


def cached_database(cache: Path, requests: int, log_entries: int) -> Path:
    """The built database for these sizes and this schema, built if it is not in the cache."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"app-speed-{requests}-{log_entries}-schema{HEAD_REVISION}.db"
    if not path.exists():
        start = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, requests, log_entries)
        partial.rename(path)
        print(
            f"built {requests:,} requests and {log_entries:,} log entries in "
            f"{time.perf_counter() - start:.0f} s: {path}"
        )
    return path


# --- waiting for a key's result ----------------------------------------------------------------


def busy(app: App[Any]) -> bool:
    """Whether a key's work is still running (the background refresh of filters does not count)."""
    return any(worker.is_running and worker.group not in IDLE_GROUPS for worker in app.workers)


async def settled(pilot: Pilot[Any], done: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until `done()` holds and no key's work runs, then the screen's next refresh (the frame
    that shows it). Polled every millisecond: Pilot's own waits (`press`, `pause`) wait for the
    process to look idle, which costs tens of milliseconds of their own."""
    app = pilot.app
    give_up = time.perf_counter() + timeout
    while busy(app) or not done():
        if time.perf_counter() > give_up:
            raise TimeoutError("the key's result never showed")
        await asyncio.sleep(0.001)
    frame: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def painted() -> None:
        if not frame.done():
            frame.set_result(None)

    app.screen.call_after_refresh(painted)
    await frame


# The characters of the keys typed here that are named rather than written.
_CHARACTERS = {"slash": "/", "minus": "-", "left_square_bracket": "[",
               "right_square_bracket": "]", "enter": "\r", "escape": "\x1b",
               "backspace": "\x7f"}  # fmt: skip


async def press(app: App[Any], key: str) -> None:
    """Send one key as the terminal would, without Pilot's waiting afterwards."""
    event = events.Key(key, key if len(key) == 1 else _CHARACTERS.get(key))
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=dict)

    async def time(
        self, kind: str, action: Awaitable[object], done: Callable[[], bool], pilot: Pilot[Any]
    ) -> None:
        start = time.perf_counter()
        await action
        await settled(pilot, done)
        self.seconds.setdefault(kind, []).append(time.perf_counter() - start)

    def all_keys(self) -> list[float]:
        return [s for kind, values in self.seconds.items() if kind != "decide" for s in values]


def queue_of(app: App[Any]) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


def highlighted(app: App[Any]) -> int:
    table = app.screen.query_one("#queue", DataTable)
    return table.cursor_row


def shows(app: App[Any], screen_type: type, loaded: Callable[[Any], bool]) -> Callable[[], bool]:
    def done() -> bool:
        screen = app.screen
        return type(screen) is screen_type and loaded(screen)

    return done


def row_is(app: App[Any], row: int) -> Callable[[], bool]:
    return lambda: highlighted(app) == row


def page_changed(screen: QueueScreen, before: list[int]) -> Callable[[], bool]:
    return lambda: screen.page_ids() != before


def query_changed(screen: QueueScreen, before: QueueQuery) -> Callable[[], bool]:
    return lambda: screen.query_spec != before


def searched(screen: QueueScreen, typed: str) -> Callable[[], bool]:
    """The box shows what was typed and the table the matches for it (one or two characters
    search nothing: the queue stays as it is)."""
    box = screen.query_one("#search", Input)
    wanted = QueueQuery(search=typed).searched
    return lambda: box.value == typed and screen.query_spec.searched == wanted


def log_loaded(screen: LogScreen) -> bool:
    tables = screen.query("#log").results(DataTable)
    return any(table.row_count > 0 for table in tables)  # (none until the screen is composed)


def queue_loaded(screen: QueueScreen) -> bool:
    return screen.table.row_count > 0 and bool(screen.counts.render())


# --- the session ---------------------------------------------------------------------------------


async def session(path: Path, timings: Timings, repeat: int) -> None:
    workspace = open_workspace(str(path), "clerk", clock=CLOCK, passwords=PASSWORD)
    try:
        app = TriageApp(workspace)
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot, shows(app, QueueScreen, queue_loaded))
            for _ in range(repeat):
                await moving(app, pilot, timings)
                await opening(app, pilot, timings)
                await switching(app, pilot, timings)
                await filtering(app, pilot, timings)
                await searching(app, pilot, timings)
                await deciding(app, pilot, timings)
            # Last: the log screen starts checking the whole chain, which competes with every
            # key for the interpreter until it ends (about a minute at 1,000,000 entries).
            await timings.time("f4", press(app, "f4"), shows(app, LogScreen, log_loaded), pilot)
            app.workers.cancel_all()
    finally:
        workspace.close()


async def moving(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    for key, step in (("j", 1), ("k", -1)):
        for _ in range(5):
            row = highlighted(app) + step
            await timings.time(key, press(app, key), row_is(app, row), pilot)
    for key in ("right_square_bracket",) * 5 + ("left_square_bracket",) * 5:
        screen = queue_of(app)
        before = screen.page_ids()
        await timings.time("page", press(app, key), page_changed(screen, before), pilot)


async def opening(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    for _ in range(3):
        await timings.time(
            "enter", press(app, "enter"), shows(app, RequestScreen, lambda s: True), pilot
        )
        await timings.time(
            "escape", press(app, "escape"), shows(app, QueueScreen, queue_loaded), pilot
        )
        await pilot.press("j")
        await settled(pilot, lambda: True)


async def switching(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    screens = (
        ("f3", ReviewScreen),
        ("f5", PolicyScreen),
        ("f6", StatsScreen),
        ("f2", QueueScreen),
    )
    for key, screen_type in screens:
        await timings.time(key, press(app, key), shows(app, screen_type, lambda s: True), pilot)


async def filtering(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    screen = queue_of(app)
    for select_id, value in (
        ("action", "decline"),
        ("action", None),
        ("category", "dmard"),
        ("category", None),
    ):
        select = screen.query_one(f"#{select_id}", Select)
        before = screen.query_spec

        async def choose(select: Select[str] = select, value: str | None = value) -> None:
            if value is None:
                select.clear()
            else:
                select.value = value

        await timings.time("filter", choose(), query_changed(screen, before), pilot)


async def searching(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    screen = queue_of(app)
    for text in ("smi", "DEMO-00012", "9998"):
        await pilot.press("slash")
        await settled(pilot, lambda: True)
        for end in range(1, len(text) + 1):
            typed = text[:end]
            key = text[end - 1] if text[end - 1] != "-" else "minus"
            await timings.time("search", press(app, key), searched(screen, typed), pilot)
        for _ in text:
            await pilot.press("backspace")
        await settled(pilot, searched(screen, ""))
        await pilot.press("escape")
        screen.table.focus()
        await settled(pilot, lambda: True)


async def deciding(app: App[Any], pilot: Pilot[Any], timings: Timings) -> None:
    """a on clear-cut rows (the filter shows only those a clerk may accept)."""
    screen = queue_of(app)
    screen.query_one("#action", Select).value = "decline"
    await settled(pilot, lambda: screen.query_spec.action is not None and queue_loaded(screen))
    for _ in range(5):
        clear_cut = [
            row
            for row, item in enumerate(screen._items.values())
            if item.suggestion is not None and not needs_gp(item.request, item.suggestion)
        ]
        screen.table.move_cursor(row=clear_cut[0])
        await settled(pilot, lambda: True)
        item = screen.highlighted_item()
        assert item is not None
        gone = item.request.id

        def decided(gone: int = gone) -> bool:
            return gone not in screen.page_ids() and screen.highlighted_item() is not None

        await timings.time("decide", press(app, "a"), decided, pilot)
    screen.query_one("#action", Select).clear()
    await settled(pilot, lambda: screen.query_spec.action is None)


# --- startup -------------------------------------------------------------------------------------


class MinimalApp(App[None]):
    """The least a Textual app does to show a table: 200 rows from memory."""

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ref", "patient", "category")
        for n in range(200):
            table.add_row(f"RL-{n:05}", "Patient Name", "dmard")


async def first_frame_minimal() -> float:
    start = time.perf_counter()
    app = MinimalApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        return time.perf_counter() - start


async def first_frame_queue(path: Path) -> float:
    workspace = open_workspace(str(path), "clerk", clock=CLOCK, passwords=PASSWORD)
    try:
        start = time.perf_counter()
        app = TriageApp(workspace)
        async with app.run_test(size=SIZE) as pilot:
            while not (isinstance(app.screen, QueueScreen) and app.screen.table.row_count):
                await asyncio.sleep(0.001)
            await pilot.pause()  # the frame with those rows
            seconds = time.perf_counter() - start
            app.workers.cancel_all()
        return seconds
    finally:
        workspace.close()


# --- the report ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(met: bool) -> str:
    return "PASS" if met else "MISSED"


def report(timings: Timings, queue: list[float], minimal: list[float]) -> None:
    median_target, p95_target = KEY_TARGETS
    print(f"{'key':<8} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for kind, values in timings.seconds.items():
        print(
            f"{kind:<8} {len(values):>4} {statistics.median(values) * 1000:>10.1f} "
            f"{percentile(values, 0.95) * 1000:>8.1f} {max(values) * 1000:>8.1f}"
        )
    keys = timings.all_keys()
    median, p95 = statistics.median(keys), percentile(keys, 0.95)
    print(
        f"\n{verdict(median <= median_target and p95 <= p95_target)}: every key "
        f"median {median * 1000:.1f} ms (target {median_target * 1000:.0f}), "
        f"p95 {p95 * 1000:.1f} ms (target {p95_target * 1000:.0f})"
    )
    decide = statistics.median(timings.seconds["decide"])
    print(
        f"{verdict(decide <= DECIDE_TARGET)}: decide-and-next median {decide * 1000:.1f} ms "
        f"(target {DECIDE_TARGET * 1000:.0f})"
    )
    ratio = statistics.median(queue) / statistics.median(minimal)
    print(
        f"{verdict(ratio <= STARTUP_TARGET)}: startup, queue first frame median "
        f"{statistics.median(queue) * 1000:.0f} ms, minimal Textual app "
        f"{statistics.median(minimal) * 1000:.0f} ms, ratio {ratio:.2f}x "
        f"(target {STARTUP_TARGET}x)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--log-entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every key")
    parser.add_argument("--startups", type=int, default=5)
    default_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    parser.add_argument("--cache", type=Path, default=default_cache / "triage-benchmarks")
    args = parser.parse_args(argv)
    built = cached_database(args.cache, args.requests, args.log_entries)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "practice.db"
        shutil.copyfile(built, path)
        asyncio.run(first_frame_minimal())  # warm-up: imports, first-call costs
        asyncio.run(first_frame_queue(path))
        queue: list[float] = []
        minimal: list[float] = []
        for _ in range(args.startups):  # alternating, so both see the machine as it is
            minimal.append(asyncio.run(first_frame_minimal()))
            queue.append(asyncio.run(first_frame_queue(path)))
        timings = Timings()
        asyncio.run(session(path, timings, args.repeat))
    print(f"{args.requests:,} requests, {args.log_entries:,} log entries, {SIZE[0]}x{SIZE[1]}\n")
    report(timings, queue, minimal)
    return 0


if __name__ == "__main__":
    sys.exit(main())
