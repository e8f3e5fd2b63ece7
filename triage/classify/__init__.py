"""Reading a request: which category it is, with evidence, its red flags, and what its prose says
of dates and the kind of request.

`read(request)` is what the rest of the product calls; the vocabulary it uses is data in
`triage/classify/data/`.
"""

from __future__ import annotations

from triage.classify.classifier import classify
from triage.classify.reading import ReadRequest
from triage.classify.red_flags import scan
from triage.classify.vocabulary import vocabulary
from triage.classify.written import read_written
from triage.models import Findings, IncomingRequest


def read(request: IncomingRequest) -> Findings:
    words = vocabulary()
    reading = ReadRequest(request, words)
    classification = classify(reading, words)
    categories = classification.categories
    return Findings(
        classification,
        scan(reading, categories, words),
        read_written(reading, categories, words),
    )


__all__ = ["read"]
