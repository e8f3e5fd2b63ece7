"""How requests look on the command line: a table for people, JSON Lines for programs
(docs/cli-output.md is the contract for the JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from rich.table import Table

from triage.cli.output import Column, cell, fitted_table
from triage.clock import practice_date
from triage.due import due_date, due_state, due_words
from triage.models import Assessed, Findings, IncomingRequest, Request, Suggestion
from triage.presentation import (
    ACTION_LABELS,
    STATUS_LABELS,
    category_label,
    nhs_number_shown,
    status_counts,
)
from triage.services.queue import QueuePage

# What a clerk decides by stays; the rest goes, From first, when the terminal is narrow. The
# NHS number outlasts the date received: it says who the patient is; the order says when.
QUEUE_COLUMNS = (
    Column("Ref", max_width=24),
    Column("Received", drop=2),
    Column("Patient", min_width=8, max_width=24),
    Column("NHS number", drop=3),
    Column("From", drop=1, max_width=28),
    Column("Category", drop=4),
    Column("Suggests"),
    Column("Flags", wrap=True, max_width=30),
    Column("Due"),
    Column("Status"),
    Column("Assigned", drop=5, max_width=16),  # last: left off when nobody has the rows
)


def queue_table(page: QueuePage, width: int, names: Mapping[int, str]) -> Table:
    """The page as a table `width` wide; `names` are the assignees' names by user id."""
    rows = [
        (
            cell(item.request.ref),
            cell(practice_date(item.request.received).isoformat()),
            cell(item.request.patient.name or "(not given)"),
            cell(nhs_number_shown(item.request.patient)),
            cell(item.request.organisation),
            cell(category_label(item.findings.classification)),
            cell(ACTION_LABELS[item.suggestion.action] if item.suggestion else "-"),
            cell(", ".join(item.flags)),
            cell(due_words(due_date(item), page.on)),
            cell(STATUS_LABELS[item.request.status]),
            cell(_assignee(item.request, names) or ""),
        )
        for item in page.items
    ]
    if any(item.request.assigned_to_id is not None for item in page.items):
        return fitted_table(QUEUE_COLUMNS, rows, width)
    # Nobody's work on this page: no empty column to take the room of one that says something.
    return fitted_table(QUEUE_COLUMNS[:-1], [row[:-1] for row in rows], width)


def counts_line(page: QueuePage) -> str:
    return status_counts(page.counts)


def queue_item_json(
    item: Assessed[Request], today: date, names: Mapping[int, str]
) -> dict[str, Any]:
    """One request as `triage queue --format json` prints it (a contract: docs/cli-output.md)."""
    record = request_json(item.request)
    due = due_date(item)
    record["due"] = {
        "on": due.isoformat() if due else None,
        "state": due_state(due, today).name.lower(),
    }
    record["assigned_to"] = _assignee(item.request, names)
    classification = item.findings.classification
    record["classified_as"] = {
        "category": classification.category.value if classification.category else None,
        "categories": [category.value for category in classification.categories],
        "confidence": classification.confidence,
        "evidence": [evidence.describe() for evidence in classification.evidence],
        "red_flags": red_flags_json(item.findings),
    }
    record["suggestion"] = _suggestion_fields(item.suggestion) if item.suggestion else None
    return record


def _assignee(request: Request, names: Mapping[int, str]) -> str | None:
    if request.assigned_to_id is None:
        return None
    return names.get(request.assigned_to_id, f"user {request.assigned_to_id}")


def _repeat_of_json(request: Request) -> dict[str, str] | None:
    earlier = request.repeat_of
    if earlier is None:
        return None
    return {
        "ref": earlier.ref,
        "action": earlier.action.value,
        "decided_at": earlier.decided_at.isoformat(),
        "our_ref": earlier.our_ref,
    }


def request_json(request: Request) -> dict[str, Any]:
    """The request as received and stored."""
    patient = request.patient
    return {
        "id": request.id,
        "ref": request.ref,
        "sender": request.sender,
        "status": request.status.value,
        "received": request.received.isoformat(),
        "nhs_number": patient.nhs_number,
        "nhs_number_valid": patient.nhs_number_valid,
        "patient_name": patient.name,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "requester": request.requester,
        "organisation": request.organisation,
        "provider_type": request.provider_type.value,
        "request_type": request.request_type.value if request.request_type else None,
        "medications": list(request.medications),
        "diagnosis": request.diagnosis,
        "codes": list(request.codes),
        "category": request.category.value if request.category else None,
        "urgency": request.urgency.value,
        "supply_ends": request.supply_ends.isoformat() if request.supply_ends else None,
        "procedure_date": request.procedure_date.isoformat() if request.procedure_date else None,
        "reply_to": request.reply_to,
        "text": request.text,
        "flags": [flag.value for flag in request.flags],
        "repeat_of": _repeat_of_json(request),
        "source": _source_json(request),
        "imported_at": request.imported_at.isoformat(),
    }


def _source_json(request: IncomingRequest) -> dict[str, Any]:
    """Where the request was read: the file, its format, and the line, entry, attachment or
    letter in it."""
    return {
        "file": request.source.file,
        "format": request.source.format.value,
        "location": request.source.location,
    }


# ensure_ascii: control and bidi characters from a file arrive escaped, never raw. A record is a
# tree built afresh for each line, so the check for cycles (a third of the encoding) is left out.
_ENCODE = json.JSONEncoder(ensure_ascii=True, check_circular=False).encode


def json_line(record: dict[str, Any]) -> str:
    return _ENCODE(record)


def suggestion_json(assessed: Assessed[IncomingRequest]) -> dict[str, Any]:
    """What `triage policy simulate --format json` prints per request (docs/cli-output.md)."""
    category = assessed.findings.classification.category
    return {
        "ref": assessed.request.ref,
        "category": category.value if category else None,
        **_suggestion_fields(assessed.suggested),
        "red_flags": red_flags_json(assessed.findings),
        "source": _source_json(assessed.request),
    }


def red_flags_json(findings: Findings) -> list[str]:
    """Each red flag as "the words (what they crossed, and whose guidance)"."""
    return [f"{flag.found} ({flag.why})" for flag in findings.red_flags]


def _suggestion_fields(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "action": suggestion.action.value,
        "rule": suggestion.rule,
        "flags": [flag.value for flag in suggestion.flags],
        "reasons": [reason.value for reason in suggestion.reasons],
        "redirect_to": suggestion.redirect_to,
        "explanation": suggestion.explanation,
    }
