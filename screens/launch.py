"""The `triage` console script. It lives here, above the command line, so that the command line
can start the terminal app without importing screens/ (nothing may import screens)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage.services.workspace import LogIn, Workspace


def main() -> None:
    try:
        # Loading the program takes a moment on a busy machine; Ctrl+C may come before the
        # command line can answer it, and must still end in its one line, not a traceback.
        from triage.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("triage: error: interrupted; anything not yet saved was not saved\n")
        sys.exit(130)  # as the command line's own EXIT_INTERRUPTED
    cli_main(open_ui=open_app)


def open_app(workspace: Workspace | None, log_in: LogIn, name: str) -> None:
    """The app for whoever is logged in; first the login screen, when no one is."""
    from screens.app import TriageApp  # Textual is only imported when the app opens
    from screens.login import AppBehindLogin

    if workspace is None:
        AppBehindLogin(log_in, name).run()
    else:
        TriageApp(workspace).run()
