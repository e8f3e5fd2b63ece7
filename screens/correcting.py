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
from triage.rules import Permission, may
from triage.safe_text import one_line
from triage.services.deciding import Choice, correct
from triage.services.history import History, request_history

# Shown beside the key wherever a correction is offered, and to whoever may not.
WHO_MAY_CORRECT = "a GP may correct a decision"
CORRECT_TOOLTIP = "A GP may correct a decision"

# What the GP chose: the action, where a redirect goes (or ""), and why.
Correction = tuple[Action, str, str]


class CorrectionDialog(ModalScreen[Correction | None]):
    """The decision that stands, with its letters, beside the form for its correction."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, ref: str, standing: Decision, note: str = "") -> None:
        super().__init__()
        self._ref, self._standing, self._note = ref, standing, note

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

    def on_mount(self) -> None:
        self.query_one("#action", Select).focus()

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

        screen.app.push_screen(
            CorrectionDialog(request.ref, standing, self._correction_note), chosen
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
