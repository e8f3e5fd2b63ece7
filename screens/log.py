"""The decision log: every entry, newest first, with its details and letters; whether the chain
verifies; and the export of the decisions (managers), with progress."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, ProgressBar, Select, Static

from screens.base import TriageScreen, call_service, progress_bar
from screens.correcting import CORRECT_TOOLTIP, CorrectionFlow
from screens.dialogs import InputDialog
from screens.widgets.footer import TriageFooter
from triage.clock import PRACTICE_TIME
from triage.models import DECISION_EVENTS, LetterKind, LogEntry, LogEvent
from triage.presentation import LETTER_TITLES
from triage.rules import Permission
from triage.safe_text import one_line, terminal_safe
from triage.services.exports import Exported, export_letters, export_log, suffix_format
from triage.services.exports.report import monthly_report
from triage.services.log import LogCheck, LogPage, log_page, verify_log

PAGE_SIZE = 200
COLUMNS = (("Seq", 4), ("When", 12), ("Event", 8), ("Who", 11), ("Request", 11), ("What", 22))
_EVENT_WORDS: dict[str, str] = {  # the log stores events as text
    LogEvent.DECISION: "decision",
    LogEvent.OVERRIDE: "override",
    LogEvent.REVIEW: "review",
    LogEvent.SUPERSEDE: "correct",
    LogEvent.FLAG: "to GP",
    LogEvent.POLICY_ACTIVATED: "policy",
    LogEvent.PRACTICE_UPDATED: "practice",
    LogEvent.EXPORT: "export",
    LogEvent.DETAILS_COMPLETED: "details",
    LogEvent.ASSIGNED: "assign",
    LogEvent.HANDED_BACK: "hand back",
    LogEvent.USER_ADDED: "user",
    LogEvent.USER_ROLE_CHANGED: "role",
    LogEvent.USER_REMOVED: "access",
    LogEvent.USERS_RECORDED: "users",
}


class LogScreen(TriageScreen, CorrectionFlow):
    HELP = (
        "The decision log, newest first: every decision, flag, review, correction, policy "
        "activation, change to the practice's details and export, each chained to the one "
        "before. The line at the bottom says whether the whole chain verifies. c corrects the "
        "decision on the highlighted entry's request (a GP may correct a decision): the earlier "
        "decision and its letters are shown beside it, and stay. Managers export: x "
        "the decisions (the file's extension chooses .csv, .jsonl, .xlsx or .json for FHIR), m "
        "the de-identified report of the last twelve months (.html or .csv), L every "
        "decision's letters as files. [ and ] page through older entries."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("x", "export", "Export", tooltip="Export the decisions: CSV, JSONL, XLSX or FHIR"),
        Binding("m", "report", "Report", tooltip="The de-identified report for the LMC and ICB"),
        Binding("L", "export_letters", "Letters", tooltip="Every decision's letters as files"),
        Binding("c", "correct", "Correct", tooltip=CORRECT_TOOLTIP),
        Binding("v", "verify", "Verify", tooltip="Check the whole chain again"),
        Binding("right_square_bracket", "page(1)", "Older", tooltip="Older entries"),
        Binding("left_square_bracket", "page(-1)", "Newer", tooltip="Newer entries"),
        Binding("r", "reload", "Reload"),
    ]

    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {
        "export": Permission.EXPORT,
        "report": Permission.EXPORT,
        "export_letters": Permission.EXPORT,
        "correct": Permission.CORRECT,
    }

    log_table = getters.query_one("#log", DataTable)
    chain = getters.query_one("#chain", Static)
    entry_pane = getters.query_one("#entry", Static)
    export_progress = getters.query_one("#export-progress", ProgressBar)

    def __init__(self) -> None:
        super().__init__()
        self.event: LogEvent | None = None
        self.first_row = 0
        self._page: LogPage | None = None
        self._checked: int | None = None  # entries the last chain check covered
        self._entries: dict[str, LogEntry] = {}
        self.highlighted: LogEntry | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Select(
                [(event.value.replace("_", " "), event.value) for event in LogEvent],
                prompt="event",
                id="event",
            )
            yield ProgressBar(id="export-progress", show_eta=False)
        with Horizontal(id="main"):
            yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="entry-pane"):
                yield Static(id="entry")
        yield Static(id="chain")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Decision log"
        table = self.log_table
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.export_progress.display = False
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_reload()  # and the chain is checked again if it has grown

    # --- the entries ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        event, offset = self.event, self.first_row
        call_service(
            self,
            "Could not read the log",
            lambda: log_page(self.workspace, event=event, limit=PAGE_SIZE, offset=offset),
            self._show,
            group="load",
            exclusive=True,
        )

    def _show(self, page: LogPage) -> None:
        self._page = page
        if page.stored != self._checked:  # not on every return from a dialog: it reads it all
            self.action_verify()
        table = self.log_table
        table.clear()
        self._entries = {str(entry.seq): entry for entry in page.entries}
        for key, entry in self._entries.items():
            table.add_row(*_cells(entry), key=key)
        first = next(iter(self._entries.values()), None)
        self._show_entry(first, page)

    @on(DataTable.RowHighlighted, "#log")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._page is not None:
            self._show_entry(self._entries.get(event.row_key.value or ""), self._page)

    def _show_entry(self, entry: LogEntry | None, page: LogPage) -> None:
        self.highlighted = entry
        self.refresh_bindings()
        pane = self.entry_pane
        if entry is None:
            pane.update(Text("No entries."))
            return
        pane.update(entry_text(entry, page.letters.get(entry.decision_id or 0, {})))

    @on(Select.Changed, "#event")
    def _filtered(self, event: Select.Changed) -> None:
        chosen = LogEvent(event.value) if isinstance(event.value, str) else None
        if chosen != self.event:
            self.event, self.first_row = chosen, 0
            self.action_reload()

    def action_page(self, step: int) -> None:
        if self._page is None:
            return
        offset = self.first_row + step * PAGE_SIZE
        if 0 <= offset < self._page.total:
            self.first_row = offset
            self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "correct":  # on a decision's entry; shown unavailable to all but a GP
            entry = self.highlighted
            on_a_decision = entry is not None and entry.event in DECISION_EVENTS
            if not on_a_decision:
                return False
        return super().check_action(action, parameters)  # greyed, saying who may

    def action_correct(self) -> None:
        entry = self.highlighted
        if entry is not None and entry.request_id is not None and entry.event in DECISION_EVENTS:
            self.first_row = 0  # the correction is the newest entry
            self.correct_decision(entry.request_id, lambda _: self.action_reload())

    def action_cursor_down(self) -> None:
        self.log_table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.log_table.action_cursor_up()

    # --- the chain ------------------------------------------------------------------------------

    def action_verify(self) -> None:
        self.chain.update(Text("Checking the chain…"))
        call_service(
            self,
            "Could not check the log",
            lambda: verify_log(self.workspace),
            self._verified,
            group="verify",
            exclusive=True,
        )

    def _verified(self, check: LogCheck) -> None:
        self._checked = check.total
        result = check.verification
        if result.ok:
            line = Text(f"Chain verified: {result.count:,} entries; head {result.head_hash}")
        else:
            line = Text(
                f"LOG DOES NOT VERIFY: {one_line(result.described)}",
                style="bold reverse",
            )
        self.chain.update(line)

    # --- export ---------------------------------------------------------------------------------

    def action_export(self) -> None:
        default = Path.home() / f"triage-decisions-{self.workspace.clock.today():%Y-%m-%d}.csv"

        def chosen(path: str | None) -> None:
            if not path:
                return
            destination = Path(path)
            export_format = suffix_format(destination)
            if export_format is None:
                self.tell("End the file name in .csv, .jsonl, .xlsx or .json (FHIR).")
                return
            self._run_export(
                lambda progress: export_log(
                    self.workspace, export_format, destination, progress=progress
                )
            )

        self.app.push_screen(InputDialog("Export every decision to", str(default)), chosen)

    def action_report(self) -> None:
        today = self.workspace.clock.today()
        default = Path.home() / f"triage-report-{today:%Y-%m}.html"
        # Twelve months, this one included: from the month after this one a year ago.
        first = f"{today.year - (today.month < 12)}-{today.month % 12 + 1:02d}"

        def chosen(path: str | None) -> None:
            if path:
                self._run_export(
                    lambda progress: monthly_report(
                        self.workspace, first, f"{today:%Y-%m}", Path(path), progress=progress
                    )
                )

        self.app.push_screen(
            InputDialog("Write the de-identified report (last 12 months) to", str(default)),
            chosen,
        )

    def action_export_letters(self) -> None:
        default = Path.home() / f"triage-letters-{self.workspace.clock.today():%Y-%m-%d}"

        def chosen(path: str | None) -> None:
            if path:
                self._run_export(
                    lambda progress: export_letters(self.workspace, Path(path), progress=progress)
                )

        self.app.push_screen(
            InputDialog("Write every decision's letters into", str(default)), chosen
        )

    def _run_export(self, work: Callable[[Callable[[int, int], None]], Exported]) -> None:
        progress = progress_bar(self, self.export_progress)
        call_service(
            self,
            "Not exported",
            lambda: work(progress),
            self._exported,
            group="export",
            exclusive=True,
            failed=self._hide_progress,
        )

    def _hide_progress(self) -> None:
        self.export_progress.display = False

    def _exported(self, exported: Exported) -> None:
        self._hide_progress()
        self.tell(
            f"{exported.rows:,} decisions to {exported.path}; log head {exported.anchor.count} "
            f"{exported.anchor.hash[:16]}…",
            title="Exported",
        )
        self.action_reload()
        self.action_verify()


def _cells(entry: LogEntry) -> tuple[Text, ...]:
    body = json.loads(entry.body)
    request = body.get("request") or {}
    values = (
        str(entry.seq),
        f"{entry.at.astimezone(PRACTICE_TIME):%d %b %H:%M}",
        _EVENT_WORDS.get(entry.event, entry.event),
        entry.actor,
        str(request.get("ref") or ""),
        _summary(body),
    )
    return tuple(Text(one_line(value)) for value in values)


def _summary(body: dict[str, object]) -> str:
    """One line saying what the entry records."""
    event = body.get("event")
    if event in DECISION_EVENTS:
        where = f" to {body['redirect_to']}" if body.get("redirect_to") else ""
        note = f": {body['note']}" if body.get("note") else ""
        return f"{body.get('action')}{where} ({body.get('our_ref')}){note}"
    if event == LogEvent.FLAG:
        return f"to a GP: {body.get('note') or ''}"
    if event == LogEvent.POLICY_ACTIVATED:
        policy = body.get("policy") or {}
        assert isinstance(policy, dict)
        return f"{policy.get('id')} {policy.get('version')} in force"
    if event == LogEvent.EXPORT:
        return f"{body.get('rows')} rows to {body.get('file')}"
    if event == LogEvent.DETAILS_COMPLETED:
        changed = body.get("changed") or {}
        assert isinstance(changed, dict)
        return "completed: " + ", ".join(sorted(changed))
    if event in (LogEvent.ASSIGNED, LogEvent.HANDED_BACK):
        return _assignment_summary(event, body)
    if event == LogEvent.PRACTICE_UPDATED:
        return f"details of {body.get('name')}"
    return _user_summary(event, body)


def _assignment_summary(event: object, body: dict[str, object]) -> str:
    note = f": {body['note']}" if body.get("note") else ""
    if event == LogEvent.ASSIGNED:
        return f"to {body.get('assigned_to')}{note}"
    return f"from {body.get('from')} to the team{note}"


def _user_summary(event: object, body: dict[str, object]) -> str:
    user, users = body.get("user"), body.get("users")
    if event == LogEvent.USERS_RECORDED and isinstance(users, list):
        return f"{len(users)} users as they were"
    if not isinstance(user, dict):
        return ""
    if event == LogEvent.USER_ADDED:
        return f"added {user.get('name')} as {user.get('role')}"
    if event == LogEvent.USER_ROLE_CHANGED:
        return f"{user.get('name')}: {body.get('previous_role')} to {user.get('role')}"
    if event == LogEvent.USER_REMOVED:
        return f"{user.get('name')} no longer has access"
    return ""


def entry_text(entry: LogEntry, letters: dict[LetterKind, str]) -> Text:
    """The entry as recorded (every field), then its letters."""
    text = Text()
    text.append(f"Entry {entry.seq}\n", style="bold")
    body = json.loads(entry.body)
    for key in sorted(body):
        value = body[key]
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        text.append(f"{key}: ", style="bold")
        text.append(one_line("" if value is None else str(value)) + "\n")
    text.append("hash: ", style="bold")
    text.append(f"{entry.hash}\n")
    for kind, title in LETTER_TITLES.items():
        if kind in letters:
            text.append(f"\n{title}\n", style="bold underline")
            text.append(terminal_safe(letters[kind], keep_newlines=True) + "\n")
    return text
