"""The caseload: existing shared-care patients, one row per patient per medicine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from db.queries.convert import IN_LIST_CHUNK, SUPERSEDING
from db.tables import CaseloadRow, DecisionRow, RequestRow
from triage.models import Action, CaseloadEntry, User, sender_key

# What a newer search export may change about a patient already in the caseload.
_UPDATED = (
    "patient_name",
    "date_of_birth",
    "medication",
    "team",
    "category",
    "last_review",
    "next_due",
    "supply_ends",
)


@dataclass(frozen=True)
class Stored:
    added: int
    updated: int
    unchanged: int


class Caseload:
    def __init__(self, session: Session) -> None:
        self._session = session

    def store(self, entries: Sequence[CaseloadEntry], *, by: User, at: datetime) -> Stored:
        """Add new patients and update those already known (by NHS number and medicine)."""
        keyed = {(entry.nhs_number, sender_key(entry.medication)): entry for entry in entries}
        known: dict[tuple[str, str], CaseloadRow] = {}
        numbers = sorted({number for number, _ in keyed})
        for start in range(0, len(numbers), IN_LIST_CHUNK):
            chunk = numbers[start : start + IN_LIST_CHUNK]
            for found in self._session.scalars(
                select(CaseloadRow).where(CaseloadRow.nhs_number.in_(chunk))
            ):
                known[(found.nhs_number, found.medication_key)] = found
        added = updated = 0
        for key, entry in keyed.items():
            row = known.get(key)
            if row is None:
                self._session.add(
                    CaseloadRow(
                        nhs_number=entry.nhs_number,
                        medication_key=key[1],
                        source=entry.source,
                        imported_at=at,
                        imported_by_id=by.id,
                        **{name: getattr(entry, name) for name in _UPDATED},
                    )
                )
                added += 1
            elif any(getattr(row, name) != getattr(entry, name) for name in _UPDATED):
                for name in _UPDATED:
                    setattr(row, name, getattr(entry, name))
                row.source, row.imported_at, row.imported_by_id = entry.source, at, by.id
                updated += 1
        self._session.flush()
        return Stored(added, updated, len(keyed) - added - updated)

    def entries(self) -> list[CaseloadEntry]:
        """Every patient, by category, then name."""
        rows = self._session.scalars(
            select(CaseloadRow).order_by(
                CaseloadRow.category, CaseloadRow.patient_name, CaseloadRow.id
            )
        )
        return [
            CaseloadEntry(
                nhs_number=row.nhs_number,
                patient_name=row.patient_name,
                date_of_birth=row.date_of_birth,
                medication=row.medication,
                team=row.team,
                category=row.category,
                last_review=row.last_review,
                next_due=row.next_due,
                supply_ends=row.supply_ends,
                source=row.source,
            )
            for row in rows
        ]

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(CaseloadRow)) or 0

    def accepted_requests(self) -> list[CaseloadEntry]:
        """Patients the practice took on by accepting a request (the decision in force), one
        entry per medicine, as the caseload would list them."""
        rows = self._session.execute(
            select(RequestRow, DecisionRow.category, DecisionRow.our_ref)
            .join(DecisionRow, DecisionRow.request_id == RequestRow.id)
            .where(
                DecisionRow.action == Action.ACCEPT,
                RequestRow.nhs_number_valid,
                RequestRow.nhs_number.is_not(None),
                RequestRow.date_of_birth.is_not(None),
                ~exists().where(SUPERSEDING.supersedes_id == DecisionRow.id),
            )
            .order_by(RequestRow.id)
        )
        entries = []
        for request, category, our_ref in rows:
            assert request.nhs_number is not None and request.date_of_birth is not None
            for medication in request.medications or [request.diagnosis or "monitoring"]:
                entries.append(
                    CaseloadEntry(
                        nhs_number=request.nhs_number,
                        patient_name=request.patient_name or "",
                        date_of_birth=request.date_of_birth,
                        medication=medication,
                        team=request.organisation,
                        category=category or "unclassified",
                        last_review=None,
                        next_due=request.due_on,
                        supply_ends=request.supply_ends,
                        source=f"accepted request {request.ref} ({our_ref})",
                    )
                )
        return entries
