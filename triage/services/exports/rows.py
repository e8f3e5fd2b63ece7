"""One decision as an export row: the same fields, in the same order, in every format."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import Transaction
from triage.clock import practice_date, practice_midnight
from triage.models import DecisionFilter, DecisionTally, ExportedDecision

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


def chosen_rows(tx: Transaction, chosen: DecisionFilter) -> Iterator[ExportedDecision]:
    """The chosen decisions as stored, oldest first, with their letters, with the practice's
    calendar for dates."""
    return tx.exports.rows(chosen, *_bounds(chosen))


def count_chosen(tx: Transaction, chosen: DecisionFilter) -> int:
    return tx.exports.count(chosen, *_bounds(chosen))


def tally_chosen(
    tx: Transaction, chosen: DecisionFilter, period_starts: Sequence[datetime]
) -> list[DecisionTally]:
    """The chosen decisions counted by period (split at `period_starts`), category, action,
    provider type and reasons."""
    return tx.exports.tallies(chosen, *_bounds(chosen), period_starts)


def _bounds(chosen: DecisionFilter) -> tuple[datetime | None, datetime | None]:
    """The chosen days as instants: from the first day's midnight to the day after the last."""
    start = practice_midnight(chosen.start) if chosen.start else None
    end = practice_midnight(chosen.end + timedelta(days=1)) if chosen.end else None
    return start, end


def fields(row: ExportedDecision, anchor: Anchor) -> dict[str, object]:
    """The row's exported fields (letters apart), as plain values."""
    return {
        "our_ref": row.our_ref,
        "decided_at": row.decided_at.isoformat(),
        "decided_by": row.decided_by,
        "role": row.role.value,
        "kind": row.kind.value,
        "action": row.action.value,
        "suggested_action": row.suggested_action.value,
        "rule": row.rule_id,
        "category": row.category,
        "reasons": ";".join(row.reasons),
        "redirect_to": row.redirect_to,
        "note": row.note,
        "policy_id": row.policy_id,
        "policy_version": row.policy_version,
        "policy_sha256": row.policy_sha256,
        "template_id": row.template_id,
        "template_version": row.template_version,
        "letters_edited": "yes" if row.letters_edited else "no",
        "supersedes_decision": row.supersedes_id,
        "request_ref": row.request_ref,
        "sender": row.sender,
        "received": practice_date(row.received).isoformat(),
        "nhs_number": row.nhs_number,
        "patient_name": row.patient_name,
        "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
        "requester": row.requester,
        "organisation": row.organisation,
        "provider_type": row.provider_type.value,
        "request_type": row.request_type.value if row.request_type else None,
        "log_head_count": anchor.count,
        "log_head_sha256": anchor.hash,
    }
