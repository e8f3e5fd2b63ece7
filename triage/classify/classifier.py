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
_ORDER = {category: number for number, category in enumerate(Category)}
_ASKED_IN = frozenset({"medications", "codes"})  # where naming a medicine asks for it
_NAMES_IT = frozenset({EvidenceKind.CODE, EvidenceKind.MEDICINE})  # evidence naming what is asked


def classify(read: ReadRequest, vocabulary: Vocabulary) -> Classification:
    evidence = _explained_terms(_evidence(read, vocabulary), vocabulary)
    identified = {
        item.category
        for item in evidence
        if item.kind in _IDENTIFYING and item.category is not None
    }
    declared = read.request.category
    if declared is not None:
        evidence.append(_declared(declared, identified))
    confidence = _confidence(evidence)
    # Strongest first; ties in the order categories are listed, so the wording is repeatable.
    ranked = sorted(identified, key=lambda category: (-confidence[category], _ORDER[category]))
    category: Category | None = None
    because = ""
    if len(ranked) == 1:
        category = ranked[0]
        other_work = next((item for item in evidence if item.kind is EvidenceKind.OTHER_WORK), None)
        if declared is not None and declared is not category:
            because = f"the sender says {declared.label} but it reads as {category.label}"
        elif other_work is not None:
            because = f"it asks for {other_work.note} as well as {category.label}"
    elif ranked:
        because = f"it reads as both {ranked[0].label} and {ranked[1].label}"
    return Classification(
        category=category,
        categories=tuple(ranked),
        confidence=round(confidence[category], 2) if category else 0.0,
        evidence=_shown(evidence, identified),
        mixed=bool(because),
        mixed_because=because,
    )


def _evidence(read: ReadRequest, vocabulary: Vocabulary) -> list[Evidence]:
    """What each known code and phrase in the request says, in the order of its fields."""
    # (field, as found, its meaning, the code's description) for every known code and phrase
    hits = [
        ("codes", code.strip(), entry.meaning, f"{entry.system}: {entry.term}")
        for code in read.request.codes
        if (entry := vocabulary.codes.get(code.strip())) is not None
    ]
    hits += [
        (field, match.phrase, meaning, "")
        for field, match in read.found.of(vocabulary.meanings)
        for meaning in match.payloads
    ]
    # Indication-dependent medicines asked for (in the medications or codes), by group.
    asked = {
        meaning.group
        for field, _, meaning, _ in hits
        if meaning.group and meaning.kind in _NAMES_IT and field in _ASKED_IN
    }
    evidence = []
    for field, found_as, meaning, code_term in hits:
        if meaning.group:
            item = _indicated(field, found_as, meaning, code_term, asked, read, vocabulary)
            if item is not None:
                evidence.append(item)
        else:
            note = _join(code_term, meaning.note) if code_term else meaning.note
            evidence.append(Evidence(field, found_as, meaning.kind, meaning.category, note))
    return evidence


def _indicated(
    field: str,
    found_as: str,
    meaning: Meaning,
    code_term: str,
    asked: set[str],
    read: ReadRequest,
    vocabulary: Vocabulary,
) -> Evidence | None:
    """What a medicine whose category depends on its use, or the words of another use, says
    given the whole request: another use written (an ectopic pregnancy, menopause) makes the
    medicine other work; a group that requires its indication (gender) counts only with it."""
    group = vocabulary.indication_groups[meaning.group]
    if meaning.kind is EvidenceKind.OTHER_WORK:
        # "menopause" is other work only when it explains a medicine the letter asks for.
        if meaning.group in asked:
            return Evidence(field, found_as, meaning.kind, None, meaning.note)
        return None
    other_use = read.other_use(group)
    if other_use is not None:
        label, written = other_use
        note = _join(code_term, f"{label}: {written!r} in the request")
        return Evidence(field, found_as, EvidenceKind.OTHER_WORK, None, note)
    if group.requires is None:  # a medicine or a code naming one, as found
        return Evidence(field, found_as, meaning.kind, group.category, code_term)
    reason = read.indication(group)
    if reason is not None:
        note = _join(code_term, f"counts: the request is about gender ({reason!r})")
        return Evidence(field, found_as, EvidenceKind.MEDICINE, group.category, note)
    note = _join(code_term, "counts only when the request is about gender")
    return Evidence(field, found_as, EvidenceKind.CONTEXT, group.category, note)


def _explained_terms(evidence: list[Evidence], vocabulary: Vocabulary) -> list[Evidence]:
    """A category's terms support nothing when other work that explains them is asked for and
    no medicine or code of the category is ("apixaban; no INR monitoring is needed")."""
    for category, labels in vocabulary.terms_explained_by.items():
        explained = next(
            (
                item
                for item in evidence
                if item.kind is EvidenceKind.OTHER_WORK and item.note in labels
            ),
            None,
        )
        if explained is None or any(
            item.category is category and item.kind in _NAMES_IT for item in evidence
        ):
            continue
        because = f"{explained.found} is asked for: {explained.note}"
        evidence = [
            Evidence(
                item.field, item.found, EvidenceKind.CONTEXT, category, _join(item.note, because)
            )
            if item.category is category and item.kind is EvidenceKind.TERM
            else item
            for item in evidence
        ]
    return evidence


def _declared(declared: Category, identified: set[Category]) -> Evidence:
    if declared in identified:
        note = "the sender's category agrees"
    elif identified:
        note = "the sender's category disagrees with the request"
    else:
        note = "nothing else in the request supports it"
    return Evidence("category", declared.value, EvidenceKind.DECLARED, declared, note)


def _confidence(evidence: list[Evidence]) -> dict[Category, float]:
    """How strongly the evidence points to each category: 1 - the product of its doubts."""
    doubt: dict[Category, float] = {}
    for item in evidence:
        if item.category is not None and item.kind in _WEIGHT:
            weight = _WEIGHT[item.kind]
            if item.field in _NAME_FIELDS and item.kind in _IDENTIFYING:
                weight = _NAME_WEIGHT
            doubt[item.category] = doubt.get(item.category, 1.0) * (1.0 - weight)
    return {category: 1.0 - value for category, value in doubt.items()}


def _shown(evidence: list[Evidence], identified: set[Category]) -> tuple[Evidence, ...]:
    """Each piece of evidence once; hints for categories the request is not are noise, unless
    nothing was identified."""
    shown: dict[tuple[str, str, EvidenceKind, Category | None], Evidence] = {}
    for item in evidence:
        if item.kind is EvidenceKind.CONTEXT and identified and item.category not in identified:
            continue
        shown.setdefault((item.field, item.found, item.kind, item.category), item)
    return tuple(shown.values())


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
