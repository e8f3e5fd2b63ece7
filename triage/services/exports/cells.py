"""Spreadsheet-safe text (OWASP's rule for CSV injection, docs/reliability.md §3.1 and §3.3).

Control characters but the newline are written as visible escapes ("\\x1b"): from an imported
file, they would reach a terminal showing the export, or a program reading it line by line.
Then a cell that starts with =, +, -, @ or a line feed could run as a formula when the file is
opened in a spreadsheet; such a cell gets a leading apostrophe, which spreadsheets take as
"this is text". A value that itself starts with an apostrophe gets one too, so reading back is
exact but for the escapes: strip one leading apostrophe, always.
"""

from __future__ import annotations

from triage.safe_text import controls_escaped

# Tab and carriage return start formulas too, but are escaped before this is looked at.
_ESCAPE = ("=", "+", "-", "@", "\n", "'")


def safe_cell(value: object) -> str:
    text = controls_escaped("" if value is None else str(value))
    return "'" + text if text.startswith(_ESCAPE) else text
