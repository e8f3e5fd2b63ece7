"""The side pane showing one request as it was received. Every value came from a file, so it is
built as rich Text (never markup) from terminal-safe strings."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from rich.text import Text
from textual.widgets import Static

from triage.clock import PRACTICE_TIME, practice_date
from triage.models import Assessed, Decision, Request, Written
from triage.presentation import (
    ACTION_LABELS,
    LETTER_TITLES,
    category_label,
    needs_in_words,
    nhs_number_shown,
)
from triage.safe_text import one_line, terminal_safe
from triage.services.history import History, HistoryEntry


def item_text(item: Assessed[Request]) -> Text:
    """What the policy suggests and why, what the request reads as, then the request itself."""
    return findings_text(item) + request_text(item.request)


def findings_text(item: Assessed[Request]) -> Text:
    """What the policy suggests and why, and what the request reads as (with the evidence)."""
    text = Text()
    suggestion = item.suggestion
    if suggestion is None:
        text.append("No policy is in force: nothing is suggested.\n", style="italic")
    else:
        text.append("Suggests: ", style="bold")
        text.append(ACTION_LABELS[suggestion.action])
        if suggestion.redirect_to:
            text.append(f" to {one_line(suggestion.redirect_to)}")
        if suggestion.rule:
            text.append(f" (rule {one_line(suggestion.rule)})")
        text.append("\n")
        text.append(terminal_safe(suggestion.explanation))
        text.append("\n")
    if item.flags:
        text.append("Flags: ", style="bold")
        text.append(", ".join(item.flags) + "\n")
    classification = item.findings.classification
    text.append("Reads as: ", style="bold")
    text.append(category_label(classification))
    if classification.category is not None:
        text.append(f" (confidence {classification.confidence:.2f})")
    text.append("\n")
    for evidence in classification.evidence:
        text.append(f"  {one_line(evidence.describe())}\n")
    for flag in item.findings.red_flags:
        text.append("Red flag: ", style="bold")
        text.append(f"{one_line(flag.found)} ({one_line(flag.why)})\n")
    for label, said in from_the_letter(item.findings.written):
        text.append(f"{label} (from the letter): ", style="bold")
        text.append(f"{one_line(said)}\n")
    text.append("\n")
    return text


def request_text(request: Request) -> Text:
    patient = request.patient
    rows: list[tuple[str, str | None]] = [
        ("Ref", request.ref),
        ("Received", practice_date(request.received).isoformat()),
        ("Patient", patient.name or "(not given)"),
        ("NHS number", nhs_number_shown(request.patient)),
        ("Born", patient.date_of_birth.isoformat() if patient.date_of_birth else "(not given)"),
        ("From", request.requester),
        ("Organisation", request.organisation),
        ("Provider", request.provider_type.value.replace("_", " ")),
        ("Request", _request_type(request)),
        ("Urgency", request.urgency.value),
        ("Medicines", "; ".join(request.medications) or None),
        ("Diagnosis", request.diagnosis),
        ("Codes", ", ".join(request.codes) or None),
        ("Category (sender)", request.category.value if request.category else None),
        ("Supply ends", request.supply_ends.isoformat() if request.supply_ends else None),
        ("Procedure", request.procedure_date.isoformat() if request.procedure_date else None),
        ("Reply to", request.reply_to),
        ("Flags", ", ".join(request.flags) or None),
        ("Repeat of", _repeat_of(request)),
        ("Needs", needs_in_words(request.details_needed) or None),
        ("Read from", "; ".join(request.read_from) or None),
        ("Source", f"{PurePath(request.source.file).name}, {request.source.location}"),
    ]
    text = Text()
    for label, value in rows:
        if value:
            text.append(f"{label}: ", style="bold")
            text.append(one_line(value))
            text.append("\n")
    if request.text:
        text.append("\nLetter\n", style="bold underline")
        text.append(terminal_safe(request.text, keep_newlines=True))
    return text


def _repeat_of(request: Request) -> str | None:
    """The same team's earlier request the practice said no to: "S01, declined on 2025-01-20
    (HSS-2025-0001)"."""
    earlier = request.repeat_of
    if earlier is None:
        return None
    return (
        f"{earlier.ref}, {earlier.said} on {practice_date(earlier.decided_at)} ({earlier.our_ref})"
    )


class RequestDetail(Static):
    """Shows the highlighted request; empty until one is chosen."""

    def show(self, item: Assessed[Request] | None) -> None:
        self.update(item_text(item) if item else Text("No request selected."))


def _request_type(request: Request) -> str:
    if request.request_type is None:
        return "(not stated)"
    return request.request_type.value.replace("_", " ")


def from_the_letter(written: Written) -> list[tuple[str, str]]:
    """What the letter's own words say of dates and the kind of request, for the GP to check."""
    said = [
        (label, found.describe())
        for label, found in (
            ("Next dose or test", written.next_due),
            ("Last dose", written.last_dose),
            ("Operation", written.procedure),
        )
        if found is not None
    ]
    if written.request_type is not None:
        kind = written.request_type.request_type
        words = written.request_type.found
        if kind is None:
            said.append(("Request", f"unclear: it says {words}"))
        else:
            said.append(("Request", f"{kind.value.replace('_', ' ')} ({words!r})"))
    return said


def when(at: datetime) -> str:
    return f"{at.astimezone(PRACTICE_TIME):%d %b %Y %H:%M}"


def entry_text(entry: HistoryEntry) -> Text:
    """One note, flag, claim or decision: when and who in bold, then what, then the whole note,
    wrapped, its line breaks kept (the text is a person's, shown as typed)."""
    text = Text()
    text.append(when(entry.at), style="bold")
    if entry.who:
        text.append(f" {one_line(entry.who)}", style="bold")
    text.append(f": {one_line(entry.what)}\n")
    if entry.note:
        text.append(terminal_safe(entry.note, keep_newlines=True) + "\n", style="italic")
    return text


def history_text(history: History) -> Text:
    """Everything that happened to the request, oldest first."""
    text = Text()
    text.append("History\n", style="bold underline")
    for entry in history.entries:
        text.append_text(entry_text(entry))
    return text


def notes_text(notes: list[HistoryEntry]) -> Text:
    """Every note on the request, oldest first, each with who wrote it and when."""
    text = Text()
    text.append(f"Notes ({len(notes)})\n", style="bold underline")
    if not notes:
        text.append("No notes on this request.\n", style="italic")
    for entry in notes:
        text.append_text(entry_text(entry))
    return text


def decision_text(decision: Decision, *, letters: bool = True) -> Text:
    """A recorded decision: what, by whom, when and why, then (with `letters`) its letters as
    they were sent."""
    text = Text()
    where = f" to {one_line(decision.redirect_to)}" if decision.redirect_to else ""
    text.append(f"{decision.our_ref}: {ACTION_LABELS[decision.action]}{where}\n", style="bold")
    text.append(f"by {one_line(decision.decided_by)} ({decision.role.value}), ")
    text.append(f"{when(decision.decided_at)}\n")
    if decision.note:
        text.append("Note: ", style="bold")
        text.append(terminal_safe(decision.note, keep_newlines=True) + "\n")
    if letters:
        for kind, title in LETTER_TITLES.items():
            if kind in decision.letters:
                text.append(f"\n{title}\n", style="bold underline")
                text.append(terminal_safe(decision.letters[kind], keep_newlines=True) + "\n")
    return text
