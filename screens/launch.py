"""The `triage` console script. It lives here, above the command line, so that the command line
can start the terminal app without importing screens/ (nothing may import screens)."""

from __future__ import annotations

from triage.cli import main as cli_main
from triage.services.workspace import Workspace


def main() -> None:
    cli_main(open_ui=open_app)


def open_app(workspace: Workspace) -> None:
    from screens.app import TriageApp  # Textual is only imported when the app opens

    TriageApp(workspace).run()
