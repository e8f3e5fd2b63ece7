"""The classifier's vocabulary, loaded from the data files shipped in this package.

categories.toml holds the words for each category, codes.csv the SNOMED CT and dm+d codes
(generated from public code lists by tools/build_codes.py), red_flags.toml the red-flag words,
results.toml the results a letter may give and their thresholds (measures.py). Keeping them as
data means a clinician can read and correct them without reading code.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from triage.classify.measures import Measures, measures
from triage.classify.text import Found, Layer, PhraseIndex, words
from triage.models import Category, EvidenceKind, RequestType


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
    """Medicines whose category depends on what they are for.

    Another use written in the request (`excludes`: methotrexate for an ectopic pregnancy,
    triptorelin for precocious puberty) makes them other work. Some count for `category` only when
    one of `requires` is in the request too (hormones mean gender dysphoria only when it is about
    gender).
    """

    name: str
    category: Category
    requires: Layer[str] | None  # payload: the phrase
    excludes: Layer[str]  # payload: the other use's label


@dataclass(frozen=True, slots=True)
class DateCues:
    """Words before a date that say what it is for (wording.toml [dates])."""

    due: frozenset[str]
    next: frozenset[str]
    doses: frozenset[str]
    last: frozenset[str]  # single words, and two-word phrases ("most recent")
    procedure: frozenset[str]
    words: frozenset[str]  # the first word of each: where a date's words may start


@dataclass(frozen=True, slots=True)
class Vocabulary:
    phrases: PhraseIndex  # every layer below, searched in one pass
    meanings: Layer[Meaning]
    codes: dict[str, CodeEntry]
    indication_groups: dict[str, IndicationGroup]
    red_flag_words: Layer[str]  # payload: why it is a red flag
    category_red_flags: dict[Category, Layer[str]]
    # Other work that, asked for without a medicine of the category, leaves the category's terms
    # supporting nothing: a DOAC letter saying "no INR monitoring is needed" is not INR work.
    terms_explained_by: dict[Category, frozenset[str]]
    measures: Measures  # results a letter may give, and when they route to a GP
    # The letter's wording of dates and of the kind of request, in an index of its own: its
    # phrases start with common words ("has been on", "is overdue"), and they are looked for
    # only in the letters that may need them.
    wording: PhraseIndex
    request_type_words: Layer[RequestType]  # how letters say what kind of request they are
    due_now_words: Layer[str]
    date_cues: DateCues
    dose_interval_months: dict[Category, int]  # the next dose is due this long after the last


_SYSTEM_NAMES = {"snomed": "SNOMED CT", "dmd": "dm+d"}
_DATA = resources.files("triage.classify") / "data"


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((_DATA / name).read_text(encoding="utf-8"))


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, read once per process."""
    categories = _toml("categories.toml")
    red_flags = _toml("red_flags.toml")
    wording = _toml("wording.toml")
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
    for section in ("indication_excluded", "indication_dependent"):
        for name, group in categories[section].items():
            category = Category(group["category"])
            requires = None
            if "requires" in group:
                requires = phrases.add_layer((phrase, phrase) for phrase in group["requires"])
            other_uses = group["otherwise"].items()
            excludes = phrases.add_layer(
                (phrase, label) for label, written in other_uses for phrase in written
            )
            groups[name] = IndicationGroup(name, category, requires, excludes)
            meanings.extend(
                (phrase, Meaning(EvidenceKind.MEDICINE, category, group=name))
                for phrase in group["medicines"]
            )
            meanings.extend(
                (phrase, Meaning(EvidenceKind.OTHER_WORK, None, note=label, group=name))
                for label, written in other_uses
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
    wording_index = PhraseIndex()
    request_type_words = wording_index.add_layer(
        (phrase, RequestType(kind))
        for kind, written in wording["request_type"].items()
        for phrase in written
    )
    cues = wording["dates"]
    due_now_words = wording_index.add_layer((phrase, phrase) for phrase in cues["due_now"])
    return Vocabulary(
        phrases=phrases,
        meanings=meanings_layer,
        # Last: code terms are searched for every layer above.
        codes=_codes(groups, phrases, meanings_layer),
        indication_groups=groups,
        red_flag_words=red_flag_words,
        category_red_flags=category_red_flags,
        terms_explained_by={
            category: frozenset(categories[category.value]["terms_explained_by"])
            for category in Category
            if "terms_explained_by" in categories[category.value]
        },
        measures=measures(),
        wording=wording_index,
        request_type_words=request_type_words,
        due_now_words=due_now_words,
        date_cues=_date_cues(cues),
        dose_interval_months={
            Category(category): months
            for category, months in wording["dose_interval_months"].items()
        },
    )


def _date_cues(cues: dict[str, list[str]]) -> DateCues:
    kinds = ("due", "next", "last", "procedure")
    return DateCues(
        due=frozenset(cues["due"]),
        next=frozenset(cues["next"]),
        doses=frozenset(cues["doses"]),
        last=frozenset(cues["last"]),
        procedure=frozenset(cues["procedure"]),
        words=frozenset(phrase.split()[0] for kind in kinds for phrase in cues[kind]),
    )


def _codes(
    groups: dict[str, IndicationGroup], phrases: PhraseIndex, meanings: Layer[Meaning]
) -> dict[str, CodeEntry]:
    codes: dict[str, CodeEntry] = {}
    rows = csv.DictReader(io.StringIO((_DATA / "codes.csv").read_text(encoding="utf-8")))
    for row in rows:
        concept = row["concept"]
        found = phrases.find([("codes", words(row["term"]))])
        if concept in groups:
            meaning = Meaning(EvidenceKind.MEDICINE, groups[concept].category, group=concept)
        else:
            kind = EvidenceKind.CODE if row["kind"] == "identifies" else EvidenceKind.CONTEXT
            meaning = _excluded_use(found, groups, meanings) or Meaning(kind, Category(concept))
        codes[row["code"]] = CodeEntry(_SYSTEM_NAMES[row["system"]], row["term"], meaning, found)
    return codes


def _excluded_use(
    term: Found, groups: dict[str, IndicationGroup], meanings: Layer[Meaning]
) -> Meaning | None:
    """A code for a medicine whose use decides its category ("Methotrexate 2.5mg tablets"): what
    the code's own description says ("Denosumab 120mg ..." is oncology), else the medicine."""
    for _, match in term.of(meanings):
        for meaning in match.payloads:
            group = groups.get(meaning.group)
            if group is None or meaning.kind is not EvidenceKind.MEDICINE:
                continue
            for _, use in term.of(group.excludes):
                return Meaning(EvidenceKind.OTHER_WORK, None, note=use.payloads[0])
            return Meaning(EvidenceKind.CODE, meaning.category, group=meaning.group)
    return None
