"""The queue screen: the requests waiting to be dealt with, oldest first."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from db import DatabaseError
from screens.widgets.request_detail import RequestDetail
from triage.clock import practice_date
from triage.errors import UserError
from triage.models import Status
from triage.presentation import ACTION_LABELS, SHORT_FLAG, short_category
from triage.queue import QueueItem, QueuePage, queue_page
from triage.safe_text import one_line
from triage.workspace import Workspace

# Rows shown at once; the queue is worked oldest first, so the head of it is what matters.
PAGE_SIZE = 500
STATUS_LABELS = {Status.OPEN: "open", Status.AWAITING_GP: "awaiting GP", Status.DECIDED: "decided"}
# Short rows keep the table fast (textual.md §2); the side pane shows everything in full.
COLUMNS = (
    ("Received", 10),
    ("Ref", 11),
    ("Patient", 13),
    ("Category", 11),
    ("Suggests", 9),
    ("Flags", 12),
)


class QueueScreen(Screen[None]):
    """The open requests, oldest first, with the highlighted one shown as received."""

    HELP = "The requests waiting to be dealt with, oldest first. Move with j/k or the arrows."
    BINDINGS = [  # noqa: RUF012 (Textual's declared class attribute)
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("r", "reload", "Reload", tooltip="Read the queue again from the database"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self._items: dict[str, QueueItem] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="detail-pane"):
                yield RequestDetail(id="detail")
        yield Static(id="counts")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.query_one(RequestDetail).show(None)
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#counts", Static).update(Text("Loading the queue…"))
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        try:
            page = queue_page(self.workspace, [Status.OPEN, Status.AWAITING_GP], limit=PAGE_SIZE)
        except (UserError, DatabaseError) as failure:
            self.app.call_from_thread(self._failed, str(failure))
            return
        self.app.call_from_thread(self._show, page)

    def _failed(self, message: str) -> None:
        self.query_one("#counts", Static).update(Text(one_line(message)))
        self.notify(
            one_line(message), title="Could not load the queue", severity="error", markup=False
        )

    def _show(self, page: QueuePage) -> None:
        table = self.query_one("#queue", DataTable)
        was_on = self._highlighted_key(table)
        table.clear()
        self._items = {str(item.request.id): item for item in page.items}
        for key, item in self._items.items():
            table.add_row(*_cells(item), key=key)
        if was_on in self._items:  # a reload keeps the clerk's place
            table.move_cursor(row=table.get_row_index(was_on))
        counts = " · ".join(
            f"{page.counts[status]} {label}" for status, label in STATUS_LABELS.items()
        )
        shown = (
            f"showing the oldest {len(page.requests)} of {page.total} · "
            if len(page.requests) < page.total
            else ""
        )
        policy = f" · suggestions: {page.policy}" if page.policy else " · no policy in force"
        self.query_one("#counts", Static).update(Text(shown + counts + policy))
        table.focus()
        self.query_one(RequestDetail).show(self._items.get(self._highlighted_key(table) or ""))

    @staticmethod
    def _highlighted_key(table: DataTable[Text]) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        self.query_one(RequestDetail).show(self._items.get(key) if key else None)

    def action_cursor_down(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()


def _cells(item: QueueItem) -> tuple[Text, ...]:
    request = item.request
    values = (
        practice_date(request.received).isoformat(),
        request.ref,
        request.patient.name or "(not given)",
        short_category(item.findings.classification),
        ACTION_LABELS[item.suggestion.action] if item.suggestion else "-",
        ", ".join(SHORT_FLAG[flag] for flag in item.flags),
    )
    return tuple(Text(one_line(value)) for value in values)
