"""The queue: requests to deal with, a page at a time, with filters, search and sort.

Only one page of rows is read and shown, so 100,000 open requests open as fast as 100. The GP's
review list (screens/review.py) is this screen narrowed to the requests waiting for a GP.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Mount
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from screens.base import TriageScreen, call_service, progress_bar
from screens.deciding import DecisionFlow
from screens.details import complete_details_of
from screens.file_picker import FilePicker, ImportChoice, ImportProblems
from screens.live import follow_changes
from screens.queue_work import MARK_COLUMN, QueueWork
from screens.request import RequestScreen
from screens.widgets.footer import TriageFooter
from screens.widgets.queue_rows import (
    COLUMNS,
    NARROW_BELOW,
    NARROW_WIDTHS,
    STATUS_CHOICES,
    counts_line,
    queue_row,
)
from screens.widgets.request_detail import RequestDetail
from triage.models import (
    Action,
    Assessed,
    Category,
    Flag,
    QueueQuery,
    QueueSort,
    Request,
    Status,
    Unsorted,
    User,
    read_as,
)
from triage.presentation import ACTION_LABELS, SHORT_FLAG
from triage.rules import Permission
from triage.safe_text import one_line
from triage.services.bulk import BulkAction
from triage.services.changes import ChangeToken, change_token, is_newer
from triage.services.deciding import Applied, apply_policy
from triage.services.follow_ups import follow_ups_due
from triage.services.history import HistoryEntry
from triage.services.importing import ImportRejected, ImportSummary, import_files
from triage.services.policy import policy_review_due
from triage.services.practice import queue_opening_order
from triage.services.queue import (
    Counted,
    QueuePage,
    Refreshed,
    queue_page,
    refresh_assessments,
)

# The screen's workers whose end shows where the records stand: not the live follower's looks
# nor the background refresh of assessments (which changes nothing on show).
BUSY_GROUPS = frozenset({"load", "service", "long"})

# A page of the queue, and the notes on its requests where the screen shows them (GP review).
Page = tuple[QueuePage, dict[int, list[HistoryEntry]]]
NoticesFor = tuple[ChangeToken, date, int]  # the records, the day and the person

# Rows read (and assessed afresh) at a time: a tall terminal's worth. Each row's assessment is
# most of a page's cost (about 0.25 ms each), so a page of 200 took 80 ms to read.
PAGE_SIZE = 60
ASSESS_AFTER_SECONDS = 0.5  # start refreshing the stored assessments this long after a load
DETAIL_AFTER_SECONDS = 0.08  # the side pane follows the cursor once it has rested this long
# Search as you type: the search runs once typing pauses this long (a few keys typed quickly
# make one search, not one each).
SEARCH_DELAY_SECONDS = 0.06


@dataclass(frozen=True)
class PageAt:
    """Which page to read, by the key of a request on the page beside it (never OFFSET, which
    sorts every match to skip the ones before): the page after `after`, before `before`, or
    from `starting` on (the page on show, read again); none: the first. `position`: where its
    first row stands among the matches; `counted`: the query's counts, when they are known."""

    position: int = 0
    after: int | None = None
    before: int | None = None
    starting: int | None = None
    counted: Counted | None = None


