"""Reading the results a letter gives, the way clinicians write them.

"Hb 98 g/L", "adjusted calcium of 2.85 mmol/L", "Hb on 3/1/25 was 98", "creatinine has risen to
160", "PSA has gone from undetectable to 0.4 and now 0.9", "Platelets: 120 x10^9/L (150-400)",
and small tables ("Date  Hb  Creat" over rows of values). After a result's name, the reader
takes the clause that follows: linking words, dates and reference ranges are passed over; the
first number is the value, and further numbers joined by "to", "then", "and now", "previously"
or commas make a series (a trend). A number that is a dose ("400mg"), a frequency ("3-monthly",
"every 6 months"), a time, a phone number or an ID ends the clause with no value: it is not a
result. Trend words ("rising", "has fallen", "doubled", "drop in") are kept with the result.

This module only reads; measures.py says what the values mean and result_flags.py which of
them a GP must see.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from triage.classify.dates import find_dates
from triage.classify.measures import Measure, Measures, name_key, tidy_unit
from triage.models import day_in_words

# Characters written in several ways, folded one for one so that places in the text still hold.
_FOLD = str.maketrans({"µ": "u", "μ": "u", "×": "x", "⁹": "9", "°": " ", "–": "-", "—": "-",
                       "≤": "<", "≥": ">", "→": ",", "\u00a0": " "})  # fmt: skip

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}}|\s+\d{{2}}(?!\d))?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?![\d.])|{_MONTH}\s+\d{{4}}"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_TOKEN = re.compile(
    r"(?P<open>\()"
    r"|(?P<space>[\s|:=)\[\]'\"]+)"
    r"|(?P<range>(?:ref(?:erence)?\s*(?:range)?|normal\s*(?:range)?|nr|range)?\s*[:=]?\s*"
    rf"(?P<low>{_NUMBER})\s*(?:-|to)\s*(?P<high>{_NUMBER})(?=\s*\))"
    r"|(?:ref(?:erence)?\s*range|normal\s*range|nr)\s*[:=]?\s*"
    rf"(?P<low2>{_NUMBER})\s*(?:-|to)\s*(?P<high2>{_NUMBER}))"
    rf"|(?P<date>(?:{_DATE}))(?![\d/]|\.\d)"
    r"|(?P<pair>(?P<first>\d{2,3})\s*/\s*(?P<second>\d{2,3}))(?![\d/])"
    r"|(?P<arrow>-+>|=>)"
    rf"|(?P<cmp>[<>]=?)?\s*(?P<number>{_NUMBER})(?![\d])"
    r"|(?P<word>[a-z][a-z']*)"
    r"|(?P<end>[.;!?](?=\s|$)|\n[ \t]*\n)"
    r"|(?P<other>.)",
    re.DOTALL,
)
# After a result's name, its usual clause: linking words, then one number and perhaps a unit.
# Read in the same match as the name (_simply_named), so that "INR 6.2 today" or "Hb: 98 g/L,"
# costs one step; anything else is read word by word (_read_clause).
_LINK = (
    r"(?:[ \t:=]+|[ \t]+(?:is|was|of|at|now|today|level|levels|measured|recorded|result|"
    r"currently|remains)(?![a-z]))*[ \t]*"
)
_SIMPLE_CLAUSE = (
    _LINK + r"(?P<cmp>[<>]=?)?[ \t]*(?P<number>\d{1,4}(?:\.\d+)?)(?!\d|,\d|\.\d|[/.-]\d)"
)
# After a value: what may carry the clause on to more than one value, or make it something else.
_GOES_ON = re.compile(
    r"[ \t]*(?:[(\[]|-+>|=>|/|-\s*\d|,[ \t]*(?:\d|[a-z]+[ \t]+\d|then|and|now|previously|"
    r"up|down|from|to|was|rising|falling)|(?:then|to|and|now|previously|prior|from|up|down|"
    r"rising|risen|falling|fallen|was|were|since|vs|versus|compared|before|after|on|in)(?![a-z])"
    r"|[<>]?\d)"
)
# What a number followed by these is: not a result.
_NOT_A_RESULT = re.compile(
    r"[ \t]*(?:"
    r"(?:mg|mcg|micrograms?|milligrams?|grams?|g|ml|units?|iu|tablets?|tabs?|capsules?|caps?"
    r"|puffs?|drops?|sachets?|doses?|injections?)(?![a-z/])"
    r"|-?\s*(?:monthly|weekly|daily|yearly|annually|hourly|fortnightly|nightly"
    r"|months?|weeks?|days?|years?|yrs?|hours?|hrs?|h|mins?|minutes?|times|x(?![a-z0-9]))(?![a-z])"
    r"|/(?:52|12|7|365)(?!\d)"
    r"|:\d\d"  # a time
    r")"
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words after which a number is something other than the result's value.
_NOT_A_VALUE = _word_set(
    "target aim goal due every dose doses dosing next repeat repeated recheck tel telephone "
    "phone fax hospital hosp number no nhs mrn id range between above below over under "
    "exceeds exceed exceeding beyond than threshold"
)
# Words whose own number follows them ("aged 72", "ward 4"): that number is passed over.
_OWN_NUMBER = _word_set("age aged ward bed room page ext extension bleep")
_MONTHS = "january february march april may june july august september october november december"
# Words that may stand between a name and its value, or between two values of a series.
_SERIES_WORDS = _word_set(
    "and now then to from since previously prior was were is been has have had up down at "
    "further latest last most recent recently subsequently currently today compared with vs "
    "versus before after on in of the a an which this time risen rose rising increased "
    "increasing fallen fell falling dropped decreased decreasing reduced climbed gone went "
    "back again around approximately about"
) | _word_set(_MONTHS)
_EARLIER_NEXT = frozenset({"previously", "prior", "from", "was", "were"})  # after a first value
_RISE_WORDS = _word_set(
    "rising risen rose rise rises increased increasing increase increases climbing climbed "
    "doubled doubling higher worsening uptrending"
)
_FALL_WORDS = _word_set(
    "falling fallen fell fall falls dropped dropping drop drops decreased decreasing "
    "decrease declining declined decline reduced reducing reduction lower halved "
    "deteriorating"
)
_STEADY_WORDS = _word_set("stable steady unchanged static")
# "gone up", "crept down": "up" and "down" say a trend only after a verb of moving.
_MOVING = _word_set("gone going went come coming crept creeping creep trending moved moving")
_PERCENT_BEFORE = re.compile(r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)\s*%\s*(?:of\s+(?:the\s+)?)?$")
_CONDITIONS = _word_set("if should when whenever unless target aim goal")
_ALSO_UNITS = frozenset({"mg"})  # names that are also units after a number
_UNDETECTABLE = frozenset({"undetectable", "undetected", "unrecordable", "unmeasurable"})
_TREND_OR_VALUE = _RISE_WORDS | _FALL_WORDS | _UNDETECTABLE | {"up", "down"}
_DIGIT = re.compile(r"\d")
_NAMES_AND_WORDS = re.compile(r"[a-z%][a-z0-9%]*")  # words, and names with digits ("b12")
_TREND_WORD = re.compile(
    r"(?<![a-z])(?:" + "|".join(sorted(_TREND_OR_VALUE, key=len, reverse=True)) + r")(?![a-z])"
)
_WORDS_AFTER_A_NAME = 12  # more than a clause holds before its value (dates and ranges included)
_PERCENT_NAMES = frozenset({"mbmi", "median", "percentage", "percent"})  # "78% of median BMI"
_VALUE_AT_MOST = 90  # characters from a name to its value: seven words and a date fit
_CLAUSE_AT_MOST = 160  # characters: a clause of results rarely runs longer
_WORDS_BEFORE_VALUE = 7  # words a clause may hold between the name and the value
_WORDS_BETWEEN_VALUES = 4
_LOOK_BACK = 25  # characters before a name searched for "rising", "drop in"


class Value(NamedTuple):
    number: float
    comparator: str  # "", "<", ">", "<=", ">="
    unit: str | None  # as written, folded ("g/l", "x10^9/l"), or None
    second: float | None = None  # a blood pressure's diastolic


_UNDETECTABLE_VALUE = Value(0.0, "<", None)


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


class _Name(NamedTuple):
    """A result's name in the text, and the match that found it (with a simple value, if any)."""

    start: int
    end: int
    measure: Measure
    found: re.Match[str]


