"""Red flags: words and results in a letter that a GP must see before anything is sent.

The scanner only routes a request to a GP; it never decides anything clinical. It reads the
letter itself (medications, diagnosis and text, and the descriptions of any codes), not the
sender's name: "Same Day Emergency Care" as a sender is not a red flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from triage.classify.reading import ReadRequest
from triage.classify.result_flags import result_flags
from triage.classify.results import may_give_results, read_results
from triage.classify.vocabulary import Vocabulary
from triage.models import Category, RedFlag

_LETTER_FIELDS = frozenset({"medications", "diagnosis", "text", "codes"})
_RESULT_FIELDS = ("diagnosis", "text")
_DOSING_FIELDS = ("medications", "text")

# Methotrexate for arthritis is taken once a week; written as daily it is a known cause of fatal
# overdose (NPSA alert on oral methotrexate), whatever else the letter says.
_METHOTREXATE = frozenset({"methotrexate", "maxtrex", "nordimet", "jylamvo", "zlatal", "ebetrex"})
_DAILY = re.compile(
    r"(?<![a-z])(?:" + "|".join(sorted(_METHOTREXATE)) + r")(?![a-z])"
    r"(?P<between>(?:[^.;\n]|\.(?=\d)){0,60}?)(?<![a-z])"
    r"(?:daily|once a day|every day|each day|per day|a day|od|o\.d\.|nocte|every morning|bd|tds)"
    r"(?![a-z])"
)
_WEEKLY = re.compile(r"week|/52|(?<![a-z])(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*days?(?![a-z])")
_DAILY_METHOTREXATE_WHY = "methotrexate written as daily, not weekly (NPSA oral methotrexate alert)"


def scan(
    read: ReadRequest, categories: Iterable[Category], vocabulary: Vocabulary
) -> tuple[RedFlag, ...]:
    """Every red flag in the request, for the categories it was classified as."""
    flags: dict[str, RedFlag] = {}  # by what was found: once is enough, wherever it was
    layers = [vocabulary.red_flag_words]
    layers += [vocabulary.category_red_flags[category] for category in categories]
    found = [read.found]  # the letter, then the descriptions of its codes
    for code in read.request.codes:
        entry = vocabulary.codes.get(code.strip())
        if entry is not None and entry.found:
            found.append(entry.found)
    for phrases in found:
        for layer in layers:
            for field, match in phrases.of(layer):
                if field in _LETTER_FIELDS:
                    flags.setdefault(match.phrase, RedFlag(field, match.phrase, match.payloads[0]))
    for field in _DOSING_FIELDS:
        daily = _daily_methotrexate(read.texts[field], read.words[field])
        if daily is not None:
            flags.setdefault(daily.lower(), RedFlag(field, daily, _DAILY_METHOTREXATE_WHY))
    for field in _RESULT_FIELDS:
        names = vocabulary.measures.first_words.intersection(read.words[field])
        if names and may_give_results(read.words[field], names):  # most letters give none
            text = read.texts[field]
            results = read_results(text, vocabulary.measures, names, read.received)
            for flag in result_flags(field, text, results, categories, vocabulary.measures, read):
                flags.setdefault(flag.found.lower(), flag)
    return tuple(flags.values())


def _daily_methotrexate(text: str, text_words: list[str]) -> str | None:
    """The words giving methotrexate as a daily dose, if the letter does ("10mg daily")."""
    if _METHOTREXATE.isdisjoint(text_words):
        return None
    lowered = text.lower()
    written = text if len(lowered) == len(text) else lowered  # "İ" lower-cases to two characters
    for found in _DAILY.finditer(lowered):
        if not _WEEKLY.search(found["between"]):
            return " ".join(written[found.start() : found.end()].split())
    return None
