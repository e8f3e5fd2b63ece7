"""F1 (or ?): what the screen is for, and its keys: the screen's own and the app's, each marked
when the acting user may not use it, with who may. Textual's own keys (tab, ctrl+c) are left out:
they are the same on every screen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.base import TriageScreen

_TEXTUAL_KEYS = {
    (binding.key, binding.action)
    for owner in (App, Screen)
    for _, binding in BindingsMap(owner.BINDINGS)
}


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close")
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self._about = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(self._text())

    def _text(self) -> Text:
        text = Text()
        text.append(f"{self._about.title or 'This screen'}\n", style="bold")
        text.append(f"{self._about.HELP or ''}\n\nKeys\n", style="")
        seen: set[str] = set()
        for active in self._about.active_bindings.values():
            binding = active.binding
            if active.node not in (self._about, self.app):
                continue  # a widget's own keys (scrolling, copying) are not this screen's
            if (binding.key, binding.action) in _TEXTUAL_KEYS:
                continue
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = binding.key_display or self.app.get_key_display(binding)
            text.append(f"{keys:>10}  ", style="bold")
            text.append(binding.description)
            if binding.tooltip:
                text.append(f": {binding.tooltip}")
            if not active.enabled:
                text.append(f" (not yours: {self._why_not(binding.action)})", style="italic")
            text.append("\n")
        text.append(
            "\nctrl+p opens the command palette: every action, by name. Escape closes this."
        )
        return text

    def _why_not(self, action: str) -> str:
        refused = self._about.refused(action) if isinstance(self._about, TriageScreen) else None
        return refused.split(";")[0] if refused else "not here"