def _simply_named(names: re.Pattern[str]) -> re.Pattern[str]:
    """The names starting with one word, each with its usual clause if it has one."""
    simply = _SIMPLY_NAMED.get(names.pattern)  # not the pattern: hashing one hashes its program
    if simply is None:
        simply = _SIMPLY_NAMED[names.pattern] = re.compile(f"{names.pattern}(?:{_SIMPLE_CLAUSE})?")
    return simply


_SIMPLY_NAMED: dict[str, re.Pattern[str]] = {}


def _simple_value(
    text: str, found: re.Match[str], limit: int, units: re.Pattern[str]
) -> tuple[Value, int] | None:
    """The name's one value and where its words end, when its usual clause gives it and nothing
    after could make it something else (a series, a range, a dose, a year): else None, and the
    clause is read word by word."""
    written = found["number"]
    if written is None or found.end() > limit:
        return None
    digits = written.split(".")[0]
    if len(digits) >= 3 and digits.startswith("0"):
        return None  # an ID
    after = found.end()
    unit = units.match(text, after, limit)
    if unit is not None:
        after = unit.end()
    elif (len(digits) == 4 and "." not in written and 1900 <= int(digits) <= 2100) or (
        _NOT_A_RESULT.match(text, after, limit)
    ):
        return None  # a year, a dose, a frequency
    if _GOES_ON.match(text, after, limit):
        return None
    value = Value(float(written), found["cmp"] or "", tidy_unit(unit["unit"]) if unit else None)
    return value, after