class QueueScreen(TriageScreen, DecisionFlow, QueueWork):
    """The open requests, oldest first, with the highlighted one shown as received."""

    HELP = (
        "The requests to deal with, oldest first. Move with j/k or the arrows; Enter opens one. "
        "a accepts the suggestion (the letters are drafted and recorded), o decides otherwise "
        "with a reason, f sends it to a GP with a note. / searches by ref, name or NHS number; "
        "the boxes above the table filter by status, category, suggestion and flag. A letter "
        "whose patient could not be read waits under the status 'needs details': d types what "
        "is missing. Space marks a row (u clears the marks): a, f and g then act on every marked "
        "row, after a question naming them. g assigns a request to a clerk or GP (a name, then "
        "any note); m shows only your work, again everyone's; t counts who has what. The Due "
        "column: '!! 3d ago' the supply ended or the dose was due, '! in 5d' due within a "
        "fortnight, '?' neither the request nor its letter says; s can sort soonest due first, "
        "and a manager can have the queue open that way (triage practice set --queue-opens due)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "open", "Open", tooltip="Open the request: letters, evidence, decide"),
        Binding("a", "accept", "Accept", tooltip="Record the policy's suggestion, with letters"),
        Binding("o", "override", "Override", tooltip="Decide otherwise, with a reason"),
        Binding("f", "flag", "To GP", tooltip="Send the request to a GP, with a note"),
        Binding("d", "details", "Details", show=False, tooltip="Type a letter's patient details"),
        Binding("slash", "search", "Search", tooltip="Search by ref, patient name or NHS number"),
        Binding("s", "sort", "Sort", tooltip="Change the order"),
        Binding(
            "right_square_bracket", "page(1)", "Next page", show=False, tooltip="The next page"
        ),
        Binding(
            "left_square_bracket", "page(-1)", "Prev page", show=False, tooltip="Previous page"
        ),
        Binding("r", "reload", "Reload", show=False, tooltip="Read the queue again"),
        Binding(
            "i",
            "import_files",
            "Import",
            tooltip="Import files and letters (CSV, JSON, FHIR, PDF, Word, e-mail)",
        ),
        Binding(
            "I",
            "watch_inbox",
            "Inbox",
            show=False,
            tooltip="Watch the inbox folder: import each file that lands in it (again: stop)",
        ),
        Binding("A", "apply_policy", "Apply all", tooltip="Decide every clear-cut open request"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark the row for a, f or g on them all"),
        Binding("u", "clear_marks", "Unmark", show=False, tooltip="Clear every mark"),
        Binding("g", "assign", "Assign", tooltip="Assign to a clerk or GP, with any note"),
        Binding("m", "my_work", "My work", show=False, tooltip="Only your work; again: everyone's"),
        Binding("t", "team", "Team", show=False, tooltip="Who has how many requests waiting"),
    ]

    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {
        "accept": Permission.DECIDE,
        "override": Permission.DECIDE,
        "flag": Permission.FLAG,
        "details": Permission.COMPLETE_DETAILS,
        "import_files": Permission.IMPORT_REQUESTS,
        "apply_policy": Permission.DECIDE,
    }
    SCREEN_TITLE = "Queue"
    STATUSES: tuple[Status, ...] = (Status.OPEN, Status.AWAITING_GP)
    COLUMNS = COLUMNS

    table = getters.query_one("#queue", DataTable)
    detail = getters.query_one(RequestDetail)
    counts = getters.query_one("#counts", Static)
    work_progress = getters.query_one("#work-progress", ProgressBar)

    def __init__(self) -> None:
        super().__init__()
        self.query_spec = QueueQuery(statuses=self.STATUSES)
        self._at = PageAt()  # the page on show, or being read
        self._keep_row: int | None = None  # the row to stay on when a reload's request has gone
        # Tells the live follower what a page read has shown (set once mounted).
        self._changes_shown: Callable[[ChangeToken], None] = lambda _token: None
        self._items: dict[str, Assessed[Request]] = {}
        self._total = 0
        self._counts: dict[Status, int] = {}
        self._assessed = False
        self._search_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._order_chosen = False  # the practice's order is read with the first page shown
        # Where the records stood when the page on show was read, and the day it was assessed on.
        self._page_read: tuple[ChangeToken | None, date | None] = (None, None)
        self._user_changed = False
        self.marked = {}
        self._narrow = False  # the columns' widths are the narrow ones
        self._shown: Page | None = None  # the page on show, to draw again at another width
        self._notices: list[Text] = []  # the counts line's first words (notices())
        # The records, day and person the notices were read for.
        self._notices_for: NoticesFor | None = None

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="/ ref, name or NHS number", id="search")
            yield from self.status_filter()
            yield Select(
                [(unsorted.value, unsorted.value) for unsorted in Unsorted]
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
        yield TriageFooter()

    def status_filter(self) -> Iterator[Widget]:
        yield Select(
            [(label, key) for key, (_, label) in STATUS_CHOICES.items()],
            value="waiting",
            allow_blank=False,
            id="status",
        )

    def on_mount(self) -> None:
        self.title = self.SCREEN_TITLE
        self._add_columns()
        self.detail.show(None)
        self.work_progress.display = False
        self.table.focus()

    def _add_columns(self) -> None:
        """The table's columns, narrowed in a narrow terminal (NARROW_WIDTHS); its rows go."""
        self._narrow = self.app.size.width < NARROW_BELOW
        self.table.clear(columns=True)
        self.table.add_column(" ", width=1, key=MARK_COLUMN)
        for label, width in self.COLUMNS:
            self.table.add_column(
                label, width=NARROW_WIDTHS.get(label, width) if self._narrow else width
            )

    def on_resize(self) -> None:
        if (self.app.size.width < NARROW_BELOW) != self._narrow:
            self._keep_row = self.table.cursor_row  # the clerk's place, on the page drawn again
            self._add_columns()
            if self._shown is not None:
                self._show(self._shown)

    def on_screen_resume(self) -> None:
        """Back from a request or another screen: the page as it was, unless the records have
        moved since it was read (a decision, an import), the day has turned, or someone else is
        acting now. Asking costs two key lookups; reading the page again, hundreds of ms."""
        shown, on = self._page_read
        if shown is None or self._user_changed or on != self.workspace.clock.today():
            self._user_changed = False
            self.action_reload()
            return
        if self._reading_or_saving():  # a page on its way (or a save's reload) is newer anyway
            return
        call_service(
            self,
            "Could not look for changes",
            lambda: is_newer(change_token(self.workspace), shown),
            lambda moved: self.refresh_page() if moved else None,
            group="resume",  # not "load": a page turned just before must not be cancelled
            exclusive=True,
        )

    def user_changed(self, user: User) -> None:
        self._user_changed = True  # read afresh when next shown, for what they may see
        super().user_changed(user)

    @on(Mount)
    def _follow_the_inbox(self) -> None:
        self.triage_app.requests_arrived.subscribe(self, self._requests_arrived)

    def _requests_arrived(self, _count: int) -> None:
        if self.is_current:  # a screen not on show reloads when it is shown again
            self.action_reload()

    @on(Mount)
    def _follow_other_workstations(self) -> None:
        self._changes_shown = follow_changes(
            self, lambda: self.workspace, self.refresh_page, busy=self._reading_or_saving
        )

    def _reading_or_saving(self) -> bool:
        """A page being read, or a decision, flag or bulk action being saved (which reloads)."""
        return any(
            worker.node is self and worker.group in BUSY_GROUPS and not worker.is_finished
            for worker in self.workers
        )

    def refresh_page(self) -> None:
        """Someone changed the records (here or on another workstation): read this page again,
        quietly, the cursor staying on the same request, or on the same row if it left the page."""
        self._reload(quiet=True)

    # --- loading -------------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the page on show again, and count again (something may have changed)."""
        self._reload(quiet=False)

    def _reload(self, *, quiet: bool) -> None:
        first = next(iter(self._items.values()), None)
        row = self.table.cursor_row  # if its request has gone: stay on the one now there
        if first is None or self._at.position == 0:  # the top: it shows what arrived since
            self._load(PageAt(), quiet=quiet, keep_row=row)
        else:
            at = PageAt(self._at.position, starting=first.request.id)
            self._load(at, quiet=quiet, keep_row=row)

    def _load(self, at: PageAt, *, quiet: bool = False, keep_row: int | None = None) -> None:
        self._at, self._keep_row = at, keep_row
        if at.counted is None and not quiet:  # a turned page shows its rows without "Loading"
            self.counts.update(Text("Loading the queue…"))
        query, practice_order = self.query_spec, not self._order_chosen

        def read() -> tuple[QueueQuery, PageAt, Page]:
            asked = query
            if practice_order:  # until the first page is on show: the order the practice chose
                asked = replace(query, sort=queue_opening_order(self.workspace))
            return asked, at, self.read_page(asked, at)

        call_service(
            self,
            "Could not load the queue",
            read,
            self._show_if_current,
            group="load",
            exclusive=True,
            failed=lambda: self.counts.update(Text("Could not load the queue.")),
        )

    def read_page(self, query: QueueQuery, at: PageAt) -> Page:
        """One page of the queue, and the notes on its requests if shown (in a worker thread)."""
        page = queue_page(
            self.workspace,
            query,
            limit=PAGE_SIZE,
            after=at.after,
            before=at.before,
            starting=at.starting,
            position=at.position,
            counted=at.counted,
        )
        return page, {}

    def _show_if_current(self, loaded: tuple[QueueQuery, PageAt, Page]) -> None:
        """Show a page read for what is asked now; one a newer search, filter or page replaced
        is dropped, even if it finished first."""
        query, at, page = loaded
        if at is not self._at:
            return
        if not self._order_chosen and query == replace(self.query_spec, sort=query.sort):
            self.query_spec, self._order_chosen = query, True
        if query == self.query_spec:
            self._show(page)

    def row(
        self, item: Assessed[Request], today: date, notes: list[HistoryEntry]
    ) -> tuple[Text, ...]:
        return queue_row(item, today)

    def _refresh_assessments(self) -> None:
        """Bring the stored assessments up to date, for filtering on category, suggestion and
        flag, and the due dates read from letters, for the soonest-due order; the page on
        screen is always assessed afresh."""

        def refreshed(done: Refreshed) -> None:
            query = self.query_spec
            by_due = query.sort is QueueSort.DUE or query.due_by is not None
            if (done.assessed and query.needs_assessments) or (done.dates_moved and by_due):
                self.action_reload()

        call_service(
            self,
            "The filters may be out of date",  # the queue itself is read afresh regardless
            lambda: refresh_assessments(
                self.workspace, stop=lambda: get_current_worker().is_cancelled
            ),
            refreshed,
            group="assess",
            exclusive=True,
        )

    def _show(self, loaded: Page) -> None:
        self._shown = loaded
        page, notes = loaded
        table = self.table
        was_on = self._highlighted_key(table)
        table.clear()
        self._items = {str(item.request.id): item for item in page.items}
        self._total, self._counts = page.total, page.counts
        if not self._items and self._at.position:  # the page's rows were all decided
            self._load(PageAt())
        for key, item in self._items.items():
            cells = self.row(item, page.on, notes.get(item.request.id, []))
            table.add_row(self.mark_cell(item.request.id), *cells, key=key)
        if was_on in self._items:  # a reload keeps the clerk's place
            table.move_cursor(row=table.get_row_index(was_on))
        elif self._keep_row is not None and table.row_count:
            table.move_cursor(row=min(self._keep_row, table.row_count - 1))
        self._keep_row = None
        self.counts.update(self.counts_text(page))
        # The notices move with the records, the day and the person, not with the page: a page
        # turned or drawn again at another width reads them no more.
        asked_for = (page.changes, page.on, self.workspace.user.id)
        if asked_for != self._notices_for:
            self._notices_for = asked_for
            # Not exclusive: cancelling one still running would leave a cancelled worker
            # behind; an older answer arriving last is dropped instead.
            call_service(
                self,
                "Could not read the reminders",
                self.notices,
                partial(self._show_notices, asked_for),
                group="notices",
            )
        self._changes_shown(page.changes)
        self._page_read = (page.changes, page.on)
        self.show_highlighted()
        if not self._assessed:
            # Once the page is on screen: the refresh competes with it for the interpreter.
            self._assessed = True
            self.set_timer(ASSESS_AFTER_SECONDS, self._refresh_assessments)
            # What is loaded by now (the program, the vocabularies, the policy) lasts as long
            # as the app: Python's full garbage collections, which run every few keys, would
            # scan it all each time (about 200 ms at a time, benchmarks/README.md); frozen,
            # they scan only what came after. Once: a page frozen later could not be collected.
            if gc.get_freeze_count() == 0:
                gc.freeze()

    def counts_text(self, page: QueuePage) -> Text:
        """The line under the table: what the person should know first (notices; the line is
        cut at the screen's edge), which rows of how many, the counts, the policy."""
        counts = Text(counts_line(page, self.query_spec.sort))
        if not self._notices:
            return counts
        return Text(" · ").join([*self._notices, counts])

    def notices(self) -> list[Text]:
        """What the person should see first on the counts line, read after each page in a
        worker: for a manager, the review of the policy when it is near; replies from other
        services that are overdue, and hand-backs that need a GP. Said in words; the style
        only adds to them."""
        shown = []
        due = policy_review_due(self.workspace)
        if due is not None:
            shown.append(Text(str(due), style="bold reverse" if due.overdue else "bold"))
        follow_ups = follow_ups_due(self.workspace)
        if follow_ups is not None:
            shown.append(Text(str(follow_ups), style="bold"))
        return shown

    def _show_notices(self, asked_for: NoticesFor, notices: list[Text]) -> None:
        if asked_for != self._notices_for:
            return
        self._notices = notices
        if self._shown is not None:
            self.counts.update(self.counts_text(self._shown[0]))

    @staticmethod
    def _highlighted_key(table: DataTable[Text]) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def highlighted_item(self) -> Assessed[Request] | None:
        return self._items.get(self._highlighted_key(self.table) or "")

    def page_ids(self) -> list[int]:
        return [item.request.id for item in self._items.values()]

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self) -> None:
        # The side pane follows once the cursor rests: drawing a whole letter for every row a
        # held-down j passes would make the cursor itself lag behind the key.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_AFTER_SECONDS, self.show_highlighted)

    def show_highlighted(self) -> None:
        """The side pane: the highlighted request in full."""
        self.detail.show(self.highlighted_item())

    @on(DataTable.RowSelected, "#queue")
    def _selected(self) -> None:
        self.action_open()

    # --- moving ---------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        if self.table.cursor_row >= self.table.row_count - 1:
            self.action_page(1)
        else:
            self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_page(self, step: int) -> None:
        ids = self.page_ids()
        counted = Counted(self._total, self._counts)
        if step > 0 and ids and self._at.position + len(ids) < self._total:
            self._load(PageAt(self._at.position + len(ids), after=ids[-1], counted=counted))
        elif step < 0 and ids and self._at.position > 0:
            position = max(0, self._at.position - PAGE_SIZE)
            self._load(PageAt(position, before=ids[0], counted=counted))
        else:
            return
        self.table.move_cursor(row=0)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        order = list(QueueSort)
        following = order[(order.index(self.query_spec.sort) + 1) % len(order)]
        self._order_chosen = True  # the clerk's from now on
        self._requery(replace(self.query_spec, sort=following))

    @on(Input.Changed, "#search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        typed = replace(self.query_spec, search=event.value)
        if typed.searched == self.query_spec.searched:  # a space, or still under 3 characters
            self.query_spec = typed
            return
        self._search_timer = self.set_timer(
            SEARCH_DELAY_SECONDS,
            lambda: self._requery(replace(self.query_spec, search=typed.search)),
        )

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._requery(replace(self.query_spec, search=event.value))
        self.table.focus()

    @on(Select.Changed)
    def _filtered(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else None  # None: cleared
        query = self.query_spec
        if event.select.id == "status" and value:
            query = replace(query, statuses=STATUS_CHOICES[value][0])
        elif event.select.id == "category":
            query = replace(query, category=read_as(value) if value else None)
        elif event.select.id == "action":
            query = replace(query, action=Action(value) if value else None)
        elif event.select.id == "flag":
            query = replace(query, flag=Flag(value) if value else None)
        self._requery(query)

    def action_my_work(self) -> None:
        self._requery(self.my_work_query(self.query_spec))

    def _requery(self, query: QueueQuery) -> None:
        if query != self.query_spec:
            self.query_spec = query
            self._load(PageAt())

    # --- a letter's details ----------------------------------------------------------------------

    def action_details(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            complete_details_of(self, item.request, then=self.action_reload)

    # --- deciding --------------------------------------------------------------------------------

    def action_open(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            ids = self.page_ids()
            self.app.push_screen(RequestScreen(ids, ids.index(item.request.id)))

    def action_accept(self) -> None:
        if self.bulk(BulkAction.RECORD):
            return
        item = self.highlighted_item()
        if item is not None:
            self.accept_suggestion(item, letters=None, then=self.action_reload)

    def action_override(self) -> None:
        item = self.highlighted_item()
        if item is not None:
            self.override(item, then=self.action_reload)

    def action_flag(self) -> None:
        if self.bulk(BulkAction.FLAG):
            return
        item = self.highlighted_item()
        if item is not None:
            self.send_to_gp(item, then=self.action_reload)

    # --- long work: import, apply to every open request ------------------------------------

    def action_import_files(self) -> None:
        def chosen(choice: ImportChoice | None) -> None:
            if choice is not None:
                self._import(choice)

        self.app.push_screen(FilePicker(Path.home()), chosen)

    def action_watch_inbox(self) -> None:
        self.triage_app.action_watch_inbox()

    def action_apply_policy(self) -> None:
        self.confirm_apply(self._apply)

    def _import(self, choice: ImportChoice) -> None:
        update = progress_bar(self, self.work_progress)
        counts = self.counts

        def phase(label: str) -> Callable[[int, int], None]:  # reading each file, then saving
            self.app.call_from_thread(counts.update, Text(one_line(label)))
            return update

        def work() -> ImportSummary | ImportRejected:
            try:
                return import_files(
                    self.workspace, choice.files, skip_invalid=choice.skip_invalid, progress=phase
                )
            except ImportRejected as refused:  # its problems stay on screen, not in a toast
                return refused

        call_service(
            self,
            "Not imported",
            work,
            lambda outcome: self._imported(choice, outcome),
            group="long",
            exclusive=True,
            failed=self._long_work_failed,
        )

    def _imported(self, choice: ImportChoice, outcome: ImportSummary | ImportRejected) -> None:
        """The counts; and every problem, one row each, until read: a refused import offers
        to import the good rows instead."""
        if isinstance(outcome, ImportRejected):
            self._long_work_failed()

            def answered(good_rows: bool | None) -> None:
                if good_rows:
                    self._import(choice._replace(skip_invalid=True))

            self.app.push_screen(ImportProblems.refused(outcome.summary), answered)
            return
        self._long_work_done(
            "Imported",
            f"{outcome.added:,} added, {outcome.already_present:,} already here, "
            f"{outcome.rejected:,} rejected.",
        )
        if outcome.problems:
            self.app.push_screen(ImportProblems.left_out(outcome))

    def _apply(self) -> None:
        update = progress_bar(self, self.work_progress)
        self.counts.update(Text("Applying the policy…"))
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
        self.work_progress.display = False
        self.action_reload()

    def _long_work_done(self, title: str, message: str) -> None:
        self.work_progress.display = False
        self.tell(message, title=title)
        self._assessed = False  # new requests, new decisions: bring the filters up to date
        self.action_reload()
