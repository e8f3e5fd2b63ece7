"""Following changes made on other workstations: a screen on show asks every few seconds
whether the records moved (triage/services/changes.py) and, when they did, refreshes itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.worker import Worker

from screens.base import EXPECTED
from triage.services.changes import ChangeToken, change_token, is_newer, latest
from triage.services.workspace import Workspace

POLL_SECONDS = 2.0  # a decision elsewhere shows within this long; each look is two key lookups


def follow_changes(
    screen: Screen[Any],
    workspace: Callable[[], Workspace],
    changed: Callable[[], None],
    busy: Callable[[], bool],
) -> Callable[[ChangeToken], None]:
    """Call `changed` on the UI thread when the records change while `screen` is on show (a
    screen under a dialog or behind another waits: it reloads when it is shown again anyway).
    Returns what the screen calls with the token its own reload read, so that the changes it
    has already shown (its own decision, say) do not read it all again. While `busy` (saving, or
    reading a page that will say where it stands), a look's news is set aside: it may be the
    screen's own change, and the next look after the page is shown tells the rest."""
    last: list[ChangeToken] = []
    looking: list[Worker[None]] = []  # one look at a time: a slow database is not queued up

    def look() -> None:
        try:
            token = change_token(workspace())
        except EXPECTED:
            return  # busy or unreachable for a moment: the next look tries again, unannounced
        screen.app.call_from_thread(seen, token)

    def seen(token: ChangeToken) -> None:
        if busy():
            return
        moved = bool(last) and is_newer(token, last[0])
        shown(token)
        if moved and screen.is_current:
            changed()

    def shown(token: ChangeToken) -> None:
        # The later of the two: a look that began before the screen's own reload can end after
        # it, and its older token must neither reload the screen nor be taken as where it stands.
        last[:] = [latest(last[0], token) if last else token]

    def poll() -> None:
        if screen.is_current and not (looking and not looking[0].is_finished):
            looking[:] = [
                screen.run_worker(look, thread=True, group="changes", exit_on_error=False)
            ]

    screen.set_interval(POLL_SECONDS, poll)
    return shown
