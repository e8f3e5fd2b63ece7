"""Results that route a request to a GP: a value past its threshold, a change past its limit,
or a trend the wrong way, for the categories the request reads as and for any request.

Each red flag quotes the words it came from and says what it crossed and on whose guidance:
"Hb 98 g/L < 100 g/L (MGUS: IMWG 2014 CRAB)". When a value's unit is not written, it is read in
every unit it is plausible in and any reading may route it: unsure goes to a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from triage.classify.measures import Measure, MeasureRule, Measures, Reading, shown_unit
from triage.classify.results import quote
from triage.classify.written_result import Value, WrittenResult
from triage.models import Category, RedFlag


class Letter(Protocol):
    """What a rule may ask of the rest of the request (triage.classify.reading.ReadRequest)."""

    @property
    def age(self) -> int | None: ...

    @property
    def sex(self) -> str: ...  # "female", "male" or "unknown", as the letter reads

    def mentions(self, phrases: tuple[tuple[str, ...], ...]) -> bool: ...


def result_flags(
    field: str,
    text: str,
    results: Iterable[WrittenResult],
    categories: Iterable[Category],
    measures: Measures,
    letter: Letter,
) -> list[RedFlag]:
    """A red flag for each result that crosses a rule, in the order written."""
    scopes = [*categories, None]  # the categories' own rules first: their sources say most
    flags = []
    written: dict[str, list[Value]] = {}  # each result's values so far, for a nadir
    for result in results:
        key = result.measure.key
        earlier = written.setdefault(key, [])
        applicable = [
            rule
            for scope in scopes
            for rule in measures.rules_for.get((scope, key), ())
            if (not rule.sexes or letter.sex in rule.sexes)
            and (not rule.when or letter.mentions(rule.when))
            and not (rule.unless and letter.mentions(rule.unless))
        ]
        age = letter.age if any(rule.by_age for rule in applicable) else None
        problems = _problems(result, applicable, age, earlier)
        earlier += result.values
        if problems:
            flags.append(RedFlag(field, quote(text, result), "; ".join(problems)))
    return flags


def _problems(
    result: WrittenResult, rules: list[MeasureRule], age: int | None, earlier: list[Value]
) -> list[str]:
    """What the result crossed. `earlier` are the values the letter gave for the same result
    before this one: "PSA nadir 0.6 in 2022." then "PSA today 2.9" is 2.3 above its nadir."""
    measure = result.measure
    problems: list[str] = []
    # The latest value first; one threshold is enough to route it, and says why.
    for value in reversed(result.values):
        readings = measure.readings(value.number, value.unit)
        problem = next(
            (p for rule in rules if (p := _threshold(measure, rule, value, readings, result, age))),
            "",
        )
        if problem:
            problems.append(problem)
            break
    series = _series(measure, result.values) if result.ordered and len(result.values) > 1 else []
    change = _change(measure, rules, series)
    if not change and (earlier or series) and any(r.above_nadir_by is not None for r in rules):
        change = _above_nadir(measure, rules, _series(measure, earlier + result.values))
    if change:
        problems.append(change)
    elif result.trend in measure.worse and not (
        series and any(result.trend in rule.measures_change for rule in rules)
    ):
        # "rising", "has doubled": a trend in words is a signal unless guidance says how much
        # change matters and the letter gives the values to measure it.
        rising = "rising" if result.trend == "rise" else "falling"
        problems.append(f"a {rising} {measure.label} in words ({result.trend_words!r})")
    return problems


def _scope(rule: MeasureRule) -> str:
    where = rule.category.label if rule.category else "any request"
    return f"({where}: {rule.source})"


# --- Values past a threshold ---------------------------------------------------------------------


def _threshold(
    measure: Measure,
    rule: MeasureRule,
    value: Value,
    readings: list[Reading],
    result: WrittenResult,
    age: int | None,
) -> str:
    """What the value crossed of the rule, in words, or "". `readings` are the value's, in the
    reference unit, each way it can be read."""
    number = value.number
    if rule.part == "diastolic":
        if value.second is None:
            return ""
        number = value.second
        readings = measure.readings(number, value.unit)
    elif measure.key == "blood_pressure" and not rule.part:
        return ""
    if rule.above_range_times is not None and result.range_high:
        limit = rule.above_range_times * result.range_high
        if number > limit:
            times = (
                "the upper limit"
                if rule.above_range_times == 1
                else (f"{rule.above_range_times:g}x the upper limit")
            )
            shown = _written(value, number)
            return f"{measure.label} {shown} > {times} {result.range_high:g} {_scope(rule)}"
    for reading in readings:
        crossed = _crossed(
            rule, reading.reference, value.comparator, age, measure.in_reference_unit
        )
        if crossed:
            how = measure.how_read(reading)
            read = f" ({how})" if how else ""
            return f"{measure.label} {_written(value, number)}{read} {crossed} {_scope(rule)}"
    return ""


def _crossed(
    rule: MeasureRule, value: float, comparator: str, age: int | None, unit: Callable[[float], str]
) -> str:
    """The threshold crossed, as "< 100 g/L"-style words without the unit, or ""."""
    # "<30" is below 30 even though 30 is not; ">90" is above 90.
    under = comparator.startswith("<")
    over = comparator.startswith(">")
    if rule.above is not None and (value > rule.above or (over and value >= rule.above)):
        return f"> {unit(rule.above)}"
    if rule.at_least is not None and value >= rule.at_least and not under:
        return f">= {unit(rule.at_least)}"
    if rule.below is not None and (value < rule.below or (under and value <= rule.below)):
        return f"< {unit(rule.below)}"
    if rule.at_most is not None and value <= rule.at_most and not over:
        return f"<= {unit(rule.at_most)}"
    by_age = rule.threshold_for_age(age) if rule.by_age else None
    if by_age is not None and value >= by_age and not under:
        for_age = f"at age {age}" if age is not None else "(the lowest: age not known)"
        return f">= {unit(by_age)} {for_age}"
    return ""


def _written(value: Value, number: float) -> str:
    if value.second is not None:
        return f"{value.number:g}/{value.second:g} mmHg"
    unit = f" {shown_unit(value.unit)}" if value.unit else ""
    return f"{value.comparator}{number:g}{unit}"


# --- Changes between values ----------------------------------------------------------------------


def _series(measure: Measure, values: list[Value]) -> list[float]:
    """The values in the reference unit, oldest first (the first way each can be read)."""
    series = []
    for value in values:
        readings = measure.readings(value.number, value.unit)
        if readings:
            series.append(readings[0].reference)
    return series


def _change(measure: Measure, rules: list[MeasureRule], series: list[float]) -> str:
    """A change between two values that a rule says matters (clinical-signals §2: "a rise where
    the table says a rise matters"); a change the rules do not measure is left to the words."""
    if len(series) < 2:
        return ""
    rise = max(later - earlier for i, earlier in enumerate(series) for later in series[i + 1 :])
    fall = max(earlier - later for i, earlier in enumerate(series) for later in series[i + 1 :])
    unit = measure.reference_unit
    seen = " then ".join(f"{value:.3g}" for value in series) + (f" {unit}" if unit else "")
    for rule in rules:
        if rule.rise_by is not None and rise > rule.rise_by:
            limit = "any rise" if rule.rise_by == 0 else f"a rise of more than {rule.rise_by:g}"
            return f"{measure.label} rose: {seen} ({limit}) {_scope(rule)}"
        if rule.rise_by_percent is not None and rise > 0:
            lowest = min(series)
            percent = 100 * rise / lowest if lowest > 0 else float("inf")
            if percent > rule.rise_by_percent:
                return (
                    f"{measure.label} rose {percent:.0f}%: {seen} "
                    f"(more than {rule.rise_by_percent:g}%) {_scope(rule)}"
                )
        if rule.fall_by is not None and fall > rule.fall_by:
            limit = "any fall" if rule.fall_by == 0 else f"a fall of more than {rule.fall_by:g}"
            return f"{measure.label} fell: {seen} ({limit}) {_scope(rule)}"
    return ""


def _above_nadir(measure: Measure, rules: list[MeasureRule], values: list[float]) -> str:
    """The latest value this far above the lowest written before it (Phoenix: radiotherapy)."""
    for rule in rules:
        if rule.above_nadir_by is not None and len(values) >= 2:
            nadir = min(values[:-1])
            if values[-1] >= nadir + rule.above_nadir_by:
                return (
                    f"{measure.label} {values[-1]:.3g} is {rule.above_nadir_by:g} or more above "
                    f"its lowest, {measure.in_reference_unit(nadir)} {_scope(rule)}"
                )
    return ""