def read_results(
    text: str, measures: Measures, first_words: Set[str], reference: date
) -> list[WrittenResult]:
    """Every result in `text` whose name starts with one of `first_words`, in the order written.

    `text` is the letter as written (the evidence quotes it); `reference` is the day the dates
    of a table's rows are read against."""
    folded = text.lower()
    if not folded.isascii():
        folded = folded.translate(_FOLD)
    places = sorted(
        (place, word) for word in first_words for place in _places(folded, word)
    )  # where a result's name may start, and the word it starts with
    named: list[_Name] = []
    for place, word in places:
        if named and place < named[-1].end:
            continue  # inside the last name ("lithium" of "serum lithium")
        found = _simply_named(measures.names[word]).match(folded, place)
        if found is None:
            continue
        if found["name"] in _ALSO_UNITS and folded[:place].rstrip()[-1:].isdigit():
            continue  # "400 mg": a dose's unit, not magnesium
        measure = measures.by_name[name_key(found["name"])]
        named.append(_Name(place, found.end("name"), measure, found))
    if not named:
        return []
    # Tables are looked for only when a line holds names and no number: most letters have none.
    lines = _Lines(folded) if _may_have_a_header(folded, named) else None
    headers = _table_headers(lines, named) if lines else {}
    in_headers = {name.start for columns in headers.values() for name in columns}
    results = []
    for index, (start, end, measure, found) in enumerate(named):
        if start in in_headers:
            continue
        limit = named[index + 1].start if index + 1 < len(named) else len(folded)
        simple = _simple_value(folded, found, limit, measures.units)
        if (
            simple is None
            and _nothing_said(folded, start, end, limit)
            and not measure.unit_written("%")
        ):
            continue  # "lithium carbonate", "PSA monitoring": no value and no trend
        before = _words_before(folded, start)
        if not _CONDITIONS.isdisjoint(before):
            continue  # "re-refer if the paraprotein is 15 or more": a threshold, not a result
        result = WrittenResult(measure, start, end)
        _trend_before(before, folded, start, result)
        if simple is not None:
            result.values.append(simple[0])
            result.end = simple[1]
        else:
            _read_clause(folded, end, limit, measures, result)
        if not result.values and measure.unit_written("%"):
            _percent_before(folded, result)
        if result.values or result.trend:
            results.append(result)
    for header, columns in headers.items():
        assert lines is not None  # headers are found in lines
        results += _table(lines, header, columns, measures, reference)
    results.sort(key=lambda result: result.start)
    return results


