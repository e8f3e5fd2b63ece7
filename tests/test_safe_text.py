"""Untrusted text reaches the terminal as characters, never as control sequences."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from triage.letters.words import clean_each_character, clean_text
from triage.safe_text import controls_escaped, one_line, terminal_safe


def test_escape_sequences_and_bidi_overrides_become_visible() -> None:
    assert terminal_safe("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07"
    assert terminal_safe("\x9b31m") == "\\x9b31m"  # a C1 control introducer
    assert terminal_safe("abc\u202edef") == "abc\\u202edef"
    assert terminal_safe("zero\u200bwidth") == "zero\\u200bwidth"


def test_ordinary_text_is_untouched() -> None:
    for text in ["O'Brien [/bold]", "Zoë Ōkubo-Łukasz", "[@click=app.quit]x[/]", "£40 — 10%"]:
        assert terminal_safe(text) == text


def test_newlines_are_kept_only_when_asked() -> None:
    assert terminal_safe("a\nb") == "a\\x0ab"
    assert terminal_safe("a\nb\r\n", keep_newlines=True) == "a\nb\\x0d\n"
    assert one_line("Dear Dr\n\n  Smith,\tthanks") == "Dear Dr Smith, thanks"


@given(st.text())
def test_no_control_or_format_character_survives(text: str) -> None:
    for char in terminal_safe(text, keep_newlines=True):
        assert char == "\n" or unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp", "Cs"}


@given(st.text())
def test_no_control_character_but_the_newline_survives_in_a_file(text: str) -> None:
    for char in controls_escaped(text):
        assert char == "\n" or unicodedata.category(char) not in {"Cc", "Zl", "Zp"}


@given(st.text(), st.booleans())
def test_a_letters_text_is_cleaned_the_same_whether_or_not_it_needed_every_character_looked_at(
    text: str, multi_line: bool
) -> None:
    # clean_text skips the character-by-character pass for text with nothing to remove.
    assert clean_text(text, multi_line=multi_line) == clean_each_character(
        text, multi_line=multi_line
    )
    for char in clean_text(text, multi_line=multi_line):
        assert char in "\n\u200c\u200d" or unicodedata.category(char) not in {
            "Cc",
            "Cf",
            "Zl",
            "Zp",
            "Cs",
        }
