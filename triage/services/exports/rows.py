"""One decision as an export row: the same fields, in the same order, in every format."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from db import Repository
from triage.clock import practice_date, practice_midnight
from triage.models import DecisionFilter

# Letter texts come last: the XLSX decisions sheet leaves them for the letters sheet.
FIELDS = (
    "our_ref", "decided_at", "decided_by", "role", "kind", "action", "suggested_action", "rule",
    "category", "reasons", "redirect_to", "note", "policy_id", "policy_version", "policy_sha256",
    "template_id", "template_version", "letters_edited", "supersedes_decision", "request_ref",
    "sender", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
    "organisation", "provider_type", "request_type", "log_head_count", "log_head_sha256",
)  # fmt: skip
LETTER_FIELDS = (
    ("specialist", "letter_to_specialist"),
    ("patient", "letter_to_patient"),
    ("sms", "text_message"),
)


@dataclass(frozen=True)
class Anchor:
    """The decision log's head when the export was taken: (count, hash)."""

    count: int
    hash: str


def chosen_rows(repository: Repository, chosen: DecisionFilter) -> Iterator[Mapping[str, object]]:
    """The chosen decisions as stored, oldest first, with the practice's calendar for dates."""
    return repository.export_rows(chosen, *_bounds(chosen))


def count_chosen(repository: Repository, chosen: DecisionFilter) -> int:
    return repository.count_chosen(chosen, *_bounds(chosen))


def _bounds(chosen: DecisionFilter) -> tuple[datetime | None, datetime | None]:
    """The chosen days as instants: from the first day's midnight to the day after the last."""
    start = practice_midnight(chosen.start) if chosen.start else None
    end = practice_midnight(chosen.end + timedelta(days=1)) if chosen.end else None
    return start, end


def fields(row: Mapping[str, object], anchor: Anchor) -> dict[str, object]:
    """The row's exported fields (letters apart), as plain values."""
    decided_at = row["decided_at"]
    received = row["received"]
    born = row["date_of_birth"]
    assert isinstance(decided_at, datetime) and isinstance(received, datetime)
    reasons = row["reasons"]
    assert isinstance(reasons, list)
    return {
        "our_ref": row["our_ref"],
        "decided_at": decided_at.isoformat(),
        "decided_by": row["decided_by"],
        "role": _value(row["role"]),
        "kind": _value(row["kind"]),
        "action": _value(row["action"]),
        "suggested_action": _value(row["suggested_action"]),
        "rule": row["rule_id"],
        "category": row["category"],
        "reasons": ";".join(str(reason) for reason in reasons),
        "redirect_to": row["redirect_to"],
        "note": row["note"],
        "policy_id": row["policy_id"],
        "policy_version": row["policy_version"],
        "policy_sha256": row["policy_sha256"],
        "template_id": row["template_id"],
        "template_version": row["template_version"],
        "letters_edited": "yes" if row["letters_edited"] else "no",
        "supersedes_decision": row["supersedes_id"],
        "request_ref": row["request_ref"],
        "sender": row["sender"],
        "received": practice_date(received).isoformat(),
        "nhs_number": row["nhs_number"],
        "patient_name": row["patient_name"],
        "date_of_birth": born.isoformat() if isinstance(born, date) else None,
        "requester": row["requester"],
        "organisation": row["organisation"],
        "provider_type": _value(row["provider_type"]),
        "request_type": _value(row["request_type"]),
        "log_head_count": anchor.count,
        "log_head_sha256": anchor.hash,
    }


def letters(row: Mapping[str, object]) -> dict[str, str]:
    """The row's letters by kind (specialist, patient, sms)."""
    found = row["letters"]
    assert isinstance(found, dict)
    return found


def _value(value: object) -> object:
    return getattr(value, "value", value)