def may_give_results(text_words: list[str], names: Set[str]) -> bool:
    """Whether a number follows one of the names within a clause's words, or a trend word stands
    near one, or a percentage may stand before one: a cheap look at the words alone that lets
    most letters, which name results without giving them, skip the reading."""
    for name in names:
        place = -1
        while True:
            try:
                place = text_words.index(name, place + 1)
            except ValueError:
                break
            after = text_words[place + 1 : place + 1 + _WORDS_AFTER_A_NAME]
            if any(word[0].isdigit() for word in after):
                return True
            near = text_words[max(0, place - 3) : place + 1 + _WORDS_AFTER_A_NAME]
            if not _TREND_OR_VALUE.isdisjoint(near) or not _PERCENT_NAMES.isdisjoint(near):
                return True
    return False


def quote(text: str, result: WrittenResult) -> str:
    """The words a result was read from, as written, on one line; a table's column as its name
    and its values, each with its row's date ("Hb: 131 (2 May 2024), 104 (6 Feb 2025)")."""
    if not text.isascii() and len(text.lower()) != len(text):
        text = text.lower()  # "İ" lower-cases to two characters: the places are the lower's
    written = " ".join(text[result.start : result.end].split())
    if not result.row_days:
        return written
    cells = [
        f"{value.number:g}{' ' + value.unit if value.unit else ''}"
        + (f" ({day_in_words(day, short=True)})" if day else "")
        for value, day in zip(result.values, result.row_days, strict=True)
    ]
    return f"{written} (table): {', '.join(cells)}"


def _places(text: str, word: str) -> Iterator[int]:
    """Every place `word` starts a word in `text`."""
    place = text.find(word)
    while place != -1:
        if place == 0 or not text[place - 1].isalnum():
            yield place
        place = text.find(word, place + 1)


def _percent_before(text: str, result: WrittenResult) -> None:
    """ "78% of median BMI": a percentage written before the name."""
    found = _PERCENT_BEFORE.search(text, max(0, result.start - 20), result.start)
    if found is not None:
        result.values.append(Value(float(found["number"]), "", "%"))
        result.start = found.start()


def _nothing_said(text: str, start: int, end: int, limit: int) -> bool:
    """Whether a name has no number after it, and no trend word around it, within a clause's
    length: most names in letters ("PSA monitoring", "lithium carbonate") are not results."""
    stop = min(limit, end + _CLAUSE_AT_MOST)
    return (
        not _DIGIT.search(text, end, min(stop, end + _VALUE_AT_MOST))
        and not _TREND_WORD.search(text, end, stop)
        and not _TREND_WORD.search(text, max(0, start - _LOOK_BACK), start)
    )


def _may_have_a_header(text: str, named: list[_Name]) -> bool:
    """Whether two names share a line with no number on it (names such as "B12" aside), over a
    line with a number: "Date  Hb  Creat  Ca" over "12/01/2025  98  160  2.8"."""
    for (start, end, _, _), (next_start, next_end, _, _) in itertools.pairwise(named):
        if "\n" in text[end:next_start]:
            continue
        line_end = text.find("\n", next_end)
        if line_end == -1:
            continue  # the last line: no rows under it
        next_end_of_line = text.find("\n", line_end + 1)
        if not _DIGIT.search(
            text, line_end, len(text) if next_end_of_line == -1 else next_end_of_line
        ):
            continue
        line = text[text.rfind("\n", 0, start) + 1 : line_end]
        if not _DIGIT.search(line) or not _DIGIT.search(_NAMES_AND_WORDS.sub(" ", line)):
            return True
    return False


def _words_before(text: str, start: int) -> list[str]:
    """The last three words before a name, within its clause."""
    before = text[max(0, start - _LOOK_BACK) : start]
    cut = max(before.rfind("."), before.rfind(";"), before.rfind(","), before.rfind("\n"))
    return before[cut + 1 :].split()[-3:]


def _trend_before(before: list[str], text: str, start: int, result: WrittenResult) -> None:
    """ "rising PSA", "a drop in Hb", "falling eGFR": a trend written before the name."""
    for word in before:
        if word in _RISE_WORDS or word in _FALL_WORDS:
            result.trend = "rise" if word in _RISE_WORDS else "fall"
            result.trend_words = word
            result.start = text.rfind(word, 0, start)


