"""Which shared-care category a request is, with the evidence a person needs to check it.

Codes, medicine names and clinical terms identify a category; context words only support one
found otherwise. Some medicines depend on their indication: estradiol, testosterone and GnRH
analogues mean gender dysphoria only when the request is about gender; for menopause,
hypogonadism or prostate cancer they are other work. Two categories, a category plus other work,
or a sender whose stated category the evidence contradicts make a request mixed: a person decides.
"""

from __future__ import annotations

from triage.classify.reading import ReadRequest
from triage.classify.vocabulary import Meaning, Vocabulary
from triage.models import Category, Classification, Evidence, EvidenceKind

# How much one piece of evidence of each kind counts towards confidence.
_WEIGHT = {
    EvidenceKind.CODE: 0.95,
    EvidenceKind.MEDICINE: 0.9,
    EvidenceKind.TERM: 0.8,
    EvidenceKind.CONTEXT: 0.3,
    EvidenceKind.DECLARED: 0.3,
}
# Words in the sender's own name ("Adult ADHD Service") count for less than words in the letter.
_NAME_FIELDS = frozenset({"organisation", "requester"})
_NAME_WEIGHT = 0.6
_IDENTIFYING = frozenset({EvidenceKind.CODE, EvidenceKind.MEDICINE, EvidenceKind.TERM})


def classify(read: ReadRequest, vocabulary: Vocabulary) -> Classification:
    found = _evidence(read, vocabulary)
    identified = {item.category for item in found if item.kind in _IDENTIFYING and item.category}
    other_work = [item for item in found if item.kind is EvidenceKind.OTHER_WORK]
    declared = read.request.category
    if declared is not None:
        found.append(_declared(declared, identified))

    ranked = sorted(identified, key=lambda category: -_confidence(found, category))
    category: Category | None
    if len(ranked) == 1:
        category = only = ranked[0]
        because = ""
        if declared is not None and declared is not only:
            because = f"the sender says {declared.label} but it reads as {only.label}"
        elif other_work:
            because = f"it asks for {other_work[0].note} as well as {only.label}"
        confidence = _confidence(found, only)
    else:
        category, confidence = None, 0.0
        because = f"it reads as both {ranked[0].label} and {ranked[1].label}" if ranked else ""
    shown = [item for item in found if _worth_showing(item, identified)]
    return Classification(
        category=category,
        categories=tuple(ranked),
        confidence=round(confidence, 2),
        evidence=tuple(_unique(shown)),
        mixed=bool(because),
        mixed_because=because,
    )


def _evidence(read: ReadRequest, vocabulary: Vocabulary) -> list[Evidence]:
    # (field, what was found, its meaning, the code's description) for every code and phrase
    hits: list[tuple[str, str, Meaning, str]] = []
    for code in read.request.codes:
        entry = vocabulary.codes.get(code.strip())
        if entry is not None:
            hits.append(("codes", code.strip(), entry.meaning, f"{entry.system}: {entry.term}"))
    for field, found in read.found:
        for match in found.of(vocabulary.meanings):
            hits.extend((field, match.phrase, meaning, "") for meaning in match.payloads)
    # Indication-dependent medicines asked for (in the medications or codes), by group.
    asked = {
        meaning.group
        for field, _, meaning, _ in hits
        if meaning.group
        and meaning.kind is EvidenceKind.MEDICINE
        and field in ("medications", "codes")
    }
    evidence = []
    for field, found_as, meaning, code_term in hits:
        if not meaning.group:
            note = _join(code_term, meaning.note) if code_term else meaning.note
            evidence.append(Evidence(field, found_as, meaning.kind, meaning.category, note))
            continue
        group = vocabulary.indication_groups[meaning.group]
        reason = read.indication(group)
        if meaning.kind is EvidenceKind.OTHER_WORK:
            # "menopause" is other work only when it explains a medicine the letter asks for.
            if meaning.group in asked and reason is None:
                evidence.append(Evidence(field, found_as, meaning.kind, None, meaning.note))
        elif reason is not None:
            note = _join(code_term, f"counts: the request is about gender ({reason!r})")
            evidence.append(Evidence(field, found_as, EvidenceKind.MEDICINE, group.category, note))
        else:
            note = _join(code_term, "counts only when the request is about gender")
            evidence.append(Evidence(field, found_as, EvidenceKind.CONTEXT, group.category, note))
    return evidence


def _declared(declared: Category, identified: set[Category]) -> Evidence:
    if declared in identified:
        note = "the sender's category agrees"
    elif identified:
        note = "the sender's category disagrees with the request"
    else:
        note = "nothing else in the request supports it"
    return Evidence("category", declared.value, EvidenceKind.DECLARED, declared, note)


def _confidence(evidence: list[Evidence], category: Category) -> float:
    doubt = 1.0
    for item in evidence:
        if item.category is category and item.kind in _WEIGHT:
            weight = _WEIGHT[item.kind]
            if item.field in _NAME_FIELDS and item.kind in _IDENTIFYING:
                weight = _NAME_WEIGHT
            doubt *= 1.0 - weight
    return 1.0 - doubt


def _worth_showing(item: Evidence, identified: set[Category]) -> bool:
    """Hints for categories the request is not are noise, unless nothing was identified."""
    if item.kind is not EvidenceKind.CONTEXT or item.category is None:
        return True
    return item.category in identified or not identified


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str, EvidenceKind, Category | None]] = set()
    unique = []
    for item in evidence:
        key = (item.field, item.found, item.kind, item.category)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
