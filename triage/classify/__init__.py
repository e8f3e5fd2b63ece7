"""Reading a request: which category it is, with evidence, and its red flags.

`read(request)` is what the rest of the product calls; the vocabulary it uses is data in
`triage/classify/data/`.
"""

from __future__ import annotations

from triage.classify.classifier import classify
from triage.classify.reading import ReadRequest
from triage.classify.red_flags import scan
from triage.classify.vocabulary import vocabulary
from triage.models import Findings, IncomingRequest


def read(request: IncomingRequest) -> Findings:
    words = vocabulary()
    reading = ReadRequest(request, words)
    classification = classify(reading, words)
    return Findings(classification, scan(reading, classification.categories, words))


__all__ = ["read"]
