"""The dates written in a letter's prose, read the way UK clinicians write them.

`find_dates(text, reference)` reads every date in a text against a reference date (the letter's
own date, or the day it was received); `letter_date(text, received)` finds the letter's own date.

What is read (case ignored):
- numbers, always day first: 4/3/25, 04/03/2025, 4.3.2025, 4-3-2025, ISO 2025-03-04, and a
  month as 03/2025. A two-digit year is 20yy, unless that year is more than one after the
  reference's, then 19yy (so "4/3/98" is 1998);
- words: "4 March", "4th of March 2025", "4 Mar 25", "04-Mar-2025", "Tuesday 4 March 2025",
  "March 4th, 2025", "March 4 2025", and a month as "March 2023" or "Sept 2024". A day and month
  without a year is the occurrence nearest the reference (on a tie, the later one);
- words read against the reference: today, tomorrow, yesterday; this, next or last week, month
  or year (whole calendar weeks, Monday to Sunday, months and years; "this week" is the reference
  to Sunday); "in 3 days", "in two weeks' time", "in 4-6 weeks", "in a fortnight" (that day, or
  those days); "within 7 days", "within the next 2 weeks", "over the next month" (the reference to
  that day); "3 weeks ago", "a year ago"; and the shorthand "in 3/12" (months), "in 2/52" (weeks),
  "in 6/7" (days), after "in" or "within" only. Months and years are added by the calendar, the
  day clamped to the month's length (31 January + 1 month is 28 or 29 February).

What is deliberately not read, because a wrong date is worse than none:
- a month without a year ("in March"), a year alone ("2024"), and "March 4" with neither an
  ordinal nor a year ("May 2 tablets");
- "3/12" without "in" or "within" (a fraction, a count), and a month as "3/2025" without its
  leading zero ("1/2000" is more often a dilution or a titre than January 2000);
- anything that is not a calendar date (31/02/2025, 12/13/2025), and years outside 1900-2099;
- numbers that merely look like dates: blood pressures (122/78), ratios (2/3), doses (400mg),
  times (10:30), telephone and NHS numbers, results (Hb 98), intervals ("3-monthly");
- vague or open words: "next Tuesday", "a few weeks ago", "recently", "over 3 months".

Speed: this runs for every request. A text with no digit and none of "day", "tomorrow", "week",
"fortnight", "month" and "year" is answered by substring tests, in C. Otherwise one regular
expression, built once from a table of the forms (date_patterns.py), scans the lower-cased
text. Each match starts with the character before the date (not a letter or a digit), so the
engine skips in C from one such character to the next; there the forms are a tree of their
first characters, so a word that starts no date costs a character test or two. Only the few
matches are taken apart in Python.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from triage.classify.date_patterns import (
    DAY_WORDS,
    MONTHS,
    NUMBER_WORDS,
    SHORTHAND_UNITS,
    STEPS,
    TOKEN,
    UNIT_DAYS,
    UNITS,
    compiled_scanner,
)
from triage.models import add_months


@dataclass(frozen=True, slots=True)
class WrittenDate:
    start: int  # character offsets of the words in `text` (text[start:end] is what was written)
    end: int
    earliest: date  # the first day the words can mean
    latest: date  # the last: the same day for "4 March 2025", the month's last for "March 2023"
    relative: bool  # True when read against the reference date ("next week", "in 3 days")


# --- reading a text ---------------------------------------------------------------------------


class DateReading(NamedTuple):  # a tuple: made for every date found, so made quickly
    earliest: date
    latest: date
    relative: bool = False
    full: bool = False  # a day, month and year all written: what a letterhead's date is


def find_dates(text: str, reference: date) -> list[WrittenDate]:
    """Every date written in `text`, in order of position, never overlapping."""
    return [written for written, _ in scan(text, reference)]


def scan(text: str, reference: date) -> list[tuple[WrittenDate, DateReading]]:
    """Every date in the text, as written and as read (for letter_date.py, which asks how)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # only "\u0130" (I with a dot) lower-cases to two characters
        lowered = text.replace("\u0130", "I").lower()
    if not _may_hold_a_date(lowered):
        return []
    found = []
    pattern, forms = compiled_scanner()
    # Each match starts with the character before the date; the space stands before the first
    # word, and shifts the text by one, so match.start() is the date's offset in `text`.
    for match in pattern.finditer(" " + lowered):
        read = _READERS[forms[match.lastindex or 0]]
        try:
            reading = read(TOKEN.findall(match[0]), reference)
        except (OverflowError, ValueError):  # "in 999 years" from 9500: beyond the calendar
            continue
        if reading is not None:
            earliest, latest, relative, _ = reading
            written = WrittenDate(match.start(), match.end() - 1, earliest, latest, relative)
            found.append((written, reading))
    return found


def _may_hold_a_date(lowered: str) -> bool:
    """Whether the text holds a digit, or a word that each form without a digit holds.

    Most fields hold neither. Written out, as each test is one call into C and a loop over the
    tests would cost more than they do.
    """
    return (
        "0" in lowered or "1" in lowered or "2" in lowered or "3" in lowered or "4" in lowered
        or "5" in lowered or "6" in lowered or "7" in lowered or "8" in lowered or "9" in lowered
        or "day" in lowered or "week" in lowered or "month" in lowered or "year" in lowered
        or "tomorrow" in lowered or "fortnight" in lowered
    )  # fmt: skip


# --- each form, from its numbers and words ----------------------------------------------------


def _iso(words: list[str], reference: date) -> DateReading | None:
    year, month, day = map(int, words)
    return _day(year, month, day) if 1900 <= year <= 2099 else None


