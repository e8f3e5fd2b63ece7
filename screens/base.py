"""What every screen shares: the acting user's workspace, and running service calls off the UI
thread with their failures shown as one clear message (nothing typed is lost: the screen stays)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import on
from textual.events import Key, Mount, ScreenResume
from textual.screen import Screen
from textual.widgets import ProgressBar
from textual.worker import get_current_worker

from triage.errors import DatabaseError, ProblemsFound, UserError
from triage.models import User
from triage.rules import Permission, may, refusal
from triage.safe_text import one_line
from triage.services.workspace import Workspace

if TYPE_CHECKING:
    from screens.app import TriageApp

T = TypeVar("T")
# Failures a person can act on: shown, never a crash. StaleDataError and friends are DatabaseError
# subclasses once translated by db/.
EXPECTED = (UserError, DatabaseError)
PROBLEMS_SHOWN = 3  # of an import's problems, in its failure message


class TriageScreen(Screen[None]):
    """A screen of the app, working as the app's acting user."""

    # The permission each of the screen's actions needs. Whoever lacks it sees the key greyed in
    # the footer (and marked in F1), and pressing it says who may, before any dialog opens. The
    # service checks again whatever the screen shows.
    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if self.refused(action) else True

    def refused(self, action: str) -> str | None:
        """Why the acting user may not run the action, or None when they may."""
        permission = self.PERMISSIONS.get(action)
        if permission is None or may(self.workspace.user, permission):
            return None
        return refusal(self.workspace.user, permission)

    @on(Key)
    def _say_who_may(self, event: Key) -> None:
        """A greyed key pressed anyway: say who may (Textual runs no action for it)."""
        for active in self.active_bindings.values():
            if active.binding.key == event.key and active.node is self and not active.enabled:
                why = self.refused(active.binding.action)
                if why:
                    self.say_who_may(why)
                    event.stop()
                return

    def say_who_may(self, refused: str) -> None:
        self.tell(refused[0].upper() + refused[1:], title="Not yours to do", failed=True)

    @property
    def triage_app(self) -> TriageApp:
        return cast("TriageApp", self.app)

    @property
    def workspace(self) -> Workspace:
        return self.triage_app.workspace

    def tell(self, message: str, *, title: str = "", failed: bool = False) -> None:
        tell(self, message, title=title, failed=failed)

    @on(Mount)
    def _follow_the_user(self) -> None:
        self.triage_app.user_changed.subscribe(self, self.user_changed)

    def user_changed(self, user: User) -> None:
        """The app now acts as someone else: show what they may see and do. A screen not on
        show reloads itself when it is shown again."""
        self.refresh_bindings()  # what the footer greys is the new user's
        if self.is_current:
            self.post_message(ScreenResume())  # each screen reloads itself when resumed

    def show_failure(self, title: str, failure: BaseException) -> None:
        tell(self, failure_text(failure), title=title, failed=True)


def tell(screen: Screen[Any], message: str, *, title: str = "", failed: bool = False) -> None:
    """A notification whose words may quote a request (a ref, a name): made literal and on one
    line, since neither markup=False nor Textual removes escape sequences."""
    screen.notify(
        one_line(message),
        title=one_line(title),
        severity="error" if failed else "information",
        markup=False,
        timeout=8 if failed else 5,
    )


def failure_text(failure: BaseException) -> str:
    """Why something failed; an import's problems are named too, the first few of them."""
    text = str(failure)
    if isinstance(failure, ProblemsFound) and failure.lines:
        more = len(failure.lines) - PROBLEMS_SHOWN
        text += ". " + "; ".join(failure.lines[:PROBLEMS_SHOWN])
        text += f"; and {more} more" if more > 0 else ""
    return text


def call_service(
    screen: Screen[Any],
    title: str,
    work: Callable[[], T],
    done: Callable[[T], None],
    *,
    group: str = "service",
    exclusive: bool = False,
    failed: Callable[[], None] | None = None,
) -> None:
    """Run `work` in a thread; then `done(result)` on the UI thread, or show why it failed (and
    call `failed`, e.g. to hide a progress bar). This is the screens' one way to run work off the
    UI thread. `exclusive` cancels the group's earlier run: a reload replaces the one before it,
    and a replaced run's result is never shown. `work` may ask `get_current_worker().is_cancelled`
    to stop early."""

    def run() -> None:
        try:
            result = work()
        except EXPECTED as failure:
            text = failure_text(failure)
            screen.app.call_from_thread(tell, screen, text, title=title, failed=True)
            if failed is not None:
                screen.app.call_from_thread(failed)
            return
        if not get_current_worker().is_cancelled:
            screen.app.call_from_thread(done, result)

    screen.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def progress_bar(screen: Screen[Any], bar: ProgressBar) -> Callable[[int, int], None]:
    """A progress callback for work in a thread that moves `bar` (a total of 0: not known)."""
    bar.display = True
    bar.update(total=None, progress=0)

    def update(done: int, total: int) -> None:
        screen.app.call_from_thread(bar.update, total=total or None, progress=done)

    return update
