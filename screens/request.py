"""One request: the letter as received with the evidence highlighted, the suggestion and its
rule, and the three drafted letters, editable before anything is recorded. Deciding moves on to
the next request of the queue page, so a clerk flows through the queue. Its history (every
note, flag, claim and decision, and the patient's other requests) is a tab beside the letters;
a decided request shows the letters sent, and a GP corrects the decision from here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from functools import partial
from pathlib import Path, PurePath
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane, TextArea

from screens.base import EXPECTED, TriageScreen, call_service
from screens.correcting import CORRECT_TOOLTIP, WHO_MAY_CORRECT, CorrectionFlow
from screens.deciding import DecisionFlow, Letters
from screens.dialogs import ConfirmDialog, InputDialog
from screens.widgets.footer import TriageFooter
from screens.widgets.request_detail import findings_text, history_text, request_text
from triage.clock import practice_date
from triage.models import Assessed, Decision, LetterKind, Request, Status, User
from triage.paths import expand_user
from triage.presentation import ACTION_LABELS
from triage.rules import Permission
from triage.safe_text import one_line
from triage.services.deciding import Prepared, claim, prepare, release
from triage.services.history import History, OtherRequest, request_history
from triage.services.queue import queue_item, save_original
from triage.services.workspace import Workspace

_LETTER_TABS = (
    (LetterKind.SPECIALIST, "To the specialist"),
    (LetterKind.PATIENT, "To the patient"),
    (LetterKind.SMS, "Text message"),
)
_HIGHLIGHT = "bold reverse"


class Drafted(NamedTuple):
    """A request claimed (or not: a colleague holds it) and its letters drafted (or why not)."""

    workspace: Workspace  # as whom it was claimed
    request_id: int
    held: bool
    prepared: Prepared | None
    problem: str


_SAME_PATIENT_COLUMNS = (("Ref", 14), ("Received", 10), ("Status", 11), ("Decision", 24))


class RequestScreen(TriageScreen, DecisionFlow, CorrectionFlow):
    HELP = (
        "One request as received, with the words that decided its category and any red flags "
        "highlighted; the policy's suggestion and the three letters it would send. e edits the "
        "letters (Escape leaves the editor); a records the suggestion with the letters as they "
        "stand and opens the next request; o decides otherwise with a reason; f sends it to a GP "
        "with a note. n and p move without deciding; Escape goes back to the queue. s saves the "
        "letter's file, exactly as it arrived, to open it (a scan, say) outside the app. h shows "
        "its history: every note, flag, claim and decision, and the patient's other requests "
        "(Enter opens one). A decided request shows the letters sent; c corrects the decision "
        "(a GP may correct a decision): the new letters say they replace the earlier ones."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", tooltip="Record the suggestion and go to the next"),
        Binding("o", "override", "Override", tooltip="Decide otherwise, with a reason"),
        Binding("f", "flag", "To GP", tooltip="Send the request to a GP, with a note"),
        Binding("e", "edit", "Edit letters", tooltip="Edit the drafted letters"),
        Binding("s", "save_original", "Save original", tooltip="Save the letter's file as it came"),
        Binding("h", "history", "History", tooltip="Every note, flag and decision on it"),
        Binding("c", "correct", "Correct", tooltip=CORRECT_TOOLTIP),
        Binding("n", "move(1)", "Next", tooltip="The next request, without deciding this one"),
        Binding("p", "move(-1)", "Previous", tooltip="The previous request"),
        Binding("escape", "back", "Back", tooltip="Back to the queue (or out of a letter)"),
    ]

    PERMISSIONS: ClassVar[Mapping[str, Permission]] = {
        "accept": Permission.DECIDE,
        "override": Permission.DECIDE,
        "flag": Permission.FLAG,
        "correct": Permission.CORRECT,
    }

    received = getters.query_one("#received", Static)
    suggestion = getters.query_one("#suggestion", Static)
    letters_status = getters.query_one("#letters-status", Static)
    letter_tabs = getters.query_one("#letters", TabbedContent)

    def __init__(self, request_ids: list[int], index: int) -> None:
        super().__init__()
        self.request_ids = request_ids
        self.index = index
        self.item: Assessed[Request] | None = None
        self.drafted: Prepared | None = None  # the letters shown, as drafted
        # The request held while it is open, and as whom: colleagues are told it is being
        # worked on (deciding.claim), until it is decided, left, or the lease runs out.
        self._held: tuple[Workspace, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="request-main"):
            with VerticalScroll(id="received-pane"):
                yield Static(id="received")
            with Vertical(id="decision-pane"):
                with VerticalScroll(id="suggestion-pane"):
                    yield Static(id="suggestion")
                with TabbedContent(id="letters"):
                    for kind, title in _LETTER_TABS:
                        with TabPane(title, id=f"tab-{kind.value}"):
                            yield TextArea(id=f"letter-{kind.value}", soft_wrap=True)
                    with TabPane("History", id="tab-history"), VerticalScroll(id="history-pane"):
                        yield Static(id="history")
                        yield Static(id="same-patient-title")
                        yield DataTable(id="same-patient", cursor_type="row")
                yield Static(id="letters-status")
        yield TriageFooter()

    def on_mount(self) -> None:
        self.title = "Request"
        table = self.query_one("#same-patient", DataTable)
        for label, width in _SAME_PATIENT_COLUMNS:
            table.add_column(label, width=width)
        self.query_one("#received-pane").focus()
        self._open(self.request_ids[self.index])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        decided = self.item is not None and self.item.request.status is Status.DECIDED
        if action == "correct" and not decided:
            return False  # only a decision is corrected
        # A decided request is not decided again, flagged or given new letters: it is corrected.
        if decided and action in ("accept", "override", "flag", "edit"):
            return False
        return super().check_action(action, parameters)  # greyed, saying who may

    def user_changed(self, user: User) -> None:
        """Shown or not, the letters are drafted and signed afresh as the new user."""
        self._open(self.request_ids[self.index])

    # --- loading --------------------------------------------------------------------------------

    def _open(self, request_id: int) -> None:
        held, self._held = self._held, None
        self.item = None
        self.received.update(Text("Loading…"))
        self.suggestion.update(Text(""))
        self._show_letters(None, "Drafting the letters…")
        call_service(
            self,
            "Could not open the request",
            lambda: self._read(request_id, held),
            self._show,
            group="load",
            exclusive=True,
        )

    def _read(
        self, request_id: int, held: tuple[Workspace, int] | None
    ) -> Assessed[Request] | None:
        if held is not None:  # first, or claiming it again as another user would be refused
            _let_go(*held)
        return queue_item(self.workspace, request_id)

    def _claim_and_draft(self, item: Assessed[Request]) -> None:
        """Hold the request while it is open, and draft its letters. Not exclusive: every run
        must reach `_drafted`, which lets go of a request the clerk has already left."""
        workspace, request_id = self.workspace, item.request.id

        def work() -> Drafted:
            held = False
            with suppress(*EXPECTED):  # a colleague holds it: drafting, just below, says who
                claim(workspace, request_id)
                held = True
            try:
                return Drafted(workspace, request_id, held, prepare(workspace, request_id), "")
            except EXPECTED as failure:
                return Drafted(workspace, request_id, held, None, str(failure))

        call_service(self, "Could not draft the letters", work, self._drafted, group="draft")

    def on_unmount(self) -> None:
        if self._held is not None:
            # An app worker: it must outlive this screen.
            self.app.run_worker(partial(_let_go, *self._held), thread=True)
            self._held = None

    def _show(self, item: Assessed[Request] | None) -> None:
        if item is None:
            self.received.update(Text("This request no longer exists."))
            return
        self.item = item
        self.refresh_bindings()
        self._read_history(item.request.id)
        self.sub_title = (
            f"{one_line(item.request.ref)} · {self.index + 1} of {len(self.request_ids)}"
        )
        received = request_text(item.request)
        words = [evidence.found for evidence in item.findings.classification.evidence]
        words += [flag.found for flag in item.findings.red_flags]
        received.highlight_words([w for w in words if len(w) > 1], _HIGHLIGHT, case_sensitive=False)
        self.received.update(received)
        self.suggestion.update(findings_text(item))
        if item.request.status is Status.DECIDED:
            self._show_letters(None, "Already decided: reading the letters sent…")
        else:
            self._claim_and_draft(item)

    def _read_history(self, request_id: int) -> None:
        self.query_one("#history", Static).update(Text("Reading its history…"))
        call_service(
            self,
            "Could not read the request's history",
            lambda: request_history(self.workspace, request_id),
            self._show_history,
            group="history",
            exclusive=True,
        )

    def _show_history(self, history: History) -> None:
        if self.item is None or self.item.request.id != history.request.id:
            return
        self.query_one("#history", Static).update(history_text(history))
        table = self.query_one("#same-patient", DataTable)
        table.clear()
        for other in history.same_patient:
            cells = _same_patient_cells(other)
            table.add_row(*cells, key=str(other.request.id))
        table.display = bool(history.same_patient)
        title = "Other requests for this NHS number" + ("" if history.same_patient else ": none")
        self.query_one("#same-patient-title", Static).update(Text(title, style="bold"))
        if history.request.status is Status.DECIDED and history.decisions:
            self._show_sent(history.decisions[-1])

    def _show_sent(self, standing: Decision) -> None:
        """A decided request: the letters that were sent, read only, and who may correct it."""
        where = f" to {standing.redirect_to}" if standing.redirect_to else ""
        correct = "c corrects it" if self.may_correct() else WHO_MAY_CORRECT
        day = practice_date(standing.decided_at)
        status = (
            f"Decided: {ACTION_LABELS[standing.action]}{where} ({standing.our_ref}), by "
            f"{standing.decided_by} on {day.day} {day:%b %Y}; these are the letters sent; "
            f"{correct}."
        )
        self._show_letters(None, status)
        for kind, _ in _LETTER_TABS:
            self.query_one(f"#letter-{kind.value}", TextArea).load_text(
                standing.letters.get(kind, "")
            )

    def action_history(self) -> None:
        self.letter_tabs.active = "tab-history"
        others = self.query_one("#same-patient", DataTable)
        (others if others.display else self.query_one("#history-pane")).focus()

    @on(DataTable.RowSelected, "#same-patient")
    def _open_other(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(RequestScreen([int(event.row_key.value)], 0))

    def action_correct(self) -> None:
        item = self.item
        if item is not None and item.request.status is Status.DECIDED:
            self.correct_decision(item.request.id, lambda _: self._open(item.request.id))

    def _drafted(self, drafted: Drafted) -> None:
        still_here = (
            self.item is not None
            and self.item.request.id == drafted.request_id
            and self.is_attached
        )
        if drafted.held and still_here:
            self._held = (drafted.workspace, drafted.request_id)
        elif drafted.held:  # the clerk moved on while it was being claimed
            self.app.run_worker(
                partial(_let_go, drafted.workspace, drafted.request_id), thread=True
            )
        if not still_here:
            return
        prepared = drafted.prepared
        if prepared is None:
            self._show_letters(None, f"No letters yet: {drafted.problem}")
            return
        draft = prepared.letters
        status = (
            f"Drafted for {prepared.action.value} ({prepared.our_ref}); template "
            f"{draft.template_id} {draft.template_version}. e edits them; they are recorded "
            "as they stand when you decide."
        )
        self._show_letters(prepared, status)

    def _show_letters(self, prepared: Prepared | None, status: str) -> None:
        self.drafted = prepared
        texts = prepared.letters.texts() if prepared else {}
        for kind, _ in _LETTER_TABS:
            area = self.query_one(f"#letter-{kind.value}", TextArea)
            area.load_text(texts.get(kind, ""))
            area.read_only = prepared is None
        self.letters_status.update(Text(one_line(status)))

    # --- letters --------------------------------------------------------------------------------

    def edited_letters(self) -> Letters:
        """The letters as they stand, if the user changed any, with the action they were
        drafted for; None when untouched."""
        if self.drafted is None:
            return None
        drafted = self.drafted.letters.texts()
        current = {kind: self.query_one(f"#letter-{kind.value}", TextArea).text for kind in drafted}
        return (self.drafted.action, current) if current != drafted else None

    def action_edit(self) -> None:
        if self.drafted is not None:
            tabs = self.letter_tabs
            kind = (tabs.active or "tab-specialist").removeprefix("tab-")
            self.query_one(f"#letter-{kind}", TextArea).focus()

    def action_save_original(self) -> None:
        item = self.item
        if item is None:
            return
        request = item.request
        if request.source.original_sha256 is None:
            self.tell(f"{request.ref} came from a {request.source.format.value} file: no letter")
            return
        came_as = PurePath(request.source.file)
        suggested = Path("~") / f"{came_as.stem}-original{came_as.suffix}"

        def chosen(typed: str | None) -> None:
            if not typed:
                return
            try:
                destination = expand_user(Path(typed))
            except EXPECTED as problem:
                self.show_failure("Not saved", problem)
                return
            call_service(
                self,
                "Not saved",
                lambda: save_original(self.workspace, request.id, destination),
                lambda saved: self.tell(
                    f"Saved {saved.file_name} ({saved.size:,} bytes, as it arrived) to "
                    f"{destination}.",
                    title="Original saved",
                ),
            )

        self.app.push_screen(InputDialog("Save the letter's file as", str(suggested)), chosen)

    # --- moving ---------------------------------------------------------------------------------

    def action_back(self) -> None:
        if isinstance(self.focused, TextArea):
            self.query_one("#received-pane").focus()  # out of the letter, still here
            return
        self._leave(self.dismiss_to_queue)

    def dismiss_to_queue(self) -> None:
        self.app.pop_screen()

    def action_move(self, step: int) -> None:
        target = self.index + step
        if 0 <= target < len(self.request_ids):
            self._leave(lambda: self._go(target))

    def _go(self, index: int) -> None:
        self.index = index
        self._open(self.request_ids[index])

    def _leave(self, then: Callable[[], None]) -> None:
        """Go, after asking whether to lose edited letters."""
        if self.edited_letters() is None:
            then()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                then()

        self.app.push_screen(
            ConfirmDialog("You have edited the letters. Leave and lose your changes?"), answered
        )

    def _next_or_back(self) -> None:
        """After a decision: the next request on the page, or back to the queue at the end."""
        if self.index + 1 < len(self.request_ids):
            self._go(self.index + 1)
        else:
            self.dismiss_to_queue()

    # --- deciding -------------------------------------------------------------------------------

    def action_accept(self) -> None:
        if self.item is not None:
            self.accept_suggestion(self.item, self.edited_letters(), then=self._next_or_back)

    def action_override(self) -> None:
        item = self.item
        if item is None:
            return
        if self.edited_letters() is None:
            self.override(item, then=self._next_or_back)
            return

        def answered(go_on: bool | None) -> None:
            if go_on:
                self.override(item, then=self._next_or_back)

        # The letters drafted here are for the suggestion; another action needs its own.
        question = "Deciding otherwise drafts new letters, and your edits here are lost. Go on?"
        self.app.push_screen(ConfirmDialog(question), answered)

    def action_flag(self) -> None:
        if self.item is not None:
            self.send_to_gp(self.item, then=self._next_or_back)


def _same_patient_cells(other: OtherRequest) -> tuple[Text, ...]:
    request = other.request
    action, our_ref = other.decided or (None, "")
    values = (
        request.ref,
        practice_date(request.received).isoformat(),
        request.status.value.replace("_", " "),
        f"{ACTION_LABELS[action]} ({our_ref})" if action else "",
    )
    return tuple(Text(one_line(value)) for value in values)


def _let_go(workspace: Workspace, request_id: int) -> None:
    """Release a request held while it was open (nothing if it was decided or sent on)."""
    with suppress(*EXPECTED):  # failing, the lease runs out by itself
        release(workspace, request_id)
