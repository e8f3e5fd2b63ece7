"""A request's words and phrases, read once for the classifier and the red-flag scanner."""

from __future__ import annotations

from triage.classify.text import words
from triage.classify.vocabulary import IndicationGroup, Vocabulary
from triage.models import IncomingRequest


class ReadRequest:
    __slots__ = ("found", "request", "texts", "words")

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

    def indication(self, group: IndicationGroup) -> str | None:
        """The words showing the request is about the group's indication, if any."""
        for _, match in self.found.of(group.requires):
            return match.phrase
        return None
