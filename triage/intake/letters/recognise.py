"""Telling a text file's kind from its first lines: an e-mail (RFC 5322 headers), a CSV file of
requests (a header naming our columns), or else a letter typed as plain text."""

from __future__ import annotations

import re

from triage.intake.records import COLUMNS

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]", re.MULTILINE)
_EMAIL_HEADERS = {"from", "to", "subject", "date", "mime-version", "message-id", "received", "cc"}
_FIRST_LINES = 40
_CELLS = re.compile(r"[,;\t]")  # commas, or the semicolons and tabs CSV's reader explains


def looks_like_email(text: str) -> bool:
    """Headers from the first line to a blank line, at least two of them an e-mail's own."""
    head = text.lstrip("\ufeff").split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
    lines = head.splitlines()[:_FIRST_LINES]
    if not lines or not _HEADER.match(lines[0]):
        return False
    names = {match[1].lower() for match in map(_HEADER.match, lines) if match}
    return len(names & _EMAIL_HEADERS) >= 2


def looks_like_csv(text: str) -> bool:
    """A first line naming at least two of the request columns (a CSV file of requests, even one
    with mistakes in its header, is read as CSV so that the mistakes are named)."""
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    names = {cell.strip().strip('"').lower() for cell in _CELLS.split(first)}
    return len(names & set(COLUMNS)) >= 2
