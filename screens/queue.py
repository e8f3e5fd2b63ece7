"""The queue: requests to deal with, a page at a time, with filters, search and sort.

The same screen is the GP's review list (only the requests waiting for a GP, with why each was
sent). Only one page of rows is read and shown, so 100,000 open requests open as fast as 100.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from screens.base import EXPECTED, TriageScreen, call_service, progress_bar
from screens.deciding import DecisionFlow
from screens.dialogs import ConfirmDialog, InputDialog
from screens.request import RequestScreen
from screens.widgets.request_detail import RequestDetail
from triage.clock import practice_date
from triage.errors import UserError
from triage.models import Action, Category, Flag, QueueQuery, QueueSort, Status
from triage.paths import expand_user
from triage.presentation import ACTION_LABELS, SHORT_FLAG, STATUS_LABELS, short_category
from triage.safe_text import one_line
from triage.services.deciding import Applied, apply_policy
from triage.services.importing import import_files
from triage.services.queue import QueueItem, QueuePage, queue_page, refresh_assessments, why_flagged

PAGE_SIZE = 200
ASSESS_AFTER_SECONDS = 0.5  # start refreshing the stored assessments this long after a load
_STATUS_CHOICES = {
    "waiting": ((Status.OPEN, Status.AWAITING_GP), "not decided"),
    "open": ((Status.OPEN,), "open"),
    "awaiting_gp": ((Status.AWAITING_GP,), "awaiting GP"),
    "decided": ((Status.DECIDED,), "decided"),
}
_SORT_LABELS = {
    QueueSort.OLDEST: "oldest first",
    QueueSort.NEWEST: "newest first",
    QueueSort.PATIENT: "by patient",
    QueueSort.REF: "by ref",
}
# Short rows keep the table fast (docs/architecture.md §4); the side pane shows everything in full.
COLUMNS = (
    ("Received", 10),
    ("Age", 4),
    ("Ref", 11),
    ("Patient", 12),
    ("Category", 11),
    ("Suggests", 9),
    ("Flags", 11),
)
# The GP's list: why each request waits for them, instead of the date, suggestion and flags.
REVIEW_COLUMNS = (("Age", 4), ("Ref", 11), ("Patient", 12), ("Category", 11), ("Why a GP", 30))


class QueueScreen(TriageScreen, DecisionFlow):
    """The open requests, oldest first, with the highlighted one shown as received."""

    HELP = (
        "The requests to deal with, oldest first. Move with j/k or the arrows; Enter opens one. "
        "a accepts the suggestion (the letters are drafted and recorded), o decides otherwise "
        "with a reason, f sends it to a GP with a note. / searches by ref, name or NHS number; "
        "the boxes above the table filter by status, category, suggestion and flag."
    )
    BINDINGS = [  # noqa: RUF012 (Textual's declared class attribute)
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "open", "Open", tooltip="Open the request: letters, evidence, decide"),
        Binding("a", "accept", "Accept", tooltip="Record the policy's suggestion, with letters"),
        Binding("o", "override", "Override", tooltip="Decide otherwise, with a reason"),
        Binding("f", "flag", "To GP", tooltip="Send the request to a GP, with a note"),
        Binding("slash", "search", "Search", tooltip="Search by ref, patient name or NHS number"),
        Binding("s", "sort", "Sort", tooltip="Change the order"),
        Binding(
            "right_square_bracket", "page(1)", "Next page", show=False, tooltip="The next page"
        ),
        Binding(
            "left_square_bracket", "page(-1)", "Prev page", show=False, tooltip="Previous page"
        ),
        Binding("r", "reload", "Reload", show=False, tooltip="Read the queue again"),
        Binding("i", "import_files", "Import", tooltip="Import request files (CSV, JSON, FHIR)"),
        Binding("A", "apply_policy", "Apply all", tooltip="Decide every clear-cut open request"),
    ]

    def __init__(self, *, review: bool = False) -> None:
        super().__init__()
        self.review = review
        statuses = (Status.AWAITING_GP,) if review else (Status.OPEN, Status.AWAITING_GP)
        self.query_spec = QueueQuery(statuses=statuses)
        self.first_row = 0
        self._items: dict[str, QueueItem] = {}
        self._total = 0
        self._assessed = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The GP's list is for deciding what waits for them: importing, applying the policy to
        # the open queue and sending to a GP belong to the queue.
        return not (self.review and action in ("import_files", "apply_policy", "flag"))

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="/ ref, name or NHS number", id="search")
            if not self.review:
                yield Select(
                    [(label, key) for key, (_, label) in _STATUS_CHOICES.items()],
                    value="waiting",
                    allow_blank=False,
                    id="status",
                )
            yield Select(
                [("mixed", "mixed"), ("unclassified", "unclassified")]
                + [(category.label, category.value) for category in Category],
                prompt="category",
                id="category",
            )
            yield Select(
                [(ACTION_LABELS[action], action.value) for action in Action],
                prompt="action",
                id="action",
            )
            yield Select(
                [(SHORT_FLAG[flag], flag.value) for flag in Flag], prompt="flag", id="flag"
            )
            yield ProgressBar(id="work-progress", show_eta=False)
        with Horizontal(id="main"):
            yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="detail-pane"):
                yield RequestDetail(id="detail")
        yield Static(id="counts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "GP review" if self.review else "Queue"
        table = self.query_one("#queue", DataTable)
        for label, width in REVIEW_COLUMNS if self.review else COLUMNS:
            table.add_column(label, width=width)
        self.query_one(RequestDetail).show(None)
        self.query_one("#work-progress").display = False
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_reload()  # back from a request, or acting as someone else now

    # --- loading -------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one("#counts", Static).update(Text("Loading the queue…"))
        self._load(self.query_spec, self.first_row)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self, query: QueueQuery, offset: int) -> None:
        try:
            page = queue_page(self.workspace, query, limit=PAGE_SIZE, offset=offset)
            why = (
                why_flagged(self.workspace, [i.request.id for i in page.items])
                if self.review
                else {}
            )
        except EXPECTED as failure:
            self.app.call_from_thread(self._failed, str(failure))
            return
        self.app.call_from_thread(self._show, page, why)

    @work(thread=True, exclusive=True, exit_on_error=False, group="assess")
    def _refresh_assessments(self) -> None:
        """Bring the stored assessments up to date, for filtering on category, suggestion and
        flag; the page on screen is always assessed afresh."""
        worker = get_current_worker()
        try:
            count = refresh_assessments(self.workspace, stop=lambda: worker.is_cancelled)
        except EXPECTED:
            return  # filters then use what was stored; the queue itself is unaffected
        if count and self.query_spec.needs_assessments:
            self.app.call_from_thread(self.action_reload)

    def _failed(self, message: str) -> None:
        self.query_one("#counts", Static).update(Text(one_line(message)))
        self.tell(message, title="Could not load the queue", failed=True)

    def _show(self, page: QueuePage, why: dict[int, str]) -> None:
        table = self.query_one("#queue", DataTable)
        was_on = self._highlighted_key(table)
        table.clear()
        self._items = {str(item.request.id): item for item in page.items}
        self._total = page.total
        today = page.on
        for key, item in self._items.items():
            cells = _cells(item, today)
            if self.review:  # Age, Ref, Patient, Category, then why
                cells = (*cells[1:5], Text(one_line(why.get(item.request.id) or _policy_why(item))))
            table.add_row(*cells, key=key)
        if was_on in self._items:  # a reload keeps the clerk's place
            table.move_cursor(row=table.get_row_index(was_on))
        self.query_one("#counts", Static).update(Text(self._counts_line(page)))
        self.query_one(RequestDetail).show(self._items.get(self._highlighted_key(table) or ""))
        if not self._assessed:
            # Once the page is on screen: the refresh competes with it for the interpreter.
            self._assessed = True
            self.set_timer(ASSESS_AFTER_SECONDS, self._refresh_assessments)

    def _counts_line(self, page: QueuePage) -> str:
        counts = " · ".join(
            f"{page.counts[status]:,} {label}" for status, label in STATUS_LABELS.items()
        )
        if page.total == 0:
            shown = "nothing matches"
        else:
            shown = f"{page.offset + 1:,}–{page.offset + len(page.items):,} of {page.total:,}"
        policy = f"suggestions: {page.policy}" if page.policy else "no policy in force"
        order = _SORT_LABELS[self.query_spec.sort]
        return f"{shown} ({order}) · {counts} · {policy} · Enter opens"

    @staticmethod
    def _highlighted_key(table: DataTable[Text]) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def highlighted_item(self) -> QueueItem | None:
        table = self.query_one("#queue", DataTable)
        return self._items.get(self._highlighted_key(table) or "")

    def page_ids(self) -> list[int]:
        return [item.request.id for item in self._items.values()]

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        self.query_one(RequestDetail).show(self._items.get(key) if key else None)

    @on(DataTable.RowSelected, "#queue")
    def _selected(self) -> None:
        self.action_open()

    # --- moving ---------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        table = self.query_one("#queue", DataTable)
        if table.cursor_row >= table.row_count - 1:
            self.action_page(1)
        else:
            table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()

    def action_page(self, step: int) -> None:
        offset = self.first_row + step * PAGE_SIZE
        if offset < 0 or offset >= self._total:
            return
        self.first_row = offset
        self.query_one("#queue", DataTable).move_cursor(row=0)
        self.action_reload()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        order = list(QueueSort)
        following = order[(order.index(self.query_spec.sort) + 1) % len(order)]
        self._requery(replace(self.query_spec, sort=following))

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self._requery(replace(self.query_spec, search=event.value))
        self.query_one("#queue", DataTable).focus()

    @on(Select.Changed)
    def _filtered(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else None  # None: cleared
        query = self.query_spec
        if event.select.id == "status" and value:
            query = replace(query, statuses=_STATUS_CHOICES[value][0])
        elif event.select.id == "category":
            query = replace(query, category=value)
        elif event.select.id == "action":
            query = replace(query, action=Action(value) if value else None)
        elif event.select.id == "flag":
            query = replace(query, flag=Flag(value) if value else None)
        self._requery(query)

    def _requery(self, query: QueueQuery) -> None:
        if query != self.query_spec:
            self.query_spec, self.first_row = query, 0
            self.action_reload()

    # --- deciding --------------------------------------------------------------------------------

    def action_open(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            ids = self.page_ids()
            self.app.push_screen(RequestScreen(ids, ids.index(item.request.id)))

    def action_accept(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            self.accept_suggestion(item, letters=None, then=self.action_reload)

    def action_override(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            self.override(item, then=self.action_reload)

    def action_flag(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            self.send_to_gp(item, then=self.action_reload)

    # --- long work: import, apply to every open request ------------------------------------

    def action_import_files(self) -> None:
        def chosen(paths: str | None) -> None:
            if not paths:
                return
            try:
                files = [expand_user(Path(path)) for path in shlex.split(paths)]
            except (ValueError, UserError) as problem:  # an unclosed quote, ~nosuchuser
                self.show_failure("Not imported", problem)
            else:
                self._import(files)

        self.app.push_screen(InputDialog("Import which files (separated by spaces)?", ""), chosen)

    def action_apply_policy(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._apply()

        question = (
            "Apply the policy in force to every open request? Clear-cut ones are decided and "
            "their letters recorded; the rest are sent to a GP."
        )
        self.app.push_screen(ConfirmDialog(question), answered)

    def _import(self, files: list[Path]) -> None:
        update = progress_bar(self, self.query_one("#work-progress", ProgressBar))
        counts = self.query_one("#counts", Static)

        def phase(label: str) -> Callable[[int, int], None]:  # reading each file, then saving
            self.app.call_from_thread(counts.update, Text(one_line(label)))
            return update

        call_service(
            self,
            "Not imported",
            lambda: import_files(self.workspace, files, progress=phase),
            lambda summary: self._long_work_done(
                "Imported",
                f"{summary.added:,} added, {summary.already_present:,} already here, "
                f"{summary.rejected:,} rejected.",
            ),
            group="long",
            exclusive=True,
            failed=self._long_work_failed,
        )

    def _apply(self) -> None:
        update = progress_bar(self, self.query_one("#work-progress", ProgressBar))
        self.query_one("#counts", Static).update(Text("Applying the policy…"))
        call_service(
            self,
            "Not applied",
            lambda: apply_policy(self.workspace, progress=update),
            self._applied,
            group="long",
            exclusive=True,
            failed=self._long_work_failed,
        )

    def _applied(self, applied: Applied) -> None:
        decided = ", ".join(
            f"{count:,} {ACTION_LABELS[action]}" for action, count in applied.decided.items()
        )
        self._long_work_done("Applied", f"{decided} decided; {applied.sent_to_gp:,} sent to a GP.")

    def _long_work_failed(self) -> None:
        self.query_one("#work-progress").display = False
        self.action_reload()

    def _long_work_done(self, title: str, message: str) -> None:
        self.query_one("#work-progress").display = False
        self.tell(message, title=title)
        self._assessed = False  # new requests, new decisions: bring the filters up to date
        self.action_reload()


def _policy_why(item: QueueItem) -> str:
    return item.suggestion.explanation if item.suggestion else ""


def _cells(item: QueueItem, today: date) -> tuple[Text, ...]:
    request = item.request
    received = practice_date(request.received)
    age = (today - received).days
    values = (
        received.isoformat(),
        f"{age}d",
        request.ref,
        request.patient.name or "(not given)",
        short_category(item.findings.classification),
        ACTION_LABELS[item.suggestion.action] if item.suggestion else "-",
        ", ".join(SHORT_FLAG[flag] for flag in item.flags),
    )
    return tuple(Text(one_line(value)) for value in values)
