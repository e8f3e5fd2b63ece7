"""The inbox folder, watched from the app as `triage watch` watches it: each file that lands is
imported as it settles, moved to imported/ or failed/, and the queue shows it at once. The
watching goes on whichever screen is shown, until it is stopped or the app closes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import Worker

from screens.base import EXPECTED, failure_text, tell
from triage.paths import expand_user
from triage.services.inbox import FAILED, Arrival, watch_inbox

if TYPE_CHECKING:
    from screens.app import TriageApp


class InboxWatch:
    """One folder watched in a thread worker of the app; stopped by setting its event."""

    def __init__(self, app: TriageApp) -> None:
        self._app = app
        self.folder: Path | None = None
        self._stop = threading.Event()
        self._worker: Worker[None] | None = None
        # What the folder box offers first: the folder last watched, or the practice's own.
        self.suggested = os.environ.get("TRIAGE_INBOX", "")

    def start(self, typed: str) -> None:
        app = self._app
        try:
            folder = expand_user(Path(typed))
        except EXPECTED as problem:
            tell(app.screen, failure_text(problem), title="Not watching", failed=True)
            return
        if not folder.is_dir():
            tell(app.screen, f"{folder} is not a folder", title="Not watching", failed=True)
            return
        self.stop()
        self.folder, self.suggested = folder, typed
        self._stop = threading.Event()
        workspace, stop = app.workspace, self._stop

        def run() -> None:
            try:
                watch_inbox(workspace, folder, self._report, stop)
            except EXPECTED as failure:  # e.g. a manager, who does not import
                app.call_from_thread(self._failed, failure_text(failure))

        self._worker = app.run_worker(run, thread=True, group="inbox", exit_on_error=False)
        app.show_who()
        tell(app.screen, f"Watching {folder}: each file that lands there is imported.")

    def stop(self) -> None:
        """Stop watching (the worker ends within a second); nothing half-imported is left."""
        if self.folder is None:
            return
        self._stop.set()
        self.folder = None
        self._app.show_who()

    def _report(self, arrivals: list[Arrival]) -> None:
        if arrivals:
            self._app.call_from_thread(self._arrived, arrivals)

    def _arrived(self, arrivals: list[Arrival]) -> None:
        screen = self._app.screen
        for arrival in arrivals:
            if arrival.summary is None:
                tell(
                    screen,
                    f"{arrival.name}: not imported: {arrival.problem} (why: in "
                    f"{FAILED}/{arrival.moved_to.name}.reason.txt)",
                    title="Inbox",
                    failed=True,
                )
            else:
                summary = arrival.summary
                tell(
                    screen,
                    f"{arrival.name}: {summary.added} imported, {summary.already_present} "
                    "already here",
                    title="Inbox",
                )
        self._app.requests_arrived.publish(len(arrivals))

    def _failed(self, why: str) -> None:
        self.folder = None
        self._app.show_who()
        tell(self._app.screen, why, title="Stopped watching the inbox", failed=True)