def _read_clause(
    text: str, position: int, limit: int, measures: Measures, result: WrittenResult
) -> None:
    """The values after a name, up to the end of its clause or the next result's name."""
    words = 0  # since the name, or the last value
    earlier_next = False  # "previously", "up from": the next value was before the last
    skip_number = False  # "aged 72": the next number is not the result's
    previous_word = ""
    values: list[tuple[bool, Value]] = []  # (written as earlier, value)
    while position < limit:
        token = _TOKEN.match(text, position, limit)
        if token is None or token["end"] is not None:
            break
        position = token.end()
        kind = token.lastgroup
        if kind == "open":  # "3.2 g/L (3.4 g/L in 2023)": a value in brackets is an earlier one
            earlier_next = bool(values)
            continue
        if kind in ("space", "date", "arrow", "other"):
            continue
        if kind == "range":
            result.range_high = _float(token["high"] or token["high2"])
            continue
        if kind == "word":
            word = token["word"]
            if word in _UNDETECTABLE:  # "from undetectable to 0.4"
                values.append((earlier_next, _UNDETECTABLE_VALUE))
                result.end, words, earlier_next = position, 0, False
                continue
            if word in _NOT_A_VALUE:
                break
            skip_number = word in _OWN_NUMBER
            trend = result.trend
            _note_trend(word, result, previous_word)
            previous_word = word
            if result.trend != trend and not values:  # "paraprotein has doubled": quoted
                result.end = position
            if values and word in _EARLIER_NEXT:
                earlier_next = True
            words += 1
            if words > (_WORDS_BETWEEN_VALUES if values else _WORDS_BEFORE_VALUE):
                break
            if values and word not in _SERIES_WORDS and word not in _STEADY_WORDS:
                break
            continue
        if skip_number:
            skip_number = False
            continue
        value, after = _value(text, token, limit, measures, result.measure)
        if value is None:
            if after is None:  # a dose, a frequency, an ID: not a result at all
                break
            position = after  # a year: passed over
            continue
        if values and values[-1][1] == _UNDETECTABLE_VALUE and value.comparator.startswith("<"):
            values.pop()  # "undetectable at <0.03": one value, not a rise from nothing
        values.append((earlier_next, value))
        assert after is not None  # a value always says where reading goes on
        position = after
        result.end, words, earlier_next = position, 0, False
    # "from 7.1 to 6.8 g/L": a unit written once, after the last value, is every value's.
    units = [value.unit for _, value in values if value.unit]
    if units and len(set(units)) == 1:
        values = [(earlier, value._replace(unit=units[0])) for earlier, value in values]
    # Values written as earlier ("previously 8", "up from 98") go before the one they follow.
    ordered: list[Value] = []
    for earlier, value in values:
        if earlier and ordered:
            ordered.insert(len(ordered) - 1, value)
        else:
            ordered.append(value)
    result.values = ordered


def _note_trend(word: str, result: WrittenResult, previous_word: str) -> None:
    if word in ("up", "down") and previous_word in _MOVING:
        word = "rising" if word == "up" else "falling"
        result.trend, result.trend_words = ("rise" if word == "rising" else "fall"), word
        return
    if word in _STEADY_WORDS:
        result.trend, result.trend_words = "", ""
    elif not result.trend and (word in _RISE_WORDS or word in _FALL_WORDS):
        result.trend = "rise" if word in _RISE_WORDS else "fall"
        result.trend_words = word


def _value(
    text: str, token: re.Match[str], limit: int, measures: Measures, measure: Measure
) -> tuple[Value | None, int | None]:
    """The value a number token gives, and where reading goes on; (None, None) when the number
    shows the clause is not a result, (None, position) when it is only passed over."""
    end = token.end()
    if token["pair"] is not None:
        if measure.key != "blood_pressure":
            return None, None
        unit = measures.units.match(text, end, limit)
        return (
            Value(float(token["first"]), "", "mmhg", float(token["second"])),
            unit.end() if unit else end,
        )
    written = token["number"]
    if "," in written:  # 20,000: a dose or a count, never a result here
        return None, None
    digits = written.split(".")[0]
    if len(digits) >= 5 or (len(digits) >= 3 and digits.startswith("0")):
        return None, None  # a phone number, an NHS or hospital number
    unit = measures.units.match(text, end, limit)
    if unit is None and len(digits) == 4 and "." not in written and 1900 <= int(digits) <= 2100:
        return None, end  # a year ("in 2023"): passed over
    if unit is not None:
        return Value(float(written), token["cmp"] or "", tidy_unit(unit["unit"])), unit.end()
    if _NOT_A_RESULT.match(text, end, limit):
        return None, None
    return Value(float(written), token["cmp"] or "", None), end


