"""Reading words out of a letter, and finding known phrases among them in one pass.

Matching works on whole words, ignoring case and punctuation, so "Concerta XL 36mg" holds the
phrase "concerta xl". A plural "s" is ignored, so "paraproteins" matches "paraprotein". Every
request the queue shows is read, so this is the hot path: a letter's words are split once, in C,
and the phrases of every vocabulary (the classifier's, the red flags', ...) are looked up together
by their first word.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Payload = TypeVar("Payload")

_WORD = re.compile(r"[a-z0-9]+")
# Every byte but a lower-case letter or a digit, as a space: an ASCII text's words are then split
# out by bytes.translate and str.split, twice as fast as the regular expression.
_ASCII_WORD_BYTES = frozenset(string.ascii_lowercase.encode() + string.digits.encode())
_SPACE_BUT_WORDS = bytes(byte if byte in _ASCII_WORD_BYTES else 0x20 for byte in range(256))
_NOT_PLURAL = ("ss", "us", "is")


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, as written."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered.encode("ascii").translate(_SPACE_BUT_WORDS).decode("ascii").split()
    return _WORD.findall(lowered)


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text`, lower-cased and singular: how a vocabulary phrase is keyed."""
    return tuple(_singular(word) for word in words(text))


def _singular(word: str) -> str:
    if len(word) > 3 and word[-1] == "s" and not word.endswith(_NOT_PLURAL):
        return word[:-1]
    return word


def _spellings(singular: str) -> list[str]:
    """The words a letter may write for a singular word: itself, and its plural."""
    return [word for word in (singular, singular + "s") if _singular(word) == singular]


@dataclass(frozen=True, slots=True)
class Match(Generic[Payload]):
    phrase: str  # the phrase as the vocabulary writes it
    payloads: tuple[Payload, ...]


@dataclass(frozen=True, slots=True)
class Layer(Generic[Payload]):
    """One vocabulary within a PhraseIndex; its phrases carry payloads of one type."""

    number: int


class PhraseIndex:
    """Phrases from several vocabularies ("layers"), found in one pass over a text's words.

    Within a layer the longest phrase wins at each place and matches never overlap, exactly as if
    the layer were searched alone; layers do not affect each other, so "lithium toxicity" can be a
    red flag while "lithium" is still the medicine. One phrase may carry several payloads, such as
    "prostate cancer", which supports PSA monitoring and explains a GnRH analogue.
    """

    def __init__(self) -> None:
        self._layers = 0
        # Every spelling of every phrase -> the layers it belongs to, with their match.
        self._phrases: dict[tuple[str, ...], list[tuple[int, Match[Any]]]] = {}
        # A phrase's first word, as spelt -> the lengths of phrases starting with it, longest first.
        self._lengths: dict[str, tuple[int, ...]] = {}

    def add_layer(self, phrases: Iterable[tuple[str, Payload]]) -> Layer[Payload]:
        layer: Layer[Payload] = Layer(self._layers)
        self._layers += 1
        grouped: dict[tuple[str, ...], tuple[str, list[Payload]]] = {}
        for phrase, payload in phrases:
            key = tokens(phrase)
            if not key:
                raise ValueError(f"phrase {phrase!r} has no words")
            grouped.setdefault(key, (phrase, []))[1].append(payload)
        for key, (phrase, payloads) in grouped.items():
            match = Match(phrase, tuple(payloads))
            for spelling in itertools.product(*map(_spellings, key)):
                self._phrases.setdefault(spelling, []).append((layer.number, match))
                lengths = {len(spelling), *self._lengths.get(spelling[0], ())}
                self._lengths[spelling[0]] = tuple(sorted(lengths, reverse=True))
        return layer

    def find(self, fields: Iterable[tuple[str, Sequence[str]]]) -> Found:
        """Every phrase of every layer in the fields' words, in the order they appear.

        `fields` are (field name, its words) pairs; a phrase never spans two fields.
        """
        lengths = self._lengths
        starts_a_phrase = lengths.__contains__
        phrases = self._phrases
        hits: dict[int, list[tuple[str, Match[Any]]]] = {}  # by layer
        for field, text_words in fields:
            if lengths.keys().isdisjoint(text_words):  # the usual case for a field, decided in C
                continue
            free: dict[int, int] = {}  # layer -> the first place it may match again
            # Only the places where some phrase starts are visited; the others are skipped in C.
            for index in itertools.compress(itertools.count(), map(starts_a_phrase, text_words)):
                for size in lengths[text_words[index]]:  # longest first: each layer's longest wins
                    entries = phrases.get(tuple(text_words[index : index + size]))
                    if entries is None:
                        continue
                    for number, match in entries:
                        if free.get(number, 0) <= index:
                            hits.setdefault(number, []).append((field, match))
                            free[number] = index + size
        return Found(hits) if hits else _NOTHING


class Found:
    """The phrases found in a request, by layer, each with the field it is in."""

    __slots__ = ("_by_layer",)

    def __init__(self, by_layer: dict[int, list[tuple[str, Match[Any]]]]) -> None:
        self._by_layer = by_layer

    def __bool__(self) -> bool:
        return bool(self._by_layer)

    def of(self, layer: Layer[Payload]) -> list[tuple[str, Match[Payload]]]:
        """The layer's (field, match) pairs, in order (the index put only `Payload`s in it)."""
        return self._by_layer.get(layer.number, [])


_NOTHING = Found({})
