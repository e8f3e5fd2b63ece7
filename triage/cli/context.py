"""What every command shares: the global options, the workspace they open, and the way to start
the terminal app (handed in by screens/, which the command line must not import)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import click

from triage.cli import output
from triage.cli.login import password_source
from triage.clock import Clock
from triage.services.auth import (
    PASSWORD_FILE_VARIABLE,
    CannotAsk,
    NotLoggedIn,
    PasswordSource,
    PasswordTyped,
)
from triage.services.workspace import LogIn, Workspace, open_workspace

# The app, opened as a person already logged in, or on its login screen with the way to log in.
OpenUI = Callable[[Workspace | None, LogIn, str], None]


@dataclass
class CliContext:
    database_url: str | None
    user_name: str | None
    demo: bool
    open_ui: OpenUI | None
    clock: Clock
    served: bool = False  # a browser's session of `triage serve`: see run_ui
    _workspace: Workspace | None = field(default=None, init=False)

    def workspace(
        self, passwords: PasswordSource | None = None, *, create: bool = False
    ) -> Workspace:
        """Open the database as the acting user (once), telling them anything they should know;
        the password from `passwords`, else the terminal or TRIAGE_PASSWORD_FILE; with `create`,
        a database file named by --db is created if it is not there."""
        if self._workspace is None:
            if self.demo:
                from triage.demo import DEMO_CLERK, build_demo, demo_database_is_built

                if not demo_database_is_built():  # (--demo with --db is refused earlier)
                    output.info("building the demo database")
                    build_demo(clock=self.clock)
                default_user = DEMO_CLERK
            else:
                default_user = None
            self._workspace = open_workspace(
                self.database_url,
                self.user_name,
                demo=self.demo,
                default_user=default_user,
                clock=self.clock,
                passwords=passwords or password_source(),
                keep_session=not self.served,
                create=create,
            )
            # "triage apply", to name it to anyone its writes keep waiting (db/busy.py). The app
            # logs in from a worker thread, which has no click context: it is plain "triage".
            running = click.get_current_context(silent=True)
            if running is not None:
                self._workspace.database.command = running.command_path
            for notice in self._workspace.notices:
                output.info(notice)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()

    def run_ui(self) -> None:
        """Open the app: at once for the demo, a person with an open session, or a script with
        its password file; otherwise on its login screen."""
        if self.open_ui is None:
            raise click.UsageError("the terminal app is not available from here; run `triage`")
        if self.served:
            # Whoever reaches the server's port logs in as themselves: the server's operator's
            # session, password file and login name are theirs, not the browser's; and no
            # session is kept for the next browser to find.
            self.open_ui(None, self._log_in, "")
            return
        try:
            workspace: Workspace | None = self.workspace(
                passwords=None if os.environ.get(PASSWORD_FILE_VARIABLE) else CannotAsk()
            )
        except NotLoggedIn:
            workspace = None
        self.open_ui(workspace, self._log_in, self.user_name or _login_name())

    def _log_in(self, name: str, password: str, again: str | None) -> Workspace:
        self.user_name = name
        return self.workspace(passwords=PasswordTyped(password, again))


def current() -> CliContext:
    context = click.get_current_context().find_object(CliContext)
    assert context is not None, "commands run inside the triage group"
    return context


def _login_name() -> str:
    """The operating-system login, offered as the user name on the login screen."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
