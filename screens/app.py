"""The Textual application: the frame every screen lives in."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from screens.queue import QueueScreen
from triage.safe_text import one_line
from triage.workspace import Workspace


class TriageApp(App[None]):
    """Shared-care triage, for the clerk working the queue, the GP and the practice manager."""

    TITLE = "Shared-care triage"
    CSS_PATH = "triage.tcss"
    BINDINGS = [  # noqa: RUF012 (Textual's declared class attribute)
        Binding("f1", "show_help_panel", "Keys", tooltip="Show the keys for this screen"),
        Binding("q", "quit", "Quit", tooltip="Close the app (everything decided is saved)"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        user = self.workspace.user
        who = one_line(user.full_name or user.name)
        place = (
            "demo data" if self.workspace.demo else one_line(self.workspace.database.display_url)
        )
        self.sub_title = f"{who} ({user.role.value}) · {place}"
        self.push_screen(QueueScreen(self.workspace))
