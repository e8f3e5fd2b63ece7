"""GP review: the requests waiting for a GP, each with why it was sent (a person's note, or the
policy's reason), for the GP to decide with a note."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from rich.text import Text
from textual.widget import Widget

from screens.queue import Page, QueueScreen
from screens.widgets.queue_rows import COLUMNS, Columns
from triage.models import Assessed, QueueQuery, Request, Status
from triage.safe_text import one_line
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
        "whoever sent it, or the reason the policy gave. The pane on the right shows the "
        "request in full. a confirms the suggestion with your note, o decides otherwise with a "
        "note, Enter opens the request with its letters. / searches by ref, name or NHS number; "
        "the boxes above the table filter by category, suggestion and flag."
    )
    SCREEN_TITLE = "GP review"
    STATUSES = (Status.AWAITING_GP,)
    COLUMNS = REVIEW_COLUMNS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # For deciding what waits for a GP: importing, applying the policy to the open queue and
        # sending to a GP belong to the queue.
        return action not in ("import_files", "apply_policy", "flag")

    def status_filter(self) -> Iterator[Widget]:
        return iter(())  # every request here waits for a GP

    def read_page(self, query: QueueQuery, offset: int) -> Page:
        page, _ = super().read_page(query, offset)
        return page, why_flagged(self.workspace, [item.request.id for item in page.items])

    def row(self, item: Assessed[Request], today: date, beside: str) -> tuple[Text, ...]:
        cells = dict(
            zip((label for label, _ in COLUMNS), super().row(item, today, beside), strict=True)
        )
        age_ref_patient_category = [cells[label] for label in ("Age", "Ref", "Patient", "Category")]
        policy_why = item.suggestion.explanation if item.suggestion else ""
        return (*age_ref_patient_category, Text(one_line(beside or policy_why)))
