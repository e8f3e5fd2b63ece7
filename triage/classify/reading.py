"""A request's words, read once and shared by the classifier and the red-flag scanner."""

from __future__ import annotations

from triage.classify.text import tokens
from triage.classify.vocabulary import IndicationGroup
from triage.models import IncomingRequest

# The fields whose words are read, in the order evidence is listed. Codes are read separately.
TEXT_FIELDS = ("medications", "diagnosis", "text", "organisation", "requester")


class ReadRequest:
    def __init__(self, request: IncomingRequest) -> None:
        self.request = request
        texts = {
            "medications": "; ".join(request.medications),
            "diagnosis": request.diagnosis or "",
            "text": request.text or "",
            "organisation": request.organisation,
            "requester": request.requester,
        }
        self.fields = [(field, tokens(texts[field])) for field in TEXT_FIELDS if texts[field]]
        self.texts = texts
        self._indications: dict[str, str | None] = {}

    def indication(self, group: IndicationGroup) -> str | None:
        """The words showing the request is about the group's indication, if any."""
        if group.name not in self._indications:
            self._indications[group.name] = next(
                (match.phrase for _, words in self.fields for match in group.requires.find(words)),
                None,
            )
        return self._indications[group.name]
