"""A GP corrects a recorded decision: the decision that stands and its letters on one side, the
new action and why on the other. The correction is a new decision with its own letters, which
say that they replace the earlier ones; the earlier decision and letters stay in the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from screens.base import TriageScreen, call_service
from screens.widgets.request_detail import decision_text
from triage.models import DECIDING_ACTIONS, Action, Decision
from triage.presentation import LETTER_TITLES
from triage.rules import Permission, may
from triage.safe_text import one_line, terminal_safe
from triage.services.deciding import Choice, Prepared, correct, prepare_correction
from triage.services.history import History, request_history

# Shown beside the key wherever a correction is offered, and to whoever may not.
WHO_MAY_CORRECT = "a GP may correct a decision"
CORRECT_TOOLTIP = "A GP may correct a decision"

# What the GP chose: the action, where a redirect goes (or ""), and why.
Correction = tuple[Action, str, str]


class CorrectionDialog(ModalScreen[Correction | None]):
    """The decision that stands, with its letters, beside the form for its correction and the
    letters the correction would send, drafted afresh whenever the action or service changes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        ref: str,
        standing: Decision,
        draft: Callable[[Choice], Prepared],
        note: str = "",
    ) -> None:
        super().__init__()
        self._ref, self._standing, self._draft, self._note = ref, standing, draft, note

    def compose(self) -> ComposeResult:
        actions = [(action.value, action) for action in DECIDING_ACTIONS]
        other = next(action for action in DECIDING_ACTIONS if action is not self._standing.action)
        with Vertical(classes="dialog correction"):
            yield Label(
                Text(f"Correct the decision on {one_line(self._ref)}"), classes="dialog-title"
            )
            with Horizontal(id="correction-main"):
                with VerticalScroll(id="superseded"):
                    yield Static(Text("The decision that stands\n", style="bold underline"))
                    yield Static(decision_text(self._standing), id="superseded-decision")
                with VerticalScroll(id="correction-form"):  # at 80x24 it scrolls
                    yield Static(
                        Text(
                            "The correction is a new decision with new letters, which say that "
                            f"they replace {self._standing.our_ref}'s. Both stay in the log."
                        )
                    )
                    yield Select(actions, id="action", allow_blank=False, value=other)
                    yield Input(id="redirect-to", placeholder="Redirect to (for a redirect)")
                    yield Input(value=self._note, id="note", placeholder="Why (required)")
                    yield Static(id="problem", classes="problem")
                    with Horizontal(classes="buttons"):
                        yield Button("Correct", id="ok", variant="primary")
                        yield Button("Cancel", id="cancel")
                    yield Static(id="correction-letters")

    def on_mount(self) -> None:
        self.query_one("#action", Select).focus()
        self._redraft()

    @on(Select.Changed, "#action")
    @on(Input.Blurred, "#redirect-to")
    def _redraft(self) -> None:
        """Draft the correction's letters as they would be sent (nothing is saved)."""
        action = self.query_one("#action", Select).value
        redirect_to = self.query_one("#redirect-to", Input).value.strip()
        shown = self.query_one("#correction-letters", Static)
        if not isinstance(action, Action):
            return
        if action is Action.REDIRECT and not redirect_to:
            shown.update(Text("Say where it is redirected to, to see its letters."))
            return
        shown.update(Text("Drafting the letters…"))
        choice = Choice(action=action, redirect_to=redirect_to or None)
        call_service(
            self,
            "Could not draft the letters",
            lambda: self._draft(choice),
            lambda prepared: shown.update(_letters_text(prepared)),
            group="draft",
            exclusive=True,
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        action = self.query_one("#action", Select).value
        redirect_to = self.query_one("#redirect-to", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        problem = self.query_one("#problem", Static)
        if not note:
            problem.update(Text("Say why the decision is corrected."))
            return
        if action is Action.REDIRECT and not redirect_to:
            problem.update(Text("Say where the request is redirected to."))
            return
        assert isinstance(action, Action)
        self.dismiss((action, redirect_to, note))


def _letters_text(prepared: Prepared) -> Text:
    text = Text()
    texts = prepared.letters.texts()
    for kind, title in LETTER_TITLES.items():
        text.append(f"The new {title.lower()} ({prepared.our_ref})\n", style="bold underline")
        text.append(terminal_safe(texts[kind], keep_newlines=True) + "\n\n")
    return text


class CorrectionFlow:
    """Mixed into screens (TriageScreen) that offer the correction of a decision."""

    _correction_note: str = ""

    @property
    def _correcting_screen(self) -> TriageScreen:
        assert isinstance(self, TriageScreen)
        return self

    def may_correct(self) -> bool:
        return may(self._correcting_screen.workspace.user, Permission.CORRECT)

    def correct_decision(self, request_id: int, then: Callable[[Decision], None]) -> None:
        """Read the decision that stands, ask for its correction, record it."""
        screen = self._correcting_screen
        call_service(
            screen,
            "Cannot correct",
            lambda: request_history(screen.workspace, request_id),
            lambda history: self._ask(history, then),
        )

    def _ask(self, history: History, then: Callable[[Decision], None]) -> None:
        screen = self._correcting_screen
        request = history.request
        if not history.decisions:
            screen.tell(f"{one_line(request.ref)} has no decision to correct.")
            return
        standing = history.decisions[-1]

        def chosen(answer: Correction | None) -> None:
            if answer is None:
                return
            action, redirect_to, note = answer
            self._correction_note = note
            choice = Choice(action=action, redirect_to=redirect_to or None, note=note)
            call_service(
                screen,
                "Not corrected",
                lambda: correct(screen.workspace, request.id, choice),
                lambda decision: self._corrected(standing, decision, then),
            )

        workspace = screen.workspace

        def draft(choice: Choice) -> Prepared:
            return prepare_correction(workspace, request.id, choice)

        screen.app.push_screen(
            CorrectionDialog(request.ref, standing, draft, self._correction_note), chosen
        )

    def _corrected(
        self, standing: Decision, decision: Decision, then: Callable[[Decision], None]
    ) -> None:
        self._correction_note = ""
        self._correcting_screen.tell(
            f"{decision.our_ref} ({decision.action.value}) replaces {standing.our_ref}; its "
            "letters say so. Both are in the log.",
            title="Corrected",
        )
        then(decision)
