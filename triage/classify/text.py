"""Reading words out of a letter: tokens, and finding known phrases among them.

Matching works on whole words, ignoring case and punctuation, so "Concerta XL 36mg" holds the
phrase "concerta xl". A plural "s" is dropped on both sides so "paraproteins" matches
"paraprotein". This is deliberately simple and fast: the queue reads every request it shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

Payload = TypeVar("Payload")

_WORD = re.compile(r"[a-z0-9]+")
_NOT_PLURAL = ("ss", "us", "is")


def _singular(word: str) -> str:
    if len(word) > 3 and word[-1] == "s" and not word.endswith(_NOT_PLURAL):
        return word[:-1]
    return word


# Singular forms already worked out: the words of letters are few, and this is the hot path.
_SINGULAR: dict[str, str] = {}


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text`, lower-cased and singular."""
    known = _SINGULAR
    return tuple(
        [known[word] if word in known else _remember(word) for word in _WORD.findall(text.lower())]
    )


def _remember(word: str) -> str:
    singular = _singular(word)
    if len(_SINGULAR) < 200_000:  # bounded: a letter can hold any made-up word
        _SINGULAR[word] = singular
    return singular


@dataclass(frozen=True, slots=True)
class Match(Generic[Payload]):
    phrase: str  # the phrase as the vocabulary writes it
    payloads: tuple[Payload, ...]


class PhraseMatcher(Generic[Payload]):
    """Finds known phrases in a token sequence, longest first at each place.

    Each phrase carries payloads (what it means); one phrase may mean several things, such as
    "prostate cancer", which supports PSA monitoring and explains a GnRH analogue.
    """

    def __init__(self, phrases: Iterable[tuple[str, Payload]]) -> None:
        grouped: dict[tuple[str, ...], tuple[str, list[Payload]]] = {}
        for phrase, payload in phrases:
            key = tokens(phrase)
            if not key:
                raise ValueError(f"phrase {phrase!r} has no words")
            grouped.setdefault(key, (phrase, []))[1].append(payload)
        by_first: dict[str, list[tuple[tuple[str, ...], Match[Payload]]]] = {}
        for key, (phrase, payloads) in grouped.items():
            by_first.setdefault(key[0], []).append((key, Match(phrase, tuple(payloads))))
        for candidates in by_first.values():
            candidates.sort(key=lambda candidate: -len(candidate[0]))
        self._by_first = by_first

    def find(self, words: tuple[str, ...]) -> Iterator[Match[Payload]]:
        """Every phrase in `words`; after a match, the search goes on after its last word."""
        by_first = self._by_first
        if by_first.keys().isdisjoint(words):  # the usual case, decided in C
            return
        index, end = 0, len(words)
        while index < end:
            candidates = by_first.get(words[index])
            step = 1
            if candidates is not None:
                for key, match in candidates:
                    if words[index : index + len(key)] == key:
                        yield match
                        step = len(key)
                        break
            index += step
