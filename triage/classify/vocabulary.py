"""The classifier's vocabulary, loaded from the data files shipped in this package.

categories.toml holds the words for each category, codes.csv the SNOMED CT and dm+d codes
(generated from public code lists by tools/build_codes.py), red_flags.toml the red-flag words and
safe ranges. Keeping them as data means a clinician can read and correct them without reading code.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from triage.classify.text import Found, Layer, PhraseIndex, words
from triage.models import Category, EvidenceKind


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a phrase or code says about a request."""

    kind: EvidenceKind
    category: Category | None  # None for other work
    note: str = ""
    group: str = ""  # an indication-dependent group, or the other work's label


@dataclass(frozen=True, slots=True)
class CodeEntry:
    system: str  # "SNOMED CT" or "dm+d"
    term: str
    meaning: Meaning
    found: Found  # the phrases in the term (as field "codes"), for the red-flag scanner


@dataclass(frozen=True, slots=True)
class IndicationGroup:
    """Medicines that count for `category` only when one of `requires` is in the request."""

    name: str
    category: Category
    requires: Layer[str]  # payload: the phrase


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """A result written in a letter, and its safe range."""

    label: str
    above: float | None
    below: float | None
    at_least: float | None
    most: float  # larger numbers are something else (a dose, "CA 125")

    def problem(self, value: float) -> str | None:
        if value > self.most:
            return None
        if self.above is not None and value > self.above:
            return f"{self.label} above {self.above:g}"
        if self.at_least is not None and value >= self.at_least:
            return f"{self.label} of {self.at_least:g} or more"
        if self.below is not None and value < self.below:
            return f"{self.label} under {self.below:g}"
        return None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    phrases: PhraseIndex  # every layer below, searched in one pass
    meanings: Layer[Meaning]
    codes: dict[str, CodeEntry]
    indication_groups: dict[str, IndicationGroup]
    red_flag_words: Layer[str]  # payload: why it is a red flag
    category_red_flags: dict[Category, Layer[str]]
    values: re.Pattern[str]  # finds a measurement name followed by a number
    value_first_words: frozenset[str]  # a text without any of these holds no result to check
    value_checks: dict[str, ValueCheck]  # by measurement name as written, lower case


_SYSTEM_NAMES = {"snomed": "SNOMED CT", "dmd": "dm+d"}
_DATA = resources.files("triage.classify") / "data"


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((_DATA / name).read_text(encoding="utf-8"))


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, read once per process."""
    categories = _toml("categories.toml")
    red_flags = _toml("red_flags.toml")
    phrases = PhraseIndex()
    meanings: list[tuple[str, Meaning]] = []
    category_red_flags: dict[Category, Layer[str]] = {}
    for category in Category:
        entry = categories[category.value]
        for kind, key in (
            (EvidenceKind.MEDICINE, "medicines"),
            (EvidenceKind.TERM, "terms"),
            (EvidenceKind.CONTEXT, "context"),
        ):
            meanings.extend((phrase, Meaning(kind, category)) for phrase in entry[key])
        category_red_flags[category] = phrases.add_layer(
            (phrase, why)
            for why, written in entry.get("red_flags", {}).items()
            for phrase in written
        )
    groups: dict[str, IndicationGroup] = {}
    for name, group in categories["indication_dependent"].items():
        category = Category(group["category"])
        groups[name] = IndicationGroup(
            name, category, phrases.add_layer((phrase, phrase) for phrase in group["requires"])
        )
        meanings.extend(
            (phrase, Meaning(EvidenceKind.MEDICINE, category, group=name))
            for phrase in group["medicines"]
        )
        meanings.extend(
            (phrase, Meaning(EvidenceKind.OTHER_WORK, None, note=label, group=name))
            for label, written in group["otherwise"].items()
            for phrase in written
        )
    meanings.extend(
        (phrase, Meaning(EvidenceKind.OTHER_WORK, None, note=label))
        for label, written in categories["other_work"].items()
        for phrase in written
    )
    meanings_layer = phrases.add_layer(meanings)
    red_flag_words = phrases.add_layer(
        (phrase, why) for why, written in red_flags["words"].items() for phrase in written
    )
    checks = {
        name.lower(): ValueCheck(
            check["label"],
            check.get("above"),
            check.get("below"),
            check.get("at_least"),
            check["most"],
        )
        for check in red_flags["values"]
        for name in check["names"]
    }
    return Vocabulary(
        phrases=phrases,
        meanings=meanings_layer,
        codes=_codes(groups, phrases),  # last: code terms are searched for every layer above
        indication_groups=groups,
        red_flag_words=red_flag_words,
        category_red_flags=category_red_flags,
        values=_value_pattern(checks),
        value_first_words=frozenset(words(name)[0] for name in checks),
        value_checks=checks,
    )


def _codes(groups: dict[str, IndicationGroup], phrases: PhraseIndex) -> dict[str, CodeEntry]:
    codes: dict[str, CodeEntry] = {}
    rows = csv.DictReader(io.StringIO((_DATA / "codes.csv").read_text(encoding="utf-8")))
    for row in rows:
        concept = row["concept"]
        if concept in groups:
            meaning = Meaning(EvidenceKind.MEDICINE, groups[concept].category, group=concept)
        else:
            kind = EvidenceKind.CODE if row["kind"] == "identifies" else EvidenceKind.CONTEXT
            meaning = Meaning(kind, Category(concept))
        codes[row["code"]] = CodeEntry(
            _SYSTEM_NAMES[row["system"]],
            row["term"],
            meaning,
            phrases.find([("codes", words(row["term"]))]),
        )
    return codes


def _value_pattern(checks: dict[str, ValueCheck]) -> re.Pattern[str]:
    """A measurement name, a few linking words ("was", "of", ":"), then a number.

    A dose unit ("400mg") or a frequency ("3-monthly") after the number marks something other
    than a result, which the caller ignores.
    """
    names = sorted(checks, key=len, reverse=True)
    alternatives = "|".join(re.escape(name).replace(r"\ ", r"[\s-]+") for name in names)
    return re.compile(
        rf"(?<![a-z0-9])(?P<name>{alternatives})(?![a-z0-9])"
        r"[\s:=<>~]*(?:(?:is|was|of|at|now|today|level|levels|measured|recorded)[\s:=<>~]+)*"
        r"(?P<value>\d+(?:\.\d+)?)(?!\d|\.\d)"
        r"(?P<not_result>\s*(?:mg|mcg|micrograms?|ml|g)(?![a-z])|"
        r"\s*-?\s*(?:monthly|weekly|daily|yearly|months?|weeks?|days?|years?|hours?|times)\b)?"
    )
