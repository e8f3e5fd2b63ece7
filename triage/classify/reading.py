"""A request's words and phrases, read once for the classifier and the red-flag scanner."""

from __future__ import annotations

from datetime import date

from triage.classify.text import Found, words
from triage.classify.vocabulary import IndicationGroup, Vocabulary
from triage.models import IncomingRequest

_FEMALE = frozenset({"mrs", "ms", "miss", "she", "her", "hers", "woman", "female"})
_MALE = frozenset({"mr", "he", "his", "him", "man", "male"})


class ReadRequest:
    __slots__ = ("_all_words", "_wording", "found", "request", "texts", "words")

    def __init__(self, request: IncomingRequest, vocabulary: Vocabulary) -> None:
        self.request = request
        # The fields whose words are read, in the order evidence is listed; codes are looked up.
        self.texts = {
            "medications": "; ".join(request.medications),
            "diagnosis": request.diagnosis or "",
            "text": request.text or "",
            "organisation": request.organisation,
            "requester": request.requester,
        }
        self.words = {field: words(text) for field, text in self.texts.items()}
        self.found = vocabulary.phrases.find(self.words.items())
        self._all_words: str | None = None
        self._wording: Found | None = None

    def wording(self, vocabulary: Vocabulary) -> Found:
        """The phrases of the vocabulary's wording index: read only for the letters that ask."""
        if self._wording is None:
            self._wording = vocabulary.wording.find(self.words.items())
        return self._wording

    @property
    def received(self) -> date:
        return self.request.received.date()

    @property
    def age(self) -> int | None:
        """The patient's age on the day the request was received, if the birth date is known."""
        born = self.request.patient.date_of_birth
        if born is None:
            return None
        on = self.received
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @property
    def sex(self) -> str:
        """ "female" or "male" when the letter's words say only one ("Mrs", "he"); else
        "unknown"."""
        written = self.words["text"]
        female = not _FEMALE.isdisjoint(written)
        male = not _MALE.isdisjoint(written)
        return "female" if female and not male else "male" if male and not female else "unknown"

    def mentions(self, phrases: tuple[tuple[str, ...], ...]) -> bool:
        """Whether the letter (any field read) holds any of these phrases, as words."""
        if self._all_words is None:  # asked only when a result's rule depends on the context
            self._all_words = " " + " ".join(" ".join(words) for words in self.words.values()) + " "
        return any(f" {' '.join(phrase)} " in self._all_words for phrase in phrases)

    def indication(self, group: IndicationGroup) -> str | None:
        """The words showing the request is about the group's indication, if any."""
        if group.requires is not None:
            for _, match in self.found.of(group.requires):
                return match.phrase
        return None

    def other_use(self, group: IndicationGroup) -> tuple[str, str] | None:
        """The use, other than the group's category, that the request shows, and its words."""
        for _, match in self.found.of(group.excludes):
            return match.payloads[0], match.phrase
        return None
