"""Making untrusted text (anything that came from a file) safe to put in front of a terminal.

Rich and Textual strip only a few control codes; ESC, C1 controls and bidi overrides pass straight
through (docs/reliability.md §3.3). A patient name holding "\\x1b[2J" must show as those characters,
not clear the screen. Markup is the other half: callers render this text with markup off
(rich.text.Text, Content, markup=False), never as a markup string.
"""

from __future__ import annotations

import unicodedata

# Control, format (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """The text with every control or formatting character written as a visible escape.

    With keep_newlines, "\\n" stays a line break (for letters and multi-line detail panes).
    """
    if text.isprintable():  # the common case, checked at C speed
        return text
    return "".join(
        char
        if (keep_newlines and char == "\n") or unicodedata.category(char) not in _UNSAFE_CATEGORIES
        else _visible(char)
        for char in text
    )


def one_line(text: str) -> str:
    """Terminal-safe, on one line: runs of whitespace (newlines included) become one space."""
    return terminal_safe(" ".join(text.split()))