def _float(written: str | None) -> float | None:
    return float(written.replace(",", "")) if written else None


# --- Tables: a header line of names over rows of values ---------------------------------------


class _Lines:
    """The lines of a text, and which line a place is on."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def number(self, place: int) -> int:
        return bisect.bisect_right(self.starts, place) - 1


def _table_headers(lines: _Lines, named: list[_Name]) -> dict[int, list[_Name]]:
    """Lines holding two or more result names and no value: the headers of results tables."""
    by_line: dict[int, list[_Name]] = {}
    for name in named:
        by_line.setdefault(lines.number(name[0]), []).append(name)
    headers = {}
    for line, names in by_line.items():
        rest = lines.lines[line]
        offset = lines.starts[line]
        for start, end, _, _ in reversed(names):
            rest = rest[: start - offset] + " " * (end - start) + rest[end - offset :]
        if len(names) >= 2 and not _DIGIT.search(rest):
            headers[line] = names
    return headers


def _table(
    lines: _Lines,
    header: int,
    columns: list[_Name],
    measures: Measures,
    reference: date,
) -> list[WrittenResult]:
    """A table's columns read down its rows, one result each; oldest first when every row is
    dated, else in no known order (so no trend is read from it)."""
    results = [WrittenResult(measure, start, end) for start, end, measure, _ in columns]
    days: list[date | None] = []
    for row in range(header + 1, len(lines.lines)):
        cells = _row(lines.lines[row], measures, reference)
        if cells is None or len(cells[1]) != len(columns):
            break
        day, values = cells
        days.append(day)
        for result, value in zip(results, values, strict=True):
            if value is not None:
                result.values.append(value)
                result.row_days.append(day)
    dated = bool(days) and all(day is not None for day in days)
    for result in results:
        result.ordered = dated
        if dated:
            order = sorted(range(len(result.values)), key=lambda i: result.row_days[i] or reference)
            result.values = [result.values[i] for i in order]
            result.row_days = [result.row_days[i] for i in order]
    return [result for result in results if result.values]


_ROW_LABEL = re.compile(r"^\s*[a-z][a-z .]*?(?=\s+[<>]?\d)")
_CELL = re.compile(rf"(?P<cmp>[<>]=?)?\s*(?P<number>{_NUMBER})(?![\d])|(?P<blank>-|n/?a)(?![a-z])")


def _row(
    line: str, measures: Measures, reference: date
) -> tuple[date | None, list[Value | None]] | None:
    """A table row: its date, if it starts with one, and its cells (None where blank); None
    when the line is not a row of values (words: the table has ended)."""
    found = find_dates(line, reference)
    day = None
    rest = line
    if found and not line[: found[0].start].strip():
        day = found[0].earliest
        rest = line[found[0].end :]
    else:  # a row's label ("Result", "Latest"), not a value
        rest = _ROW_LABEL.sub("", line, count=1)
    if not rest.strip():
        return None
    cells: list[Value | None] = []
    position = 0
    leftover = []
    for cell in _CELL.finditer(rest):
        leftover.append(rest[position : cell.start()])
        position = cell.end()
        if cell["blank"] is not None:
            cells.append(None)
            continue
        unit = measures.units.match(rest, cell.end())
        if unit is not None:
            position = unit.end()
        written = cell["number"]
        cells.append(
            Value(
                float(written.replace(",", "")),
                cell["cmp"] or "",
                tidy_unit(unit["unit"]) if unit else None,
            )
        )
    leftover.append(rest[position:])
    if re.search(r"[a-z]{2,}", "".join(leftover)):
        return None
    return day, cells
