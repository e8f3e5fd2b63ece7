"""Making untrusted text (anything that came from a file) safe to put in front of a terminal.

Rich and Textual strip only a few control codes; ESC, C1 controls and bidi overrides pass straight
through (docs/reliability.md §3.3). A patient name holding "\\x1b[2J" must show as those characters,
not clear the screen. Markup is the other half: callers render this text with markup off
(rich.text.Text, Content, markup=False), never as a markup string.
"""

from __future__ import annotations

import re
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


# C0 and C1 controls but the newline, DEL, and the line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def controls_escaped(text: str) -> str:
    """The text with every control character but the newline written as a visible escape, for a
    file another program shows or reads line by line (a CSV export). Other format characters
    stay: a name may need a zero-width joiner, and a spreadsheet shows them as a terminal
    would not."""
    return _CONTROLS.sub(lambda found: _visible(found.group()), text)
