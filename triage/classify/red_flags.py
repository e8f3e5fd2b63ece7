"""Red flags: words and results in a letter that a GP must see before anything is sent.

The scanner only routes a request to a GP; it never decides anything clinical. It reads the
letter itself (medications, diagnosis and text, and the descriptions of any codes), not the
sender's name: "Same Day Emergency Care" as a sender is not a red flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set

from triage.classify.reading import ReadRequest
from triage.classify.vocabulary import Vocabulary
from triage.models import Category, RedFlag

_LETTER_FIELDS = frozenset({"medications", "diagnosis", "text", "codes"})
_RESULT_FIELDS = ("diagnosis", "text")


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
    for field in _RESULT_FIELDS:
        names = vocabulary.value_first_words.intersection(read.words[field])
        if names:  # most letters give no result
            for flag in _results(field, read.texts[field], names, vocabulary):
                flags.setdefault(flag.found.lower(), flag)
    return tuple(flags.values())


def _results(field: str, text: str, names: Set[str], vocabulary: Vocabulary) -> list[RedFlag]:
    """Results outside their safe range ("INR 6.2", "heart rate 38"), in the order written.

    `names` are the first words of the measurement names written in the text.
    """
    lowered = text.lower()
    written = text if len(lowered) == len(text) else lowered  # "İ" lower-cases to two characters
    # The pattern is tried only where a measurement's name starts, not at every character.
    starts = sorted(start for name in names for start in _places(lowered, name))
    flags = []
    end = 0
    for start in starts:
        found = vocabulary.values.match(lowered, start) if start >= end else None
        if found is None:
            continue
        end = found.end()
        if found["not_result"]:  # a dose or a frequency, not a result
            continue
        check = vocabulary.value_checks[" ".join(found["name"].split()).replace("-", " ")]
        problem = check.problem(float(found["value"]))
        if problem is not None:
            flags.append(RedFlag(field, written[start:end].strip(), problem))
    return flags


def _places(text: str, word: str) -> Iterator[int]:
    """Every place `word` is written in `text`, even inside another word (the pattern checks)."""
    place = text.find(word)
    while place != -1:
        yield place
        place = text.find(word, place + 1)
