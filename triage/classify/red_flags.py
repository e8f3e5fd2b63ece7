"""Red flags: words and results in a letter that a GP must see before anything is sent.

The scanner only routes a request to a GP; it never decides anything clinical. It reads the
letter itself (medications, diagnosis and text, and the descriptions of any codes), not the
sender's name: "Same Day Emergency Care" as a sender is not a red flag.
"""

from __future__ import annotations

from collections.abc import Iterable

from triage.classify.reading import ReadRequest
from triage.classify.vocabulary import Vocabulary
from triage.models import Category, RedFlag

_LETTER_FIELDS = frozenset({"medications", "diagnosis", "text"})
_RESULT_FIELDS = ("diagnosis", "text")


def scan(
    read: ReadRequest, categories: Iterable[Category], vocabulary: Vocabulary
) -> tuple[RedFlag, ...]:
    """Every red flag in the request, for the categories it was classified as."""
    flags: dict[str, RedFlag] = {}  # by what was found: once is enough, wherever it was
    layers = [vocabulary.red_flag_words]
    layers += [vocabulary.category_red_flags[category] for category in categories]
    letter = [(field, found) for field, found in read.found if field in _LETTER_FIELDS]
    for code in read.request.codes:
        entry = vocabulary.codes.get(code.strip())
        if entry is not None and entry.found:
            letter.append(("codes", entry.found))
    for field, found in letter:
        for layer in layers:
            for match in found.of(layer):
                flags.setdefault(match.phrase, RedFlag(field, match.phrase, match.payloads[0]))
    for field in _RESULT_FIELDS:
        if not vocabulary.value_first_words.isdisjoint(read.words[field]):
            for flag in _results(field, read.texts[field], vocabulary):
                flags.setdefault(flag.found.lower(), flag)
    return tuple(flags.values())


def _results(field: str, text: str, vocabulary: Vocabulary) -> Iterable[RedFlag]:
    """Results outside their safe range ("INR 6.2", "heart rate 38")."""
    lowered = text.lower()
    for found in vocabulary.values.finditer(lowered):
        if found["not_result"]:
            continue
        check = vocabulary.value_checks[" ".join(found["name"].split()).replace("-", " ")]
        problem = check.problem(float(found["value"]))
        if problem is not None:
            written = text[found.start() : found.end()].strip()
            yield RedFlag(field, written, problem)
