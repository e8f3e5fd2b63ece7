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

import itertools
import re
from collections.abc import Iterator, Set
from datetime import date

from triage.classify.measures import Measure, Measures, name_key, tidy_unit
from triage.classify.result_tables import Lines, read_table, table_headers
from triage.classify.result_words import (
    ALSO_UNITS,
    CLAUSE_AT_MOST,
    CONDITIONS,
    DIGIT,
    EARLIER_NEXT,
    FALL_WORDS,
    FOLD,
    GOES_ON,
    LOOK_BACK,
    MOVING,
    NAMES_AND_WORDS,
    NOT_A_RESULT,
    NOT_A_VALUE,
    OWN_NUMBER,
    PERCENT_BEFORE,
    PERCENT_NAMES,
    RISE_WORDS,
    SERIES_WORDS,
    SIMPLE_CLAUSE,
    STEADY_WORDS,
    TOKEN,
    TREND_OR_VALUE,
    TREND_WORD,
    UNDETECTABLE,
    VALUE_AT_MOST,
    WORDS_AFTER_A_NAME,
    WORDS_BEFORE_VALUE,
    WORDS_BETWEEN_VALUES,
)
from triage.classify.written_result import ResultName, Value, WrittenResult
from triage.models import day_in_words

_UNDETECTABLE_VALUE = Value(0.0, "<", None)


def _simply_named(names: re.Pattern[str]) -> re.Pattern[str]:
    """The names starting with one word, each with its usual clause if it has one."""
    simply = _SIMPLY_NAMED.get(names.pattern)  # not the pattern: hashing one hashes its program
    if simply is None:
        simply = _SIMPLY_NAMED[names.pattern] = re.compile(f"{names.pattern}(?:{SIMPLE_CLAUSE})?")
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
        NOT_A_RESULT.match(text, after, limit)
    ):
        return None  # a year, a dose, a frequency
    if GOES_ON.match(text, after, limit):
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
        folded = folded.translate(FOLD)
    places = sorted(
        (place, word) for word in first_words for place in _places(folded, word)
    )  # where a result's name may start, and the word it starts with
    named: list[ResultName] = []
    for place, word in places:
        if named and place < named[-1].end:
            continue  # inside the last name ("lithium" of "serum lithium")
        found = _simply_named(measures.names[word]).match(folded, place)
        if found is None:
            continue
        if found["name"] in ALSO_UNITS and folded[:place].rstrip()[-1:].isdigit():
            continue  # "400 mg": a dose's unit, not magnesium
        measure = measures.by_name[name_key(found["name"])]
        named.append(ResultName(place, found.end("name"), measure, found))
    if not named:
        return []
    # Tables are looked for only when a line holds names and no number: most letters have none.
    lines = Lines(folded) if _may_have_a_header(folded, named) else None
    headers = table_headers(lines, named) if lines else {}
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
        if not CONDITIONS.isdisjoint(before):
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
        results += read_table(lines, header, columns, measures, reference)
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
            after = text_words[place + 1 : place + 1 + WORDS_AFTER_A_NAME]
            if any(word[0].isdigit() for word in after):
                return True
            near = text_words[max(0, place - 3) : place + 1 + WORDS_AFTER_A_NAME]
            if not TREND_OR_VALUE.isdisjoint(near) or not PERCENT_NAMES.isdisjoint(near):
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
    found = PERCENT_BEFORE.search(text, max(0, result.start - 20), result.start)
    if found is not None:
        result.values.append(Value(float(found["number"]), "", "%"))
        result.start = found.start()


def _nothing_said(text: str, start: int, end: int, limit: int) -> bool:
    """Whether a name has no number after it, and no trend word around it, within a clause's
    length: most names in letters ("PSA monitoring", "lithium carbonate") are not results."""
    stop = min(limit, end + CLAUSE_AT_MOST)
    return (
        not DIGIT.search(text, end, min(stop, end + VALUE_AT_MOST))
        and not TREND_WORD.search(text, end, stop)
        and not TREND_WORD.search(text, max(0, start - LOOK_BACK), start)
    )


def _may_have_a_header(text: str, named: list[ResultName]) -> bool:
    """Whether two names share a line with no number on it (names such as "B12" aside), over a
    line with a number: "Date  Hb  Creat  Ca" over "12/01/2025  98  160  2.8"."""
    for (start, end, _, _), (next_start, next_end, _, _) in itertools.pairwise(named):
        if "\n" in text[end:next_start]:
            continue
        line_end = text.find("\n", next_end)
        if line_end == -1:
            continue  # the last line: no rows under it
        next_end_of_line = text.find("\n", line_end + 1)
        if not DIGIT.search(
            text, line_end, len(text) if next_end_of_line == -1 else next_end_of_line
        ):
            continue
        line = text[text.rfind("\n", 0, start) + 1 : line_end]
        if not DIGIT.search(line) or not DIGIT.search(NAMES_AND_WORDS.sub(" ", line)):
            return True
    return False


def _words_before(text: str, start: int) -> list[str]:
    """The last three words before a name, within its clause."""
    before = text[max(0, start - LOOK_BACK) : start]
    cut = max(before.rfind("."), before.rfind(";"), before.rfind(","), before.rfind("\n"))
    return before[cut + 1 :].split()[-3:]


def _trend_before(before: list[str], text: str, start: int, result: WrittenResult) -> None:
    """ "rising PSA", "a drop in Hb", "falling eGFR": a trend written before the name."""
    for word in before:
        if word in RISE_WORDS or word in FALL_WORDS:
            result.trend = "rise" if word in RISE_WORDS else "fall"
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
        token = TOKEN.match(text, position, limit)
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
            if word in UNDETECTABLE:  # "from undetectable to 0.4"
                values.append((earlier_next, _UNDETECTABLE_VALUE))
                result.end, words, earlier_next = position, 0, False
                continue
            if word in NOT_A_VALUE:
                break
            skip_number = word in OWN_NUMBER
            trend = result.trend
            _note_trend(word, result, previous_word)
            previous_word = word
            if result.trend != trend and not values:  # "paraprotein has doubled": quoted
                result.end = position
            if values and word in EARLIER_NEXT:
                earlier_next = True
            words += 1
            if words > (WORDS_BETWEEN_VALUES if values else WORDS_BEFORE_VALUE):
                break
            if values and word not in SERIES_WORDS and word not in STEADY_WORDS:
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
    if word in ("up", "down") and previous_word in MOVING:
        word = "rising" if word == "up" else "falling"
        result.trend, result.trend_words = ("rise" if word == "rising" else "fall"), word
        return
    if word in STEADY_WORDS:
        result.trend, result.trend_words = "", ""
    elif not result.trend and (word in RISE_WORDS or word in FALL_WORDS):
        result.trend = "rise" if word in RISE_WORDS else "fall"
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
    if NOT_A_RESULT.match(text, end, limit):
        return None, None
    return Value(float(written), token["cmp"] or "", None), end


def _float(written: str | None) -> float | None:
    return float(written.replace(",", "")) if written else None
