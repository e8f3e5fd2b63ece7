"""Words for letters: dates, NHS numbers, untrusted text cleaned and tidied, and text made fit
for an SMS (GSM-7, measured and shortened)."""

from __future__ import annotations

import unicodedata
from datetime import date

from triage.models import day_in_words


def letter_date(day: date) -> str:
    """A date as letters write it: "3 March 2025" (the same in every locale)."""
    return day_in_words(day)


# Control and format characters (ESC, C1, bidi overrides, zero-width), separators, surrogates and
# private-use characters have no place in a letter. Zero-width (non-)joiners spell some names.
_DROPPED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
_JOINERS = frozenset({"\u200c", "\u200d"})
_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def clean_text(text: str, *, multi_line: bool = False) -> str:
    """Untrusted text made fit for a letter: control characters removed, whitespace tidied.

    One-line fields become one line; with multi_line, line breaks stay (blank lines go).
    """
    if text.isprintable():  # no control, format or line-break character: spaces alone to tidy
        return " ".join(text.split())
    return clean_each_character(text, multi_line=multi_line)


def clean_each_character(text: str, *, multi_line: bool = False) -> str:
    """clean_text, looking at every character (what clean_text does when it must)."""
    kept: list[str] = []
    for char in text:
        if char in _BREAKS:
            kept.append("\n")
        elif char == "\t":
            kept.append(" ")
        elif char in _JOINERS or unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    lines = (" ".join(line.split()) for line in "".join(kept).split("\n"))
    return ("\n" if multi_line else " ").join(line for line in lines if line)


def clean_or_none(text: str | None) -> str | None:
    if text is None:
        return None
    return clean_text(text) or None


def lines(text: str | None) -> list[str]:
    return clean_text(text, multi_line=True).split("\n") if text else []


def tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines, no blank lines at either end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


# GSM 03.38: the default alphabet, and the extension table whose characters take two places.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€")
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def gsm_text(text: str) -> str:
    """Text every phone shows in two plain SMS segments: typographic marks made plain, accents
    dropped where GSM-7 has no such letter, anything else left as "?"."""
    kept: list[str] = []
    for char in " ".join(text.translate(_TYPOGRAPHIC).split()):
        if char in _GSM_BASIC or char in _GSM_EXTENDED:
            kept.append(char)
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", char)
            if part in _GSM_BASIC or part in _GSM_EXTENDED
        )
        kept.append(base or "?")
    return "".join(kept)


def sms_length(text: str) -> int:
    """How many of an SMS's places the (GSM-7) text takes: extension characters take two."""
    return sum(2 if char in _GSM_EXTENDED else 1 for char in text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` places, cut between words with "..." if it had to be cut."""
    if sms_length(text) <= limit:
        return text
    words: list[str] = []
    used = 3
    for word in text.split(" "):
        cost = sms_length(word) + (1 if words else 0)
        if used + cost > limit:
            break
        words.append(word)
        used += cost
    if not words:  # one word longer than the limit: nothing to cut between
        return text[: limit - 3] + "..."
    return " ".join(words).rstrip(",;:.") + "..."
