"""The results a letter may give and the rules that route them to a GP, loaded from
data/results.toml (docs/clinical-signals.md says where each threshold comes from).

A result is known by its names, and read in its units: a value is turned into the result's
reference unit (the unit the thresholds are written in) before it is compared, and the evidence
says which unit it was read in, so nothing is compared across units silently.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from triage.classify.text import words
from triage.models import Category

Direction = str  # "rise" or "fall"


@dataclass(frozen=True, slots=True)
class Unit:
    written: tuple[str, ...]  # lower case, as letters write it
    factor: float  # to the result's reference unit
    offset: float  # added before the factor (°F, HbA1c %)
    low: float  # the values plausible in this unit
    high: float
    label: str  # as it is shown: "g/L", "x10^9/L", "µmol/L"

    def plausible(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_reference(self, value: float) -> float:
        return (value + self.offset) * self.factor


class Reading(NamedTuple):
    """A value read in one of a result's units."""

    reference: float  # in the result's reference unit
    unit: Unit  # the unit it was read in
    assumed: str  # why the unit was assumed ("no unit", "unit mg not expected"), or ""


@dataclass(frozen=True, slots=True)
class Measure:
    """One kind of result: haemoglobin, PSA, blood pressure."""

    key: str
    label: str
    names: tuple[str, ...]
    units: tuple[Unit, ...]  # the first is the reference unit
    worse: frozenset[Direction]

    @property
    def reference_unit(self) -> str:
        return self.units[0].label

    def in_reference_unit(self, number: float) -> str:
        """ "98 g/L"; a unitless result (INR, a ratio) is the number alone."""
        unit = self.reference_unit
        shown = f"{number:.4g}"
        return f"{shown} {unit}" if unit else shown

    def unit_written(self, written: str) -> Unit | None:
        for unit in self.units:
            if written in unit.written:
                return unit
        return None

    def readings(self, value: float, written_unit: str | None) -> list[Reading]:
        """The value in the reference unit, each way it can be read.

        A unit written and known: that unit. None written, or one this result is not measured
        in: every unit the value is plausible in (none: it is not this result).
        """
        unit = self.unit_written(written_unit) if written_unit else None
        if unit is not None:
            return [Reading(unit.to_reference(value), unit, "")] if unit.plausible(value) else []
        assumed = f"unit {shown_unit(written_unit)} not expected" if written_unit else "no unit"
        return [
            Reading(candidate.to_reference(value), candidate, assumed)
            for candidate in self.units
            if candidate.plausible(value)
        ]

    def how_read(self, reading: Reading) -> str:
        """What a person needs to know of how a value was read, or "": "no unit, read as g/dL
        = 30 g/L" (said only where it matters: a unit assumed among several, or unexpected)."""
        said = []
        several = len(self.units) > 1
        if reading.assumed and reading.unit.label and (reading.assumed != "no unit" or several):
            said.append(f"{reading.assumed}, read as {reading.unit.label}")
        if reading.unit is not self.units[0]:
            said.append(f"= {self.in_reference_unit(reading.reference)}")
        return " ".join(said)


@dataclass(frozen=True, slots=True)
class MeasureRule:
    """When a result routes a request to a GP: thresholds in the reference unit, and changes."""

    category: Category | None  # None: any request
    measure: str
    source: str
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    rise_by: float | None = None
    fall_by: float | None = None
    rise_by_percent: float | None = None
    above_nadir_by: float | None = None
    above_range_times: float | None = None
    by_age: tuple[tuple[int, float], ...] = ()  # (from age, at least), ascending
    when: tuple[tuple[str, ...], ...] = ()  # phrases as words: one must be in the request
    unless: tuple[tuple[str, ...], ...] = ()  # none may be
    part: str = ""  # blood pressure: "systolic" or "diastolic"
    # The patient's sex as the letter reads ("female", "male", "unknown") the rule is for; none:
    # any patient.
    sexes: frozenset[str] = frozenset()

    @property
    def measures_change(self) -> frozenset[Direction]:
        """The directions this rule judges by how much a result changed."""
        rise = self.rise_by is not None or self.rise_by_percent is not None
        return frozenset(
            direction
            for direction, judged in (("rise", rise), ("fall", self.fall_by is not None))
            if judged
        )

    def threshold_for_age(self, age: int | None) -> float | None:
        if not self.by_age:
            return None
        if age is None:
            return min(threshold for _, threshold in self.by_age)  # the cautious end
        applies = [threshold for start, threshold in self.by_age if age >= start]
        return applies[-1] if applies else self.by_age[0][1]


@dataclass(frozen=True, slots=True)
class Measures:
    by_key: dict[str, Measure]
    by_name: dict[str, Measure]  # by name_key()
    rules: dict[Category | None, tuple[MeasureRule, ...]]  # None: for any request
    rules_for: dict[tuple[Category | None, str], tuple[MeasureRule, ...]]  # by result too
    names: dict[str, re.Pattern[str]]  # by first word: the names starting with it, longest first
    first_words: frozenset[str]  # a text without any of these words gives no result
    units: re.Pattern[str]  # a unit written after a number


