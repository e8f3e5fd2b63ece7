"""Rows to the vocabulary of triage.models and back, shared by the query areas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row
from sqlalchemy.orm import aliased

from db.tables import DecisionRow, LogEntryRow, PolicyVersionRow, RequestRow, UserRow, table_of
from triage.models import (
    Decision,
    DecisionFilter,
    Flag,
    IncomingRequest,
    LetterKind,
    LogEntry,
    Patient,
    Reason,
    Request,
    Source,
    Status,
    StoredPolicy,
    User,
    member_by_value,
    read_as,
)

# Keep IN (...) lists well under every database's parameter limit.
IN_LIST_CHUNK = 400

# A decision superseding another: `~exists().where(SUPERSEDING.supersedes_id == DecisionRow.id)`
# keeps the decision in force. Made once: an alias made for each query has its columns adapted
# afresh each time (a fifth of `triage apply`'s time, issue 18).
SUPERSEDING = aliased(DecisionRow, name="superseding")


_reason = member_by_value(Reason)
_flag = member_by_value(Flag)
letter_kind = member_by_value(LetterKind)


def chosen_conditions(
    chosen: DecisionFilter, decided_from: datetime | None, decided_before: datetime | None
) -> list[ColumnElement[bool]]:
    """The conditions on decisions (joined to who decided) that a DecisionFilter stands for."""
    conditions: list[ColumnElement[bool]] = []
    if decided_from is not None:
        conditions.append(DecisionRow.decided_at >= decided_from)
    if decided_before is not None:
        conditions.append(DecisionRow.decided_at < decided_before)
    if chosen.category is not None:
        conditions.append(DecisionRow.category == chosen.category)
    if chosen.action is not None:
        conditions.append(DecisionRow.action == chosen.action)
    if chosen.user is not None:
        conditions.append(UserRow.name == chosen.user)
    return conditions


def log_entry_from(row: LogEntryRow | Row[*tuple[Any, ...]]) -> LogEntry:
    return LogEntry(
        seq=row.seq,
        at=row.at,
        event=row.event,
        actor=row.actor,
        request_id=row.request_id,
        decision_id=row.decision_id,
        body=row.body,
        prev_hash=row.prev_hash,
        hash=row.hash,
        db_actor=row.db_actor,
        db_at=row.db_at,
    )


def decision_from(
    row: DecisionRow | Row[*tuple[Any, ...]], decided_by: str, letters: dict[LetterKind, str]
) -> Decision:
    return Decision(
        id=row.id,
        request_id=row.request_id,
        our_ref=row.our_ref,
        kind=row.kind,
        action=row.action,
        suggested_action=row.suggested_action,
        rule_id=row.rule_id,
        category=read_as(row.category) if row.category else None,
        reasons=tuple(map(_reason, row.reasons)),
        flags=tuple(map(_flag, row.flags)),
        redirect_to=row.redirect_to,
        note=row.note,
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        policy_sha256=row.policy_sha256,
        decided_by=decided_by,
        role=row.role,
        decided_at=row.decided_at,
        template_id=row.template_id,
        template_version=row.template_version,
        letters_edited=row.letters_edited,
        supersedes_id=row.supersedes_id,
        letters=letters,
        confirm_by=row.confirm_by,
    )


def user_from(row: UserRow) -> User:
    return User(id=row.id, name=row.name, role=row.role, full_name=row.full_name, active=row.active)


def request_values(
    request: IncomingRequest, *, import_id: int, imported_at: datetime
) -> dict[str, object]:
    return {
        "sender": request.sender,
        "sender_key": request.sender_key,
        "ref": request.ref,
        "received": request.received,
        "nhs_number": request.patient.nhs_number,
        "nhs_number_valid": request.patient.nhs_number_valid,
        "patient_name": request.patient.name,
        "date_of_birth": request.patient.date_of_birth,
        "requester": request.requester,
        "organisation": request.organisation,
        "provider_type": request.provider_type,
        "request_type": request.request_type,
        "medications": list(request.medications),
        "diagnosis": request.diagnosis,
        "codes": list(request.codes),
        "declared_category": request.category,
        "urgency": request.urgency,
        "supply_ends": request.supply_ends,
        "due_on": request.supply_ends,  # until the letter's words are read (RequestRow.due_on)
        "due_read": False,
        "procedure_date": request.procedure_date,
        "reply_to": request.reply_to,
        "text": request.text,
        "flags": [flag.value for flag in request.flags],
        "source_file": request.source.file,
        "source_format": request.source.format,
        "source_location": request.source.location,
        "original_sha256": request.source.original_sha256,
        "import_id": import_id,
        "content_sha256": request.content_sha256,
        "details_needed": list(request.details_needed),
        "read_from": list(request.read_from),
        "status": Status.NEEDS_DETAILS if request.details_needed else Status.OPEN,
        "imported_at": imported_at,
        "version": 1,
    }


# What a Request is made of, in the order request_from takes it: read as plain rows (a mapped
# object per row cost more than the rest of reading it, issue 18).
REQUEST_COLUMNS = tuple(
    table_of(RequestRow).c[name]
    for name in (
        "id", "status", "imported_at", "assigned_to_id", "ref", "sender", "received",
        "nhs_number", "nhs_number_valid", "patient_name", "date_of_birth", "requester",
        "organisation", "provider_type", "request_type", "medications", "diagnosis", "codes",
        "declared_category", "urgency", "supply_ends", "procedure_date", "reply_to", "text",
        "flags", "details_needed", "read_from", "source_file", "source_format",
        "source_location", "original_sha256",
    )
)  # fmt: skip


def request_from(row: RequestRow | Row[*tuple[Any, ...]]) -> Request:
    """A request from its mapped row, or from a plain row of REQUEST_COLUMNS."""
    if isinstance(row, RequestRow):
        values = tuple(getattr(row, column.key) for column in REQUEST_COLUMNS)
    else:
        values = tuple(row)
    (
        request_id, status, imported_at, assigned_to_id, ref, sender, received,
        nhs_number, nhs_number_valid, patient_name, date_of_birth, requester,
        organisation, provider_type, request_type, medications, diagnosis, codes,
        declared_category, urgency, supply_ends, procedure_date, reply_to, text,
        flags, details_needed, read_from, source_file, source_format,
        source_location, original_sha256,
    ) = values  # fmt: skip
    # Validated as ever (pydantic's checks are quicker than its model_construct), which makes
    # the lists tuples and the flags Flags.
    return Request(
        id=request_id,
        status=status,
        imported_at=imported_at,
        assigned_to_id=assigned_to_id,
        ref=ref,
        sender=sender,
        received=received,
        patient=Patient(
            nhs_number=nhs_number,
            nhs_number_valid=nhs_number_valid,
            name=patient_name,
            date_of_birth=date_of_birth,
        ),
        requester=requester,
        organisation=organisation,
        provider_type=provider_type,
        request_type=request_type,
        medications=medications,
        diagnosis=diagnosis,
        codes=codes,
        category=declared_category,
        urgency=urgency,
        supply_ends=supply_ends,
        procedure_date=procedure_date,
        reply_to=reply_to,
        text=text,
        flags=flags,
        details_needed=details_needed,
        read_from=read_from,
        source=Source(
            file=source_file,
            format=source_format,
            location=source_location,
            original_sha256=original_sha256,
        ),
    )


def stored_policy_from(row: PolicyVersionRow, added_by: str) -> StoredPolicy:
    return StoredPolicy(
        row_id=row.id,
        policy_id=row.policy_id,
        version=row.version,
        title=row.title,
        content_sha256=row.content_sha256,
        file_name=row.file_name,
        text=row.text,
        added_by=added_by,
        added_at=row.added_at,
    )
