"""The Textual application: the frame every screen lives in, the keys that reach every screen,
the command palette's actions, and (in the demo) acting as the demo's clerk, GP or manager."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from screens.base import EXPECTED, TriageScreen
from screens.caseload import CaseloadScreen
from screens.dialogs import ChoiceDialog, ConfirmDialog, InputDialog
from screens.help import HelpScreen
from screens.inbox import InboxWatch
from screens.log import LogScreen
from screens.policy import PolicyScreen
from screens.queue import QueueScreen
from screens.review import ReviewScreen
from screens.stats import StatsScreen
from screens.widgets.queue_rows import NARROW_BELOW
from triage.crash import write_crash_report
from triage.models import User
from triage.safe_text import one_line
from triage.services.workspace import Workspace, switch_user, user_names

# The screens: the key that opens each, its name and what it is for (keys, F1 and the palette).
_SCREENS = (
    ("f2", "queue", "Queue", "The requests to deal with"),
    ("f3", "review", "GP review", "Requests waiting for a GP"),
    ("f4", "log", "Decision log", "Every decision; exports and the report"),
    ("f5", "policy", "Policy", "The policy in force; simulate another"),
    ("f6", "stats", "Statistics", "Decisions per category and action (managers)"),
    ("f7", "caseload", "Existing patients", "Hand existing patients back with notice"),
)


class TriageApp(App[None]):
    """Shared-care triage, for the clerk working the queue, the GP and the practice manager."""

    TITLE = "Shared-care triage"
    CSS_PATH = "triage.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "queue": QueueScreen,
        "review": ReviewScreen,
        "log": LogScreen,
        "policy": PolicyScreen,
        "stats": StatsScreen,
        "caseload": CaseloadScreen,
    }
    DEFAULT_MODE = "queue"
    # Every screen (dialogs too) has -narrow below 100 columns and -short below 32 rows, so
    # triage.tcss can fit it to an 80x24 terminal.
    # (Not ClassVar: Textual's annotation, which mypy says this may not change.)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", tooltip="What this screen is for, its keys"),
        *(
            Binding(key, f"switch_mode('{mode}')", title, show=False, tooltip=about)
            for key, mode, title, about in _SCREENS
        ),
        Binding(
            "f9", "switch_user", "Switch user", tooltip="Act as the demo's clerk, GP or manager"
        ),
        Binding("q", "quit", "Quit", tooltip="Close the app (everything decided is saved)"),
    ]

    def __init__(self, workspace: Workspace | None) -> None:
        """`workspace`: the person logged in; None only until someone logs in (AppBehindLogin)."""
        super().__init__()
        self._workspace = workspace
        # Published with the new user when the demo acts as someone else; every screen follows.
        self.user_changed: Signal[User] = Signal(self, "user-changed")
        # Published when files from the inbox folder were imported; the queue shows them.
        self.requests_arrived: Signal[int] = Signal(self, "requests-arrived")
        self.inbox = InboxWatch(self)

    @property
    def workspace(self) -> Workspace:
        """Whom every screen acts as. No screen that acts is shown before someone logs in."""
        if self._workspace is None:
            raise LookupError("no one has logged in yet")
        return self._workspace

    @workspace.setter
    def workspace(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def on_mount(self) -> None:
        if self._workspace is not None:  # else once someone logs in
            self.show_who()

    def on_unmount(self) -> None:
        self.inbox.stop()  # however the app closes, the watcher's thread ends with it

    def show_who(self) -> None:
        user = self.workspace.user
        who = one_line(user.full_name or user.name)
        place = (
            "demo data" if self.workspace.demo else one_line(self.workspace.database.display_url)
        )
        watching = f" · watching {one_line(str(self.inbox.folder))}" if self.inbox.folder else ""
        self.sub_title = f"{who} ({user.role.value}) · {place}{watching}"

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in background work: say so and keep a report, rather than fail silently.
        (Failures a person can act on are caught where they happen and shown as messages.)"""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            report = write_crash_report(event.worker.error)
            where = f" Details are in {report}." if report else ""
            self.notify(
                f"Something went wrong ({type(event.worker.error).__name__}).{where} "
                "Nothing was half-saved; please report it.",
                title="Internal error",
                severity="error",
                markup=False,
                timeout=15,
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_user":
            return self.workspace.demo  # only the demo has several people at one keyboard
        return True

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_switch_user(self) -> None:
        screen = self.screen
        if not isinstance(screen, TriageScreen):
            return  # a dialog is open
        try:
            names = user_names(self.workspace)
        except EXPECTED as failure:
            screen.show_failure("Could not list the users", failure)
            return
        choices = [(name, f"{name} ({role})") for name, role in names]

        def chosen(name: str | None) -> None:
            if name is None:
                return
            try:
                self.workspace = switch_user(self.workspace, name)
            except EXPECTED as failure:
                screen.show_failure("Not switched", failure)
                return
            self.inbox.stop()  # files are imported as the person who chose to watch the folder
            self.show_who()
            screen.tell(f"You are now {name}.")
            self.user_changed.publish(self.workspace.user)

        self.push_screen(ChoiceDialog("Act as", choices), chosen)

    def action_watch_inbox(self) -> None:
        """Start watching the inbox folder, or stop."""
        folder = self.inbox.folder
        if folder is not None:
            question = f"Stop watching {folder}? Files that land there wait until it is watched."
            self.push_screen(
                ConfirmDialog(question), lambda yes: self.inbox.stop() if yes else None
            )
            return
        title = "Watch which folder? Each file that lands there is imported, then moved."
        self.push_screen(
            InputDialog(title, self.inbox.suggested),
            lambda typed: self.inbox.start(typed) if typed else None,
        )

    async def action_quit(self) -> None:
        self.inbox.stop()  # the watcher's thread ends within a second
        await super().action_quit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for _, mode, title, about in _SCREENS:
            yield SystemCommand(title, about, partial(self.switch_mode, mode))
        if self.workspace.demo:
            yield SystemCommand(
                "Switch user", "Act as the demo's clerk, GP or manager", self.action_switch_user
            )
        # The screen's own actions, by name, so nothing needs a key to be remembered; one the
        # user may not take says who may, as its key does.
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or active.node is not screen:
                continue
            refused = screen.refused(binding.action) if isinstance(screen, TriageScreen) else None
            if refused and isinstance(screen, TriageScreen):
                yield SystemCommand(
                    binding.description,
                    f"Not yours: {refused.split(';')[0]}",
                    partial(screen.say_who_may, refused),
                )
                continue
            yield SystemCommand(
                binding.description,
                binding.tooltip or binding.description,
                lambda action=binding.action: self.run_action(action, screen),
            )