_DATA = resources.files("triage.classify") / "data"
_RULE_NUMBERS = (
    "above", "at_least", "below", "at_most", "rise_by", "fall_by", "rise_by_percent",
    "above_nadir_by", "above_range_times",
)  # fmt: skip
# Counts written "x10^9/L", "x 10*9/l", "10^9/L", "x10e9/L" (and with the multiplication sign
# and a superscript nine, folded before reading): one spelling for them all.
COUNT_UNIT = "x10^9/l"
_COUNT_UNIT = r"(?:[x*]\s*)?10\s*(?:\^|\*\*?|e)?\s*\(?9\)?\s*/\s*l"
_COUNT = re.compile(_COUNT_UNIT)


@cache
def measures() -> Measures:
    """The results and rules, read once per process."""
    data: dict[str, Any] = tomllib.loads((_DATA / "results.toml").read_text(encoding="utf-8"))
    by_key = {key: _measure(key, entry) for key, entry in data["results"].items()}
    rules: dict[Category | None, list[MeasureRule]] = {}
    for entry in data["rules"]:
        rule = _rule(entry)
        if rule.measure not in by_key:
            raise ValueError(f"results.toml: a rule names no known result {rule.measure!r}")
        rules.setdefault(rule.category, []).append(rule)
    by_name = {name_key(name): measure for measure in by_key.values() for name in measure.names}
    by_first: dict[str, list[str]] = {}
    for name in sorted({name for m in by_key.values() for name in m.names}, key=len, reverse=True):
        by_first.setdefault(words(name)[0], []).append(name)  # the longest wins at a place
    written_units = {unit for m in by_key.values() for u in m.units for unit in u.written}
    written_units.discard(COUNT_UNIT)
    return Measures(
        by_key=by_key,
        by_name=by_name,
        rules={category: tuple(found) for category, found in rules.items()},
        rules_for={
            (category, key): tuple(rule for rule in found if rule.measure == key)
            for category, found in rules.items()
            for key in {rule.measure for rule in found}
        },
        names={
            first: re.compile(
                "(?P<name>" + "|".join(_spaced(name) for name in names) + r")(?![a-z0-9])"
            )
            for first, names in by_first.items()
        },
        first_words=frozenset(by_first),
        units=re.compile(
            r"[ \t]*(?P<unit>"
            + _COUNT_UNIT
            + "|"
            + "|".join(_spaced(unit) for unit in sorted(written_units, key=len, reverse=True))
            + r")(?![a-z0-9])"
        ),
    )


_SHOWN = (("umol", "µmol"), ("ug/", "µg/"), ("mcg/", "µg/"), ("dl", "dL"), ("ml", "mL"),
          ("fl", "fL"), ("/l", "/L"), ("mmhg", "mmHg"), ("mu/", "mU/"), ("miu/", "mIU/"),
          ("iu/", "IU/"), ("u/l", "U/L"), ("1.73m2", "1.73m²"))  # fmt: skip


@functools.lru_cache(maxsize=256)  # a few units, shown in every red flag that has one
def shown_unit(written: str) -> str:
    """A unit as read (lower case) the way a clinician writes it: "g/dl" -> "g/dL"."""
    if written in ("c", "degc", "oc", "degrees", "degrees c", "deg c"):
        return "°C"
    for lower, shown in _SHOWN:
        written = written.replace(lower, shown)
    return written


def name_key(written: str) -> str:
    """A result's name without its spacing, hyphens and slashes: "M-protein" = "m protein"."""
    return _NOT_IN_A_KEY.sub("", written)


_NOT_IN_A_KEY = re.compile(r"[^a-z0-9%]")


@functools.lru_cache(maxsize=512)  # a unit is written in few ways; tidying one costs 3 µs
def tidy_unit(written: str) -> str:
    """A unit as `Measures.units` matched it ("x 10*9 /L", "mmol / l"), as results.toml writes
    it ("x10^9/l", "mmol/l")."""
    if _COUNT.fullmatch(written):
        return COUNT_UNIT
    return " ".join(_AROUND_A_SLASH.sub("/", written).split())


_AROUND_A_SLASH = re.compile(r"\s*/\s*")


def _spaced(written: str) -> str:
    """A name or unit as a pattern: any spacing between words, and around a slash."""
    pattern = re.escape(written).replace(r"\ ", r"[\s-]+").replace("/", r"\s*/\s*")
    return pattern.replace(r"\-", r"[\s-]*")


def _measure(key: str, entry: dict[str, Any]) -> Measure:
    units = tuple(
        Unit(
            tuple(unit["written"]),
            float(unit["factor"]),
            float(unit.get("offset", 0.0)),
            float(unit["plausible"][0]),
            float(unit["plausible"][1]),
            shown_unit(unit["written"][0]) if unit["written"] else "",
        )
        for unit in entry["units"]
    )
    return Measure(
        key, entry["label"], tuple(entry["names"]), units, frozenset(entry.get("worse", ()))
    )


def _rule(entry: dict[str, Any]) -> MeasureRule:
    category = None if entry["category"] == "any" else Category(entry["category"])
    numbers = {key: float(entry[key]) for key in _RULE_NUMBERS if key in entry}
    return MeasureRule(
        category=category,
        measure=entry["result"],
        source=entry["source"],
        by_age=tuple((int(age), float(value)) for age, value in entry.get("by_age", ())),
        when=tuple(tuple(words(phrase)) for phrase in entry.get("when", ())),
        unless=tuple(tuple(words(phrase)) for phrase in entry.get("unless", ())),
        part=entry.get("part", ""),
        sexes=frozenset(entry.get("sex", ())),
        **numbers,
    )