def _numeric(words: list[str], reference: date) -> DateReading | None:
    day, month, year = words
    return _day(_year(year, reference), int(month), int(day))


def _numeric_month(words: list[str], reference: date) -> DateReading | None:
    month, year = map(int, words)
    return _month(year, month) if 1 <= month <= 12 else None


def _words(words: list[str], reference: date) -> DateReading | None:
    """A date with its month in words: a day, a year, or both (the pattern saw to that)."""
    month, numbers = 0, []
    for word in words:
        if word.isdigit():
            numbers.append(word)
        elif not month:  # the first word naming a month: no weekday, "the" or "of" starts like one
            month = MONTHS.get(word[:3], 0)
    if len(numbers) == 2:
        return _day(_year(numbers[1], reference), month, int(numbers[0]))
    if len(numbers[0]) == 4:  # "March 2023"
        return _month(int(numbers[0]), month)
    return _nearest(int(numbers[0]), month, reference)


def _day_word(words: list[str], reference: date) -> DateReading | None:
    day = reference + timedelta(days=DAY_WORDS[words[0]])
    return DateReading(day, day, relative=True)


def _calendar(words: list[str], reference: date) -> DateReading | None:
    """This, next or last week, month or year: the whole calendar period."""
    which, unit = words
    step = STEPS[which]
    if unit == "week":
        monday = reference + timedelta(days=7 * step - reference.weekday())
        start = reference if step == 0 else monday  # "this week" is what is left of it
        return DateReading(start, monday + timedelta(days=6), relative=True)
    first = add_months(reference.replace(day=1), step if unit == "month" else 12 * step)
    if unit == "year":
        return DateReading(first.replace(month=1), first.replace(month=12, day=31), relative=True)
    return DateReading(first, _month_end(first.year, first.month), relative=True)


def _shorthand(words: list[str], reference: date) -> DateReading | None:
    """The shorthand "in 3/12", "within 2/52", "in 4-6/52": months, weeks or days."""
    counts = [int(word) for word in words[1:-1]]
    return _ahead(words[0] == "within", counts, SHORTHAND_UNITS[words[-1]], reference)


def _ahead_words(words: list[str], reference: date) -> DateReading | None:
    within = words[0] != "in" or "next" in words  # "within", "over the next", "in the next"
    counts, unit = _counts_and_unit(words)
    return _ahead(within, counts or [1], unit, reference)  # "within the next week": one


def _ahead(within: bool, counts: list[int], unit: str, reference: date) -> DateReading:
    """In N units (that day, or days for "4-6"), or within N units (the reference until then)."""
    low, high = min(counts), max(counts)
    last = _moved(reference, high, unit)
    if within:
        return DateReading(reference, last, relative=True)
    first = last if low == high else _moved(reference, low, unit)
    return DateReading(first, last, relative=True)


def _ago(words: list[str], reference: date) -> DateReading | None:
    """ "3 weeks ago", "eight months ago", "two years ago": nobody counting back in months means
    a day, so months ago is the whole calendar month, and years ago the whole year."""
    counts, unit = _counts_and_unit(words)
    low, high = min(counts), max(counts)
    first = _moved(reference, -high, unit)
    last = first if low == high else _moved(reference, -low, unit)
    if unit == "month":
        first, last = first.replace(day=1), _month_end(last.year, last.month)
    elif unit == "year":
        first, last = date(first.year, 1, 1), date(last.year, 12, 31)
    return DateReading(first, last, relative=True)


def _counts_and_unit(words: list[str]) -> tuple[list[int], str]:
    """The numbers ("2", "two", "a") and the unit ("weeks" is "week") of a relative date."""
    counts: list[int] = []
    unit = ""
    for word in words:
        if word.isdigit():
            counts.append(int(word))
        elif word in NUMBER_WORDS:
            counts.append(NUMBER_WORDS[word])
        elif word.rstrip("s") in UNITS:
            unit = word.rstrip("s")
    return counts, unit


_READERS: dict[str, Callable[[list[str], date], DateReading | None]] = {
    "iso": _iso,
    "numeric": _numeric,
    "numeric_month": _numeric_month,
    "words": _words,
    "day_word": _day_word,
    "calendar": _calendar,
    "shorthand": _shorthand,
    "ahead": _ahead_words,
    "ago": _ago,
}


# --- the calendar -----------------------------------------------------------------------------


def _day(year: int, month: int, day: int) -> DateReading | None:
    try:
        written = date(year, month, day)
    except ValueError:  # 31/02/2025, 12/13/2025: not a calendar date, so not a date at all
        return None
    return DateReading(written, written, full=True)


def _month(year: int, month: int) -> DateReading:
    return DateReading(date(year, month, 1), _month_end(year, month))


def _year(written: str, reference: date) -> int:
    """A year as written; "25" is 2025 unless that is more than a year after the reference's."""
    if len(written) == 4:
        return int(written)
    year = 2000 + int(written)
    return year - 100 if year > reference.year + 1 else year


def _nearest(day: int, month: int, reference: date) -> DateReading | None:
    """A day and month without a year: the occurrence nearest the reference (a tie: the later)."""
    spread = 4 if (month, day) == (2, 29) else 1  # 29 February is only in leap years
    candidates = []
    for year in range(reference.year - spread, reference.year + spread + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:  # 31 April
        return None
    nearest = min(candidates, key=lambda found: (abs((found - reference).days), found < reference))
    return DateReading(nearest, nearest)


def _moved(reference: date, count: int, unit: str) -> date:
    """`count` units after the reference (before it when negative), by the calendar."""
    if unit in UNIT_DAYS:
        return reference + timedelta(days=count * UNIT_DAYS[unit])
    return add_months(reference, count if unit == "month" else 12 * count)


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])
