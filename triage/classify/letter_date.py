"""The letter's own date: labelled at the start of a line, or standing alone in the letterhead."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import islice

from triage.classify.dates import scan
from triage.models import add_months

# A label at the start of a line; the date must follow it directly, so "Date of birth: ..." is
# not the letter's date. Longer labels come first, so "Date typed" is not read as "Date".
_LABEL = re.compile(
    r"^[ \t]*(?P<label>date[ \t]+of[ \t]+letter|letter[ \t]+date|date[ \t]+typed"
    r"|date[ \t]+dictated|date[ \t]+of[ \t]+dictation|date[ \t]+of[ \t]+clinic"
    r"|clinic[ \t]+date|dated|date|dictated|typed)\b[ \t]*(?:[:.\-–][ \t]*)?",
    re.IGNORECASE | re.MULTILINE,
)
# The letter's own date is preferred to the day it was dictated or typed, or the clinic's.
_SECONDARY_LABELS = frozenset(
    {"date typed", "date dictated", "date of dictation", "date of clinic", "clinic date"}
    | {"dictated", "typed"}
)
_LETTERHEAD_LINES = 15
_LONGEST_DATE = len("Wednesday, the 24th of September 2025")


def letter_date(text: str, received: date) -> date | None:
    """The letter's own date: a date labelled at the start of a line ("Date: 12 March 2025",
    "Dated 12/03/2025", "Date of letter:", "Letter date:", "Date typed:", "Dictated:", "Typed:",
    "Clinic date:" -- preferring Date/Dated/Letter date over Dictated/Typed/Clinic date), or
    failing that a full date (day, month and year) standing alone on a line among the first 15
    lines with words on them (the letterhead's date). A date after `received` + 1 day, or more
    than 2 years before it, is not trusted: None (a labelled date that is not trusted is not
    replaced by the letterhead's: the letter's dates disagree)."""
    found = _labelled_date(text, received) or _letterhead_date(text, received)
    if found is None:
        return None
    if found > received + timedelta(days=1) or found < add_months(received, -24):
        return None
    return found


def _labelled_date(text: str, received: date) -> date | None:
    lowered = text.lower()
    if "date" not in lowered and "typed" not in lowered and "dictated" not in lowered:
        return None  # no label, said in C before the pattern looks at each line
    best: tuple[int, date] | None = None  # (0 for the letter's own date, 1 otherwise; the date)
    for label in _LABEL.finditer(text):
        line_end = text.find("\n", label.end())
        after = text[label.end() : None if line_end < 0 else line_end]
        found = scan(after, received)
        if not found or found[0][0].start != 0:
            continue  # no date straight after the label: "Date of birth: ...", "Date: see below"
        reading = found[0][1]
        if reading.relative or reading.earliest != reading.latest:  # "Date: today", "March 2025"
            continue
        rank = int(" ".join(label["label"].lower().split()) in _SECONDARY_LABELS)
        if best is None or rank < best[0]:
            best = (rank, reading.earliest)
    return None if best is None else best[1]


def _letterhead_date(text: str, received: date) -> date | None:
    """A full date alone on one of the first lines (blank lines are not counted)."""
    lines = (line.strip(" \t.,") for line in text.splitlines())
    for line in islice(filter(None, lines), _LETTERHEAD_LINES):
        if len(line) > _LONGEST_DATE:  # prose, not a date on its own: not worth reading
            continue
        found = scan(line, received)
        if len(found) == 1:
            written, reading = found[0]
            if reading.full and (written.start, written.end) == (0, len(line)):
                return reading.earliest
    return None
