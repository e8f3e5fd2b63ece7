"""The login screen: who you are and your password, before the app shows anything (the app's
side of services/auth.py). A person without a password yet chooses one here, typing it twice.

It is the first screen of the app itself (`AppBehindLogin`), not an app before it: in a browser
(`triage serve`) a session is one app, and textual-serve ends the session when that app exits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from screens.app import TriageApp
from screens.widgets.footer import TriageFooter
from triage.errors import DatabaseError, UserError
from triage.safe_text import one_line
from triage.services.auth import NewPasswordNeeded
from triage.services.workspace import LogIn, Workspace

LOGIN_MODE = "login"
# The app's own actions a person may take before logging in: leaving, and moving between boxes.
# Everything else (the screens' keys, help, the command palette) waits for a login.
_BEFORE_LOGIN = frozenset({"quit", "help_quit", "focus_next", "focus_previous"})


class LoginScreen(Screen[None]):
    """Asks for a user name and password until they are right (or the person quits), then hands
    the workspace of the person who logged in to `logged_in`."""

    SUB_TITLE = "Log in"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit")]
    AUTO_FOCUS = "#password"

    def __init__(self, log_in: LogIn, name: str, logged_in: Callable[[Workspace], Any]) -> None:
        super().__init__()
        self._log_in, self._name, self._logged_in = log_in, name, logged_in

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog login"):
            yield Label(Text("Log in to shared-care triage"), classes="dialog-title")
            yield Label("User name")
            yield Input(value=self._name, id="name", placeholder="your user name")
            yield Label("Password")
            yield Input(password=True, id="password")
            yield Label("The same password again", id="again-label")
            yield Input(password=True, id="again")
            yield Static(id="problem", classes="problem")
            yield Button("Log in", id="ok", variant="primary")
        yield TriageFooter()

    def on_mount(self) -> None:
        self._asking_twice(False)
        if not self._name:
            self.query_one("#name", Input).focus()

    def _asking_twice(self, twice: bool) -> None:
        for widget in ("#again-label", "#again"):
            self.query_one(widget).display = twice

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        password = self.query_one("#password", Input).value
        again_box = self.query_one("#again", Input)
        again = again_box.value if again_box.display else None
        if not name or not password:
            self._say("Type your user name and password.")
            return
        self._say("Logging in…")
        self._attempt(name, password, again)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _attempt(self, name: str, password: str, again: str | None) -> None:
        try:
            workspace = self._log_in(name, password, again)
        except NewPasswordNeeded as first_use:
            self.app.call_from_thread(self._choose, str(first_use))
        except (UserError, DatabaseError) as refused:
            self.app.call_from_thread(self._refused, str(refused))
        except Exception:  # a bug: the app reports it (TriageApp._worker_failed), not "Logging in…"
            self.app.call_from_thread(self._refused, "Could not log in: an internal error.")
            raise
        else:
            self.app.call_from_thread(self._logged_in, workspace)

    def _choose(self, message: str) -> None:
        self._asking_twice(True)
        self.query_one("#again", Input).focus()
        self._say(message)

    def _refused(self, message: str) -> None:
        password = self.query_one("#password", Input)
        password.value = ""
        self.query_one("#again", Input).value = ""
        password.focus()
        self._say(message)

    def _say(self, message: str) -> None:
        self.query_one("#problem", Static).update(Text(one_line(message)))


class AppBehindLogin(TriageApp):
    """The app opened before anyone has logged in: its login screen is all there is until a
    person logs in; then the app's screens are added, and the login screen (with the boxes that
    held the password) goes."""

    DEFAULT_MODE = LOGIN_MODE
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {}

    def __init__(self, log_in: LogIn, name: str) -> None:
        super().__init__(None)
        self.add_mode(LOGIN_MODE, lambda: LoginScreen(log_in, name, self._logged_in))

    @property
    def logged_in(self) -> bool:
        return self.current_mode != LOGIN_MODE

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.logged_in:
            return action in _BEFORE_LOGIN
        return super().check_action(action, parameters)

    def _logged_in(self, workspace: Workspace) -> None:
        self.workspace = workspace
        for mode, screen in TriageApp.MODES.items():
            self.add_mode(mode, screen)
        self.switch_mode(TriageApp.DEFAULT_MODE)
        self.remove_mode(LOGIN_MODE)
        self.show_who()
