"""The footer every screen shows: the keys that get a person out of trouble (help, quit) first,
so a narrow terminal, which cuts the footer off on the right, never hides them; the command
palette stays docked on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# The app's actions, in the order they lead the footer.
FIRST = ("help", "quit")


class TriageFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        yield from sorted(keys, key=_place)


def _place(widget: object) -> int:
    if isinstance(widget, FooterKey) and widget.action in FIRST:
        return FIRST.index(widget.action)
    return len(FIRST)
