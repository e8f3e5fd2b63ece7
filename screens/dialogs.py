"""Small modal questions: a note, an override, a yes/no, a choice from a list. Each returns what
was typed (or None when cancelled) and never loses it: the caller keeps it to offer again."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from triage.models import DECIDING_ACTIONS, Action, Reason
from triage.safe_text import one_line

T = TypeVar("T")


class _Question(ModalScreen[T | None]):
    """A dialog that Escape or its Cancel button closes with None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def title_label(self, title: str) -> Label:
        return Label(Text(one_line(title)), classes="dialog-title")

    def buttons(self, ok: str = "OK") -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button(ok, id="ok", variant="primary")
            yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(_Question[str]):
    """Asks for a required note, e.g. why a request goes to a GP."""

    def __init__(self, title: str, prompt: str, value: str = "") -> None:
        super().__init__()
        self._title, self._prompt, self._value = title, prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_label(self._title)
            yield Static(Text(one_line(self._prompt)))
            yield Input(value=self._value, id="note", placeholder="Required")
            yield Static(id="problem", classes="problem")
            yield from self.buttons()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        if not note:
            self.query_one("#problem", Static).update(Text("A note is required."))
            return
        self.dismiss(note)


# An override: the action, why, where a redirect goes (or ""), and reasons for the letter.
Override = tuple[Action, str, str, tuple[Reason, ...]]


class OverrideDialog(_Question[Override]):
    """Another action than suggested: the action, why (required), and where a redirect goes."""

    def __init__(self, title: str, suggested: Action | None, note: str = "") -> None:
        super().__init__()
        self._title, self._suggested, self._note = title, suggested, note

    def compose(self) -> ComposeResult:
        actions = [
            (action.value, action) for action in DECIDING_ACTIONS if action is not self._suggested
        ]
        with Vertical(classes="dialog"):
            yield self.title_label(self._title)
            yield Select(actions, id="action", allow_blank=False, value=actions[0][1])
            yield Input(value=self._note, id="note", placeholder="Why (required)")
            yield Input(id="redirect-to", placeholder="Redirect to (for a redirect)")
            yield Select(
                [(reason.value.replace("_", " "), reason) for reason in Reason],
                id="reason",
                prompt="Reason for the letter (optional)",
            )
            yield Static(id="problem", classes="problem")
            yield from self.buttons("Decide")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        action = self.query_one("#action", Select).value
        note = self.query_one("#note", Input).value.strip()
        redirect_to = self.query_one("#redirect-to", Input).value.strip()
        reason = self.query_one("#reason", Select).value
        problem = self.query_one("#problem", Static)
        if not note:
            problem.update(Text("Say why you decide other than suggested."))
            return
        if action is Action.REDIRECT and not redirect_to:
            problem.update(Text("Say where the request is redirected to."))
            return
        reasons = (reason,) if isinstance(reason, Reason) else ()
        assert isinstance(action, Action)
        self.dismiss((action, note, redirect_to, reasons))


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(one_line(self._question)))
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceDialog(_Question[str]):
    """Choose one of a few options (e.g. which demo user to act as)."""

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title, self._choices = title, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_label(self._title)
            yield OptionList(
                *(Option(Text(one_line(label)), id=key) for key, label in self._choices)
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class InputDialog(_Question[str]):
    """Asks for one value, e.g. where to write an export."""

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self._title, self._value = title, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_label(self._title)
            yield Input(value=self._value, id="value")
            yield from self.buttons()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        value = self.query_one("#value", Input).value.strip()
        if value:
            self.dismiss(value)


class DetailsDialog(_Question[dict[str, str]]):
    """The details a request still needs, one box each (key, label, what it holds now), to type
    what its reader could not read; returns the fields changed (the service checks them, and
    says what is wrong)."""

    def __init__(self, title: str, needed: list[str], fields: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title, self._needed = title, needed
        self._fields = fields
        self._current = {key: value for key, _, value in fields}

    def compose(self) -> ComposeResult:
        # Scrolls: a request may need all five details, more than 80x24 shows at once.
        with VerticalScroll(classes="dialog"):
            yield self.title_label(self._title)
            yield Static(Text("Still needed: " + one_line("; ".join(self._needed))))
            for key, label, value in self._fields:
                yield Label(label)
                yield Input(value=value, id=key)
            yield from self.buttons("Save")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        typed = {key: self.query_one(f"#{key}", Input).value.strip() for key in self._current}
        self.dismiss(
            {
                key: value
                for key, value in typed.items()
                if value and value != self._current.get(key)
            }
        )
