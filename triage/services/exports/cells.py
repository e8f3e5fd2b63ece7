"""Spreadsheet-safe text (OWASP's rule for CSV injection, docs/reliability.md §3.1).

A cell that starts with =, +, -, @, tab, carriage return or line feed could run as a formula
when the file is opened in a spreadsheet; such a cell gets a leading apostrophe, which
spreadsheets take as "this is text". A value that itself starts with an apostrophe gets one too,
so reading back is exact: strip one leading apostrophe, always.
"""

from __future__ import annotations

_ESCAPE = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_ESCAPE) else text
