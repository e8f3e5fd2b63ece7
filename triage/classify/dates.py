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
expression, built once from a table of the forms, scans the lower-cased text. Each match starts
with the character before the date (not a letter or a digit), so the engine skips in C from one
such character to the next; there the forms are a tree of their first characters, so a word that
starts no date costs a character test or two. Only the few matches are taken apart in Python.
"""

from __future__ import annotations

import functools
import re
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class WrittenDate:
    start: int  # character offsets of the words in `text` (text[start:end] is what was written)
    end: int
    earliest: date  # the first day the words can mean
    latest: date  # the last: the same day for "4 March 2025", the month's last for "March 2023"
    relative: bool  # True when read against the reference date ("next week", "in 3 days")


# --- the words --------------------------------------------------------------------------------

# A month's first three letters, and how its name may go on ("sep", "sept", "september").
_MONTH_ENDINGS = {
    "jan": "(?:uary)?", "feb": "(?:ruary)?", "mar": "(?:ch)?", "apr": "(?:il)?", "may": "",
    "jun": "e?", "jul": "y?", "aug": "(?:ust)?", "sep": "(?:t(?:ember)?)?",
    "oct": "(?:ober)?", "nov": "(?:ember)?", "dec": "(?:ember)?",
}  # fmt: skip
_MONTHS = {name: number for number, name in enumerate(_MONTH_ENDINGS, start=1)}
_WEEKDAY_ENDINGS = {
    "mon": "(?:day)?", "tue": "(?:s(?:day)?)?", "wed": "(?:nesday)?",
    "thu": "(?:rs?(?:day)?)?", "fri": "(?:day)?", "sat": "(?:urday)?", "sun": "(?:day)?",
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}  # months and years go by the calendar
_UNITS = {*_UNIT_DAYS, "month", "year"}
_SHORTHAND_UNITS = {"7": "day", "52": "week", "12": "month"}  # 3/12: three twelfths of a year
_DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
_STEPS = {"this": 0, "next": 1, "last": -1}  # this, next or last week, month or year

# --- the pattern ------------------------------------------------------------------------------

_BEFORE = "[^a-z0-9_/.:]"  # no date starts inside a word or a number, nor after "/", "." or ":"
_END = r"(?![a-z0-9_/]|[.:][0-9])"  # nor runs on: "4/3/2025/1", "4.3.25.1", "4 Mar 25:30"
_YEAR4 = r"(?:19|20)[0-9]{2}"
_ABBREVIATED = r"(?:\.(?=\s*[0-9]))?"  # "Sept. 2024", not the full stop of "... on 4 Mar."
_MONTH = "(?:" + "|".join(s + e for s, e in _MONTH_ENDINGS.items()) + rf")\b{_ABBREVIATED}"
_NUMBER = r"(?:[0-9]{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b"
_COUNT = rf"{_NUMBER}(?:\s*(?:-|to)\s*{_NUMBER})?"  # "2", "two", "4-6", "4 to 6"
_UNIT = r"(?:day|week|fortnight|month|year)s?\b"

_MONTH_AND_YEAR = rf"{_MONTH}(?:(?:,?\s+|-)(?:{_YEAR4}|[0-9]{{2}}){_END})?"  # "Mar 25", "March"
_ORDINAL = r"[snrt][tdh](?<=st|nd|rd|th)"  # "st", "nd", "rd", "th", starting with one class

# What follows the day of "4th of March 2025", "4 Mar 25", "04-Mar-2025", "4 March".
_AFTER_DAY = (
    rf"{_ORDINAL}(?:\s+of)?(?:\s+|-){_MONTH_AND_YEAR}",
    rf"\s+(?:of\s+)?{_MONTH_AND_YEAR}",
    f"-{_MONTH_AND_YEAR}",
)
# What follows the month of "March 4th", "March 4, 2025", "March 2023" (not "May 2 tablets").
_AFTER_MONTH = (
    rf"\b{_ABBREVIATED}(?:\s+(?:the\s+)?[0-9][0-9]?(?:{_ORDINAL}\b|(?=,?\s+{_YEAR4}))"
    rf"(?:,?\s+{_YEAR4}{_END})?|,?\s+{_YEAR4}{_END})"
)
_AFTER_WEEKDAY = (  # "Tuesday 4 March", "Tue, the 4th of March", "Tuesday, March 4th"
    rf"\b\.?,?\s+(?:(?:the\s+)?[0-9][0-9]?(?:{'|'.join(_AFTER_DAY)})|{_MONTH}{_AFTER_MONTH})"
)
# What follows the number of "3 weeks ago", "2-3 weeks ago", "two to three months ago".
_AFTER_AGO_COUNT = (
    rf"\s+(?:(?:-|to)\s*{_NUMBER}\s+)?{_UNIT}\s+ago\b",
    rf"-\s*{_NUMBER}\s+{_UNIT}\s+ago\b",
)
# What follows "in" or "within" in "in 3 days", "within the next 2 weeks", "in 2 weeks' time".
_THE_NEXT = rf"the\s+next\s+(?:{_COUNT}\s+)?"
_TIME = r"(?:(?:'s?|’s?)?\s+time\b)?"
_AHEAD = rf"\s+(?:{_THE_NEXT}|{_COUNT}\s+){_UNIT}{_TIME}"

# The alternatives: (form, the characters it starts with, what follows them). The scanner stops
# after every space and punctuation mark, and the word there almost never starts a date, so the
# alternatives share their first characters as a tree: at "the" the engine tests "t", then "h",
# then gives up, all in C. (An alternative whose first step is not one character or class is
# entered to be tried, which costs several times more; hence _ORDINAL's form.)
_D = "[0-9]"
_DAYS = ((_D,), (_D, _D))  # "4", "04"
_ALTERNATIVES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("iso", (_D, _D, _D, _D, "-"), rf"[0-9][0-9]-[0-9][0-9]{_END}"),
    *(
        ("numeric", (*day, sep), rf"[0-9][0-9]?{sep}(?:{_YEAR4}|[0-9][0-9]){_END}")
        for day in _DAYS
        for sep in ("/", r"\.", "-")
    ),
    ("numeric_month", (_D, _D, "/"), rf"{_YEAR4}{_END}"),
    *(("words", day, after) for day in _DAYS for after in _AFTER_DAY),
    *(("ago", count, after) for count in (*_DAYS, (_D,) * 3) for after in _AFTER_AGO_COUNT),
    *(("ago", tuple(word), after) for word in _NUMBER_WORDS for after in _AFTER_AGO_COUNT),
    *(("words", tuple(month), end + _AFTER_MONTH) for month, end in _MONTH_ENDINGS.items()),
    *(("words", tuple(day), end + _AFTER_WEEKDAY) for day, end in _WEEKDAY_ENDINGS.items()),
    *(("day_word", tuple(word), r"\b") for word in _DAY_WORDS),
    *(("calendar", tuple(word), r"\s+(?:week|month|year)\b") for word in _STEPS),
    *(
        ("shorthand", tuple(word), rf"\s+[0-9][0-9]?(?:\s*-\s*[0-9][0-9]?)?/(?:12|52|7){_END}")
        for word in ("in", "within")
    ),
    *(("ahead", tuple(word), _AHEAD) for word in ("in", "within")),
    ("ahead", tuple("over"), rf"\s+{_THE_NEXT}{_UNIT}{_TIME}"),  # not "over 3 months"
)


def _scanner(
    alternatives: Iterable[tuple[str, tuple[str, ...], str]],
) -> tuple[re.Pattern[str], list[str]]:
    """One pattern for all the alternatives, and the form each of its groups marks.

    Each alternative ends with an empty group, so `match.lastindex` says which one matched.
    """
    forms = [""]  # group 0 is the whole match; the others are numbered in the order written
    tree = _tree([(starts, rest, form) for form, starts, rest in alternatives], forms)
    return re.compile(f"{_BEFORE}(?:{tree})"), forms


def _tree(alternatives: list[tuple[tuple[str, ...], str, str]], forms: list[str]) -> str:
    """The alternatives, those starting with the same character sharing it (recursively)."""
    by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for starts, rest, form in alternatives:
        by_first.setdefault(starts[0] if starts else "", []).append((starts[1:], rest, form))
    written = []
    for first, group in by_first.items():
        if first:
            written.append(f"{first}(?:{_tree(group, forms)})")
            continue
        for _, rest, form in group:  # nothing shared is left: the rest of each, marked
            written.append(f"{rest}()")
            forms.append(form)
    return "|".join(written)


@functools.cache
def _compiled_scanner() -> tuple[re.Pattern[str], list[str]]:
    """The scanner, compiled on first use rather than on import: every command imports this
    module, few read a date, and compiling it takes about 50 ms."""
    return _scanner(_ALTERNATIVES)


_TOKEN = re.compile(r"[0-9]+|[a-z]+")


# --- reading a text ---------------------------------------------------------------------------


class _Reading(NamedTuple):  # a tuple: made for every date found, so made quickly
    earliest: date
    latest: date
    relative: bool = False
    full: bool = False  # a day, month and year all written: what a letterhead's date is


def find_dates(text: str, reference: date) -> list[WrittenDate]:
    """Every date written in `text`, in order of position, never overlapping."""
    return [written for written, _ in _scan(text, reference)]


def _scan(text: str, reference: date) -> list[tuple[WrittenDate, _Reading]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # only "\u0130" (I with a dot) lower-cases to two characters
        lowered = text.replace("\u0130", "I").lower()
    if not _may_hold_a_date(lowered):
        return []
    found = []
    pattern, forms = _compiled_scanner()
    # Each match starts with the character before the date; the space stands before the first
    # word, and shifts the text by one, so match.start() is the date's offset in `text`.
    for match in pattern.finditer(" " + lowered):
        read = _READERS[forms[match.lastindex or 0]]
        try:
            reading = read(_TOKEN.findall(match[0]), reference)
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


def _iso(words: list[str], reference: date) -> _Reading | None:
    year, month, day = map(int, words)
    return _day(year, month, day) if 1900 <= year <= 2099 else None


def _numeric(words: list[str], reference: date) -> _Reading | None:
    day, month, year = words
    return _day(_year(year, reference), int(month), int(day))


def _numeric_month(words: list[str], reference: date) -> _Reading | None:
    month, year = map(int, words)
    return _month(year, month) if 1 <= month <= 12 else None


def _words(words: list[str], reference: date) -> _Reading | None:
    """A date with its month in words: a day, a year, or both (the pattern saw to that)."""
    month, numbers = 0, []
    for word in words:
        if word.isdigit():
            numbers.append(word)
        elif not month:  # the first word naming a month: no weekday, "the" or "of" starts like one
            month = _MONTHS.get(word[:3], 0)
    if len(numbers) == 2:
        return _day(_year(numbers[1], reference), month, int(numbers[0]))
    if len(numbers[0]) == 4:  # "March 2023"
        return _month(int(numbers[0]), month)
    return _nearest(int(numbers[0]), month, reference)


def _day_word(words: list[str], reference: date) -> _Reading | None:
    day = reference + timedelta(days=_DAY_WORDS[words[0]])
    return _Reading(day, day, relative=True)


def _calendar(words: list[str], reference: date) -> _Reading | None:
    """This, next or last week, month or year: the whole calendar period."""
    which, unit = words
    step = _STEPS[which]
    if unit == "week":
        monday = reference + timedelta(days=7 * step - reference.weekday())
        start = reference if step == 0 else monday  # "this week" is what is left of it
        return _Reading(start, monday + timedelta(days=6), relative=True)
    first = add_months(reference.replace(day=1), step if unit == "month" else 12 * step)
    if unit == "year":
        return _Reading(first.replace(month=1), first.replace(month=12, day=31), relative=True)
    return _Reading(first, _month_end(first.year, first.month), relative=True)


def _shorthand(words: list[str], reference: date) -> _Reading | None:
    """The shorthand "in 3/12", "within 2/52", "in 4-6/52": months, weeks or days."""
    counts = [int(word) for word in words[1:-1]]
    return _ahead(words[0] == "within", counts, _SHORTHAND_UNITS[words[-1]], reference)


def _ahead_words(words: list[str], reference: date) -> _Reading | None:
    within = words[0] != "in" or "next" in words  # "within", "over the next", "in the next"
    counts, unit = _counts_and_unit(words)
    return _ahead(within, counts or [1], unit, reference)  # "within the next week": one


def _ahead(within: bool, counts: list[int], unit: str, reference: date) -> _Reading:
    """In N units (that day, or days for "4-6"), or within N units (the reference until then)."""
    low, high = min(counts), max(counts)
    last = _moved(reference, high, unit)
    if within:
        return _Reading(reference, last, relative=True)
    first = last if low == high else _moved(reference, low, unit)
    return _Reading(first, last, relative=True)


def _ago(words: list[str], reference: date) -> _Reading | None:
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
    return _Reading(first, last, relative=True)


def _counts_and_unit(words: list[str]) -> tuple[list[int], str]:
    """The numbers ("2", "two", "a") and the unit ("weeks" is "week") of a relative date."""
    counts: list[int] = []
    unit = ""
    for word in words:
        if word.isdigit():
            counts.append(int(word))
        elif word in _NUMBER_WORDS:
            counts.append(_NUMBER_WORDS[word])
        elif word.rstrip("s") in _UNITS:
            unit = word.rstrip("s")
    return counts, unit


_READERS: dict[str, Callable[[list[str], date], _Reading | None]] = {
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


def _day(year: int, month: int, day: int) -> _Reading | None:
    try:
        written = date(year, month, day)
    except ValueError:  # 31/02/2025, 12/13/2025: not a calendar date, so not a date at all
        return None
    return _Reading(written, written, full=True)


def _month(year: int, month: int) -> _Reading:
    return _Reading(date(year, month, 1), _month_end(year, month))


def _year(written: str, reference: date) -> int:
    """A year as written; "25" is 2025 unless that is more than a year after the reference's."""
    if len(written) == 4:
        return int(written)
    year = 2000 + int(written)
    return year - 100 if year > reference.year + 1 else year


def _nearest(day: int, month: int, reference: date) -> _Reading | None:
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
    return _Reading(nearest, nearest)


def _moved(reference: date, count: int, unit: str) -> date:
    """`count` units after the reference (before it when negative), by the calendar."""
    if unit in _UNIT_DAYS:
        return reference + timedelta(days=count * _UNIT_DAYS[unit])
    return add_months(reference, count if unit == "month" else 12 * count)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's length: 31 Jan + 1 is 28 or 29 Feb."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


# --- the letter's own date --------------------------------------------------------------------

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
        found = _scan(after, received)
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
        found = _scan(line, received)
        if len(found) == 1:
            written, reading = found[0]
            if reading.full and (written.start, written.end) == (0, len(line)):
                return reading.earliest
    return None
