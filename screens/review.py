"""GP review: the requests waiting for a GP, each with why it was sent (a person's note, or the
policy's reason), for the GP to decide with a note. Above the request, the side pane shows every
note on it in full, wrapped, with who wrote it and when."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from screens.queue import Page, PageAt, QueueScreen
from screens.widgets.queue_rows import COLUMNS, Columns
from screens.widgets.request_detail import notes_text
from triage.models import Assessed, QueueQuery, Request, Status
from triage.rules import Permission
from triage.safe_text import one_line
from triage.services.history import HistoryEntry, request_notes
from triage.services.safe_working import safe_working_today

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

    def __init__(self) -> None:
        super().__init__()
        self._notes: dict[int, list[HistoryEntry]] = {}  # the page's, by request id

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
        return page, request_notes(self.workspace, [item.request.id for item in page.items])

    def row(
        self, item: Assessed[Request], today: date, notes: list[HistoryEntry]
    ) -> tuple[Text, ...]:
        cells = dict(
            zip((label for label, _ in COLUMNS), super().row(item, today, notes), strict=True)
        )
        age_ref_patient_category = [cells[label] for label in ("Age", "Ref", "Patient", "Category")]
        sent_with = [entry.note for entry in notes if entry.sent_to_gp and entry.note]
        policy_why = item.suggestion.explanation if item.suggestion else ""
        return (
            *age_ref_patient_category,
            Text(one_line(sent_with[-1] if sent_with else policy_why)),
        )

    def on_mount(self) -> None:
        # Above the request in the side pane: every note on it, whole.
        self.query_one("#detail-pane").mount(Static(id="notes"), before=0)

    def _show(self, loaded: Page) -> None:
        self._notes = loaded[1]
        super()._show(loaded)

    def notices(self) -> list[Text]:
        """The GP's decisions today against the policy's safe-working limit (first: at 80
        columns the rest may be cut), past it in reverse and in words; then the queue's."""
        load = safe_working_today(self.workspace)
        if load is None:
            return super().notices()
        return [Text(str(load), style="bold reverse" if load.reached else ""), *super().notices()]

    def show_highlighted(self) -> None:
        """The highlighted request's notes, read with its page (moving reads nothing), above
        the request itself."""
        super().show_highlighted()
        item = self.highlighted_item()
        notes = self._notes.get(item.request.id, []) if item is not None else []
        self.query_one("#notes", Static).update(notes_text(notes) + Text("\n") if notes else "")
