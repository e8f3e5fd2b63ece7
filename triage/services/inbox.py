"""The inbox folder: each file that lands in it is imported on its own, then moved to
`imported/` or, with a note of why, to `failed/`.

A file is only read once it has settled: the same size and time on two looks at least
SETTLE_SECONDS apart, so a letter still being copied or scanned in is never half-read. A restart
is safe at any moment: a file imported but not yet moved is imported again, which adds nothing
(requests are identified by sender and ref), and is then moved.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import ProblemsFound, UserError
from triage.rules import Permission, require
from triage.services.importing import ImportSummary, import_files
from triage.services.workspace import Workspace

SETTLE_SECONDS = 2.0
_TICK_MS = 1000  # look again this often when nothing changes, so settled files are imported
IMPORTED = "imported"
FAILED = "failed"
# Names that editors, scanners and copy tools use while a file is on its way.
_IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")


@dataclass(frozen=True)
class Arrival:
    """What happened to one file: imported (with its summary) or failed (with why)."""

    name: str
    moved_to: Path
    summary: ImportSummary | None
    problem: str | None = None


@dataclass
class Inbox:
    """A folder being watched, and what was seen of each file not yet imported."""

    folder: Path
    seen: dict[str, tuple[int, int, float]] = field(default_factory=dict)  # size, mtime, when

    def __post_init__(self) -> None:
        if not self.folder.is_dir():
            raise UserError(f"{self.folder} is not a folder")
        for name in (IMPORTED, FAILED):
            (self.folder / name).mkdir(mode=0o700, exist_ok=True)


def watch_inbox(
    workspace: Workspace,
    folder: Path,
    report: Callable[[list[Arrival]], None],
    stop: threading.Event,
) -> None:
    """Import each file as it lands in the folder and settles, telling `report` what happened,
    until `stop` is set (looked at every second). The command line's `triage watch` and the
    app's inbox both run this."""
    from watchfiles import watch  # imported here: only watching needs it

    inbox = Inbox(folder)
    report(import_arrivals(workspace, inbox, time.monotonic()))
    for _changes in watch(
        folder,
        recursive=False,
        rust_timeout=_TICK_MS,
        yield_on_timeout=True,  # a file seen once is imported when it has settled, not changed
        raise_interrupt=False,
        stop_event=stop,
    ):
        report(import_arrivals(workspace, inbox, time.monotonic()))


def import_settled(workspace: Workspace, folder: Path) -> list[Arrival]:
    """Import what is in the folder now (a scheduled run): each file looked at twice, the
    settling time apart, so one still being written is left for the next run."""
    inbox = Inbox(folder)
    import_arrivals(workspace, inbox, time.monotonic())
    time.sleep(SETTLE_SECONDS)
    return import_arrivals(workspace, inbox, time.monotonic())


def import_arrivals(workspace: Workspace, inbox: Inbox, now: float) -> list[Arrival]:
    """Import every file in the folder that has settled, oldest first; `now` is a monotonic
    time, compared with when each file was last seen to change."""
    require(workspace.user, Permission.IMPORT_REQUESTS)
    arrivals = []
    candidates = _candidates(inbox.folder)
    present = {path.name for path in candidates}
    inbox.seen = {name: look for name, look in inbox.seen.items() if name in present}
    for path in candidates:
        if _settled(inbox, path, now):
            arrivals.append(_import_one(workspace, inbox, path))
    return arrivals


def _candidates(folder: Path) -> list[Path]:
    """The folder's files, oldest first, but for names of files still on their way."""
    found = []
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith((".", "~$")) or name.lower().endswith(_IN_PROGRESS_SUFFIXES):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                found.append((entry.stat().st_mtime_ns, Path(entry.path)))
        except FileNotFoundError:  # taken away while the folder was being read
            continue
    return [path for _, path in sorted(found)]


def _settled(inbox: Inbox, path: Path, now: float) -> bool:
    try:
        status = path.stat()
    except FileNotFoundError:  # moved away meanwhile
        return False
    look = (status.st_size, status.st_mtime_ns)
    previous = inbox.seen.get(path.name)
    if previous is None or previous[:2] != look:
        inbox.seen[path.name] = (*look, now)
        return False
    return now - previous[2] >= SETTLE_SECONDS


def _import_one(workspace: Workspace, inbox: Inbox, path: Path) -> Arrival:
    inbox.seen.pop(path.name, None)
    try:
        summary = import_files(workspace, [path])
    except ProblemsFound as problems:
        moved = _move(path, inbox.folder / FAILED)
        reason = "\n".join([str(problems), *problems.lines]) + "\n"
        _write_private(moved.with_name(moved.name + ".reason.txt"), reason)
        first = problems.lines[0] if problems.lines else str(problems)  # the rest: in the file
        more = len(problems.lines) - 1
        return Arrival(path.name, moved, None, first + (f" (and {more} more)" if more > 0 else ""))
    return Arrival(path.name, _move(path, inbox.folder / IMPORTED), summary)


def _move(path: Path, folder: Path) -> Path:
    """Move the file into the folder under its own name, or with a number added if taken."""
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    path.rename(target)
    return target


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
