"""What a letter says in prose that the request's fields may also say (clinical-signals.md §4).

Dates: "next injection due 4 March", "INR due next week", "last Prolia 2 August 2024", "she had
her sleeve gastrectomy on 14th June 2024". Each date is read against the letter's own date when
it gives one, else the day it was received, and the words just before it in its sentence say what
it is for. A last dose of a medicine given at a fixed interval (denosumab, every six months) gives
the next dose's date. The kind of request ("continue", "moved into your area", "new diagnosis")
is read only when the request's own field is blank.

This module only reads; the policy's evaluation uses the earlier of the field's date and the
letter's, and shows both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from triage.classify.dates import WrittenDate, find_dates
from triage.classify.letter_date import letter_date
from triage.classify.reading import ReadRequest
from triage.classify.text import Found, words
from triage.classify.vocabulary import DateCues, Vocabulary
from triage.models import Category, DateInLetter, RequestType, Written, WrittenType, add_months

_FIELDS = ("text", "diagnosis", "medications")  # where a letter writes its dates
_CUE_WORDS = 10  # words before a date that may say what it is
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)|\n")  # a line ends a date's words too
_DUE = frozenset({"due", "overdue"})  # words of every "due now" phrase
# Words of the dates read against a reference ("next week", "in 3 days", "6 months ago").
_RELATIVE = frozenset(
    words("today tomorrow yesterday this next last in within over ago week weeks month months")
)
_DIGIT = re.compile(r"\d")
# Words a date may be written in without a digit ("next week", "a fortnight ago", "March").
_DATE_WORDS = frozenset(
    words(
        "today tomorrow yesterday week weeks fortnight month months year years ago january "
        "february march april may june july august september october november december jan feb "
        "mar apr jun jul aug sep sept oct nov dec"
    )
)
_WINDOW = 160  # characters after a cue word searched for its date
_LOOK_BACK = 300  # characters before a date searched for the start of its sentence
_CUE_WORDS_AFTER = 40  # words: more than _WINDOW characters can hold


def read_written(
    read: ReadRequest, categories: Iterable[Category], vocabulary: Vocabulary
) -> Written:
    request_type = None
    if read.request.request_type is None:
        request_type = _request_type(read.wording(vocabulary), vocabulary)
    next_due, last_dose, procedure = _dates(read, vocabulary)
    for category in categories:
        months = vocabulary.dose_interval_months.get(category)
        if months is not None and last_dose is not None:
            after_last = DateInLetter(
                last_dose.field,
                last_dose.found,
                add_months(last_dose.earliest, months),
                add_months(last_dose.latest, months),
                f"{months} months after the last dose",
            )
            if next_due is None or after_last.earliest < next_due.earliest:
                next_due = after_last
    if request_type is None and next_due is None and last_dose is None and procedure is None:
        return _NOTHING
    return Written(next_due, last_dose, procedure, request_type)


_NOTHING = Written()


def _request_type(wording: Found, vocabulary: Vocabulary) -> WrittenType | None:
    said: dict[RequestType, str] = {}
    for _, match in wording.of(vocabulary.request_type_words):
        said.setdefault(match.payloads[0], match.phrase)
    if not said:
        return None
    if RequestType.NEW in said and len(said) > 1:
        return WrittenType(None, " and ".join(repr(phrase) for phrase in said.values()))
    for request_type in (RequestType.TRANSFER_IN, RequestType.CONTINUATION, RequestType.NEW):
        if request_type in said:
            return WrittenType(request_type, said[request_type])
    return None


def _dates(
    read: ReadRequest, vocabulary: Vocabulary
) -> tuple[DateInLetter | None, DateInLetter | None, DateInLetter | None]:
    """The next dose or test due (the earliest), the last dose (the latest) and the operation."""
    next_due: DateInLetter | None = None
    last_dose: DateInLetter | None = None
    procedure: DateInLetter | None = None
    # Dates are looked for only after the words that say what a date is for: most letters have
    # none, and reading every date of every letter would cost more than all the rest.
    windows = {field: _cued(read, field, vocabulary.date_cues) for field in _FIELDS}
    due_now = None
    if not _DUE.isdisjoint(read.words["text"]):
        due_now = next(iter(read.wording(vocabulary).of(vocabulary.due_now_words)), None)
    if due_now is None and not any(windows.values()):
        return None, None, None
    # Relative dates ("next week") are read against the letter's own date, when it gives one.
    reference = read.received
    if due_now is not None or any(
        not _RELATIVE.isdisjoint(read.words[field]) for field, spans in windows.items() if spans
    ):
        reference = letter_date(read.texts["text"], read.received) or read.received
    dates = {
        field: _dates_in(read.texts[field], spans, reference)
        for field, spans in windows.items()
        if spans
    }
    if due_now is not None:
        next_due = DateInLetter("text", due_now[1].phrase, reference, reference, "due now")
    for field, found_dates in dates.items():
        text = read.texts[field]
        for written in found_dates:
            start = _sentence_start(text, written.start)
            kind = _kind(words(text[start : written.start])[-_CUE_WORDS:], vocabulary.date_cues)
            if kind is None:
                continue
            found = DateInLetter(
                field,
                " ".join(text[start : written.end].split())[-80:],
                written.earliest,
                written.latest,
            )
            if kind == "next_due" and (next_due is None or found.earliest < next_due.earliest):
                next_due = found
            elif kind == "last_dose" and (last_dose is None or found.latest > last_dose.latest):
                last_dose = found
            elif kind == "procedure" and procedure is None:
                procedure = found
    return next_due, last_dose, procedure


def _cued(read: ReadRequest, field: str, cues: DateCues) -> list[tuple[int, int]]:
    """The spans of a field from each cue word to the end of its sentence, for the cue words
    that may be followed by a date they say something of ("next injection due ...", not only
    "next review" or "last seen"). Looked for in the words first: most letters stop there."""
    field_words = read.words[field]
    present = cues.words.intersection(field_words)
    qualifying = [cue for cue in present if _cue_may_say(field_words, cue, cues)]
    if not qualifying:
        return []
    text = read.texts[field].lower()
    spans = []
    for word in qualifying:
        place = text.find(word)
        while place != -1:
            after = place + len(word)
            if (place == 0 or not text[place - 1].isalnum()) and not text[
                after : after + 1
            ].isalnum():
                end = _SENTENCE_END.search(text, place)
                spans.append((place, min(end.start() if end else len(text), place + _WINDOW)))
            place = text.find(word, after)
    return sorted(spans)


def _cue_may_say(field_words: list[str], cue: str, cues: DateCues) -> bool:
    """Whether a number or a date word follows the cue somewhere in the field, and for "next"
    or "last" a dose or a test too ("next injection", not "next review")."""
    place = -1
    while True:
        try:
            place = field_words.index(cue, place + 1)
        except ValueError:
            return False
        rest = field_words[place + 1 : place + 1 + _CUE_WORDS_AFTER]
        if (cue in cues.next or cue in cues.last) and (
            cues.doses.isdisjoint(rest) and "given" not in rest
        ):
            continue  # "next review", "last seen": no dose or test
        if not _DATE_WORDS.isdisjoint(rest) or _DIGIT.search(" ".join(rest)):
            return True


def _dates_in(text: str, spans: list[tuple[int, int]], reference: date) -> list[WrittenDate]:
    """The dates within the spans, in order; spans that overlap are read as one."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # sorted by start
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [
        WrittenDate(
            start + written.start,
            start + written.end,
            written.earliest,
            written.latest,
            written.relative,
        )
        for start, end in merged
        for written in find_dates(text[start:end], reference)
    ]


def _sentence_start(text: str, place: int) -> int:
    """Where the sentence holding `place` starts; a date's words are looked for no further back
    than _LOOK_BACK characters, so a long letter with many dates is not read again for each."""
    start = max(0, place - _LOOK_BACK)
    for end in _SENTENCE_END.finditer(text, start, place):
        start = end.end()
    return start


def _kind(cue: list[str], cues: DateCues) -> str | None:
    """What a date is for, from the words before it: the cue nearest the date decides."""
    nearest: dict[str, int] = {}
    for place, word in enumerate(cue):
        if word in cues.procedure:
            nearest["procedure"] = place
        if word in cues.last or " ".join(cue[place : place + 2]) in cues.last:
            nearest["last_dose"] = place
        if word in cues.due and cue[place + 1 : place + 2] != ["to"]:  # not "due to"
            nearest["next_due"] = place
        if word in cues.next and cues.doses.intersection(cue[place:]):
            nearest["next_due"] = place
    if "last_dose" in nearest and not (cues.doses.intersection(cue) or "given" in cue):
        del nearest["last_dose"]  # "last seen in clinic on ..." is no dose
    if not nearest:
        return None
    return max(nearest, key=lambda kind: nearest[kind])
