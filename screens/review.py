"""GP review: the requests waiting for a GP, each with why it was sent (a person's note, or the
policy's reason), for the GP to decide with a note. Above the request, the side pane shows every
note on it in full, wrapped, with who wrote it and when."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import DataTable, Static

from screens.base import call_service
from screens.queue import Page, PageAt, QueueScreen
from screens.widgets.queue_rows import COLUMNS, Columns
from screens.widgets.request_detail import notes_text
from triage.models import Assessed, QueueQuery, Request, Status
from triage.rules import Permission
from triage.safe_text import one_line
from triage.services.history import HistoryEntry, request_notes
from triage.services.queue import why_flagged

# Why each request waits for a GP, instead of the date received, the suggestion and the flags.
REVIEW_COLUMNS: Columns = (
    ("Age", 4),
    ("Ref", 11),
    ("Patient", 12),
    ("Category", 11),
    ("Why a GP", 30),
)


class ReviewScreen(QueueScreen):
    """The queue narrowed to what waits for a GP."""

    HELP = (
        "The requests waiting for a GP, oldest first, each with why it was sent: the note of "
        "whoever sent it, or the reason the policy gave. The pane on the right shows every note "
        "on the request in full, with who wrote it and when, then the request itself. a "
        "confirms the suggestion with your note, o decides otherwise with a note, Enter opens "
        "the request with its letters and history. / searches by ref, name or NHS number; the "
        "boxes above the table filter by category, suggestion and flag."
    )
    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {
        **QueueScreen.PERMISSIONS,
        "accept": Permission.REVIEW,
        "override": Permission.REVIEW,
    }
    SCREEN_TITLE = "GP review"
    STATUSES = (Status.AWAITING_GP,)
    COLUMNS = REVIEW_COLUMNS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # For deciding what waits for a GP: importing, applying the policy to the open queue,
        # sending to a GP and typing a letter's missing details belong to the queue.
        if action in ("import_files", "watch_inbox", "apply_policy", "flag", "details"):
            return False
        return super().check_action(action, parameters)

    def status_filter(self) -> Iterator[Widget]:
        return iter(())  # every request here waits for a GP

    def read_page(self, query: QueueQuery, at: PageAt) -> Page:
        page, _ = super().read_page(query, at)
        return page, why_flagged(self.workspace, [item.request.id for item in page.items])

    def row(self, item: Assessed[Request], today: date, beside: str) -> tuple[Text, ...]:
        cells = dict(
            zip((label for label, _ in COLUMNS), super().row(item, today, beside), strict=True)
        )
        age_ref_patient_category = [cells[label] for label in ("Age", "Ref", "Patient", "Category")]
        policy_why = item.suggestion.explanation if item.suggestion else ""
        return (*age_ref_patient_category, Text(one_line(beside or policy_why)))

    def on_mount(self) -> None:
        # Above the request in the side pane: every note on it, whole.
        self.query_one("#detail-pane").mount(Static(id="notes"), before=0)

    def _show(self, loaded: Page) -> None:
        super()._show(loaded)
        self._read_notes(self.highlighted_item())

    @on(DataTable.RowHighlighted, "#queue")
    def _notes_follow(self) -> None:
        self._read_notes(self.highlighted_item())

    def _read_notes(self, item: Assessed[Request] | None) -> None:
        self.query_one("#notes", Static).update(Text(""))
        if item is None:
            return
        request_id = item.request.id
        call_service(
            self,
            "Could not read the notes",
            lambda: (request_id, request_notes(self.workspace, request_id)),
            self._show_notes,
            group="notes",
            exclusive=True,
        )

    def _show_notes(self, read: tuple[int, list[HistoryEntry]]) -> None:
        request_id, notes = read
        item = self.highlighted_item()
        if item is not None and item.request.id == request_id:
            self.query_one("#notes", Static).update(notes_text(notes) + Text("\n"))
