"""The words dates are written in, and the one pattern that finds every form of date in a text
(dates.py reads what it finds)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# --- the words --------------------------------------------------------------------------------

# A month's first three letters, and how its name may go on ("sep", "sept", "september").
MONTH_ENDINGS = {
    "jan": "(?:uary)?", "feb": "(?:ruary)?", "mar": "(?:ch)?", "apr": "(?:il)?", "may": "",
    "jun": "e?", "jul": "y?", "aug": "(?:ust)?", "sep": "(?:t(?:ember)?)?",
    "oct": "(?:ober)?", "nov": "(?:ember)?", "dec": "(?:ember)?",
}  # fmt: skip
MONTHS = {name: number for number, name in enumerate(MONTH_ENDINGS, start=1)}
WEEKDAY_ENDINGS = {
    "mon": "(?:day)?", "tue": "(?:s(?:day)?)?", "wed": "(?:nesday)?",
    "thu": "(?:rs?(?:day)?)?", "fri": "(?:day)?", "sat": "(?:urday)?", "sun": "(?:day)?",
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}  # months and years go by the calendar
UNITS = {*UNIT_DAYS, "month", "year"}
SHORTHAND_UNITS = {"7": "day", "52": "week", "12": "month"}  # 3/12: three twelfths of a year
DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
STEPS = {"this": 0, "next": 1, "last": -1}  # this, next or last week, month or year

# --- the pattern ------------------------------------------------------------------------------

BEFORE = "[^a-z0-9_/.:]"  # no date starts inside a word or a number, nor after "/", "." or ":"
END = r"(?![a-z0-9_/]|[.:][0-9])"  # nor runs on: "4/3/2025/1", "4.3.25.1", "4 Mar 25:30"
YEAR4 = r"(?:19|20)[0-9]{2}"
ABBREVIATED = r"(?:\.(?=\s*[0-9]))?"  # "Sept. 2024", not the full stop of "... on 4 Mar."
MONTH = "(?:" + "|".join(s + e for s, e in MONTH_ENDINGS.items()) + rf")\b{ABBREVIATED}"
NUMBER = r"(?:[0-9]{1,3}|" + "|".join(NUMBER_WORDS) + r")\b"
COUNT = rf"{NUMBER}(?:\s*(?:-|to)\s*{NUMBER})?"  # "2", "two", "4-6", "4 to 6"
UNIT = r"(?:day|week|fortnight|month|year)s?\b"

MONTH_AND_YEAR = rf"{MONTH}(?:(?:,?\s+|-)(?:{YEAR4}|[0-9]{{2}}){END})?"  # "Mar 25", "March"
ORDINAL = r"[snrt][tdh](?<=st|nd|rd|th)"  # "st", "nd", "rd", "th", starting with one class

# What follows the day of "4th of March 2025", "4 Mar 25", "04-Mar-2025", "4 March".
AFTER_DAY = (
    rf"{ORDINAL}(?:\s+of)?(?:\s+|-){MONTH_AND_YEAR}",
    rf"\s+(?:of\s+)?{MONTH_AND_YEAR}",
    f"-{MONTH_AND_YEAR}",
)
# What follows the month of "March 4th", "March 4, 2025", "March 2023" (not "May 2 tablets").
AFTER_MONTH = (
    rf"\b{ABBREVIATED}(?:\s+(?:the\s+)?[0-9][0-9]?(?:{ORDINAL}\b|(?=,?\s+{YEAR4}))"
    rf"(?:,?\s+{YEAR4}{END})?|,?\s+{YEAR4}{END})"
)
AFTER_WEEKDAY = (  # "Tuesday 4 March", "Tue, the 4th of March", "Tuesday, March 4th"
    rf"\b\.?,?\s+(?:(?:the\s+)?[0-9][0-9]?(?:{'|'.join(AFTER_DAY)})|{MONTH}{AFTER_MONTH})"
)
# What follows the number of "3 weeks ago", "2-3 weeks ago", "two to three months ago".
AFTER_AGO_COUNT = (
    rf"\s+(?:(?:-|to)\s*{NUMBER}\s+)?{UNIT}\s+ago\b",
    rf"-\s*{NUMBER}\s+{UNIT}\s+ago\b",
)
# What follows "in" or "within" in "in 3 days", "within the next 2 weeks", "in 2 weeks' time".
THE_NEXT = rf"the\s+next\s+(?:{COUNT}\s+)?"
TIME = r"(?:(?:'s?|’s?)?\s+time\b)?"
AHEAD = rf"\s+(?:{THE_NEXT}|{COUNT}\s+){UNIT}{TIME}"

# The alternatives: (form, the characters it starts with, what follows them). The scanner stops
# after every space and punctuation mark, and the word there almost never starts a date, so the
# alternatives share their first characters as a tree: at "the" the engine tests "t", then "h",
# then gives up, all in C. (An alternative whose first step is not one character or class is
# entered to be tried, which costs several times more; hence ORDINAL's form.)
D = "[0-9]"
DAYS = ((D,), (D, D))  # "4", "04"
ALTERNATIVES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("iso", (D, D, D, D, "-"), rf"[0-9][0-9]-[0-9][0-9]{END}"),
    *(
        ("numeric", (*day, sep), rf"[0-9][0-9]?{sep}(?:{YEAR4}|[0-9][0-9]){END}")
        for day in DAYS
        for sep in ("/", r"\.", "-")
    ),
    ("numeric_month", (D, D, "/"), rf"{YEAR4}{END}"),
    *(("words", day, after) for day in DAYS for after in AFTER_DAY),
    *(("ago", count, after) for count in (*DAYS, (D,) * 3) for after in AFTER_AGO_COUNT),
    *(("ago", tuple(word), after) for word in NUMBER_WORDS for after in AFTER_AGO_COUNT),
    *(("words", tuple(month), end + AFTER_MONTH) for month, end in MONTH_ENDINGS.items()),
    *(("words", tuple(day), end + AFTER_WEEKDAY) for day, end in WEEKDAY_ENDINGS.items()),
    *(("day_word", tuple(word), r"\b") for word in DAY_WORDS),
    *(("calendar", tuple(word), r"\s+(?:week|month|year)\b") for word in STEPS),
    *(
        ("shorthand", tuple(word), rf"\s+[0-9][0-9]?(?:\s*-\s*[0-9][0-9]?)?/(?:12|52|7){END}")
        for word in ("in", "within")
    ),
    *(("ahead", tuple(word), AHEAD) for word in ("in", "within")),
    ("ahead", tuple("over"), rf"\s+{THE_NEXT}{UNIT}{TIME}"),  # not "over 3 months"
)


def scanner(
    alternatives: Iterable[tuple[str, tuple[str, ...], str]],
) -> tuple[re.Pattern[str], list[str]]:
    """One pattern for all the alternatives, and the form each of its groups marks.

    Each alternative ends with an empty group, so `match.lastindex` says which one matched.
    """
    forms = [""]  # group 0 is the whole match; the others are numbered in the order written
    tree = _tree([(starts, rest, form) for form, starts, rest in alternatives], forms)
    return re.compile(f"{BEFORE}(?:{tree})"), forms


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
def compiled_scanner() -> tuple[re.Pattern[str], list[str]]:
    """The scanner, compiled on first use rather than on import: every command imports this
    module, few read a date, and compiling it takes about 50 ms."""
    return scanner(ALTERNATIVES)


TOKEN = re.compile(r"[0-9]+|[a-z]+")
