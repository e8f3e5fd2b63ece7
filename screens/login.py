"""The login screen: who you are and your password, before the app shows anything (the app's
side of services/auth.py). A person without a password yet chooses one here, typing it twice."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from triage.errors import DatabaseError, UserError
from triage.safe_text import one_line
from triage.services.auth import NewPasswordNeeded
from triage.services.workspace import LogIn, Workspace


class LoginApp(App[Workspace | None]):
    """Asks for a user name and password until they are right (or the person quits); its
    result is the workspace of the person who logged in."""

    TITLE = "Shared-care triage"
    SUB_TITLE = "Log in"
    CSS_PATH = "triage.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "quit", "Quit")]
    AUTO_FOCUS = "#password"

    def __init__(self, log_in: LogIn, name: str) -> None:
        super().__init__()
        self._log_in, self._name = log_in, name

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
        yield Footer()

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
            self.call_from_thread(self._choose, str(first_use))
        except (UserError, DatabaseError) as refused:
            self.call_from_thread(self._refused, str(refused))
        else:
            self.call_from_thread(self.exit, workspace)

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
