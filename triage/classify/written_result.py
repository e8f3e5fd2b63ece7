"""What reading a letter's results gives: each result's values as written, oldest first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from triage.classify.measures import Measure


class Value(NamedTuple):
    number: float
    comparator: str  # "", "<", ">", "<=", ">="
    unit: str | None  # as written, folded ("g/l", "x10^9/l"), or None
    second: float | None = None  # a blood pressure's diastolic


@dataclass(slots=True)
class WrittenResult:
    """One result as a letter gives it: its values, oldest first, and any trend in words."""

    measure: Measure
    start: int  # the words in the text
    end: int
    values: list[Value] = field(default_factory=list)
    trend: str = ""  # "rise" or "fall", from the words
    trend_words: str = ""
    ordered: bool = True  # whether the values are known to be oldest first
    row_days: list[date | None] = field(default_factory=list)  # a table's: each value's row
    range_high: float | None = None  # the upper limit of a reference range written beside it


class ResultName(NamedTuple):
    """A result's name in the text, and the match that found it (with a simple value, if any)."""

    start: int
    end: int
    measure: Measure
    found: re.Match[str]
