"""What every screen shares: the acting user's workspace, and running service calls off the UI
thread with their failures shown as one clear message (nothing typed is lost: the screen stays)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen

from db import DatabaseError
from triage.errors import UserError
from triage.safe_text import one_line
from triage.workspace import Workspace

if TYPE_CHECKING:
    from screens.app import TriageApp

T = TypeVar("T")
# Failures a person can act on: shown, never a crash. StaleDataError and friends are DatabaseError
# subclasses once translated by db/.
EXPECTED = (UserError, DatabaseError)


class TriageScreen(Screen[None]):
    """A screen of the app, working as the app's acting user."""

    @property
    def triage_app(self) -> TriageApp:
        return cast("TriageApp", self.app)

    @property
    def workspace(self) -> Workspace:
        return self.triage_app.workspace

    def show_failure(self, title: str, failure: BaseException) -> None:
        self.notify(one_line(str(failure)), title=title, severity="error", markup=False, timeout=8)


def call_service(
    screen: Screen[Any],
    title: str,
    work: Callable[[], T],
    done: Callable[[T], None],
    *,
    group: str = "service",
) -> None:
    """Run `work` in a thread; then `done(result)` on the UI thread, or show why it failed."""

    def run() -> None:
        try:
            result = work()
        except EXPECTED as failure:
            screen.app.call_from_thread(_failed, screen, title, failure)
            return
        screen.app.call_from_thread(done, result)

    screen.run_worker(run, thread=True, group=group, exit_on_error=False)


def _failed(screen: Screen[Any], title: str, failure: BaseException) -> None:
    screen.notify(one_line(str(failure)), title=title, severity="error", markup=False, timeout=8)
