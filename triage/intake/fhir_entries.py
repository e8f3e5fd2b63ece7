"""Which resources of a FHIR file become requests, and what is said of the rest: each live
ServiceRequest (R4) or ReferralRequest (STU3) is one request; Patient, Practitioner, Organization,
medication and message-header resources supply their details; anything else is reported as
skipped. A file that holds no request at all is refused, saying what it is instead."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triage.errors import FileRejected, Place, Problem
from triage.intake.fhir_index import REQUEST_TYPES, Entry, ResourceIndex
from triage.intake.fhir_not_requests import what_it_is
from triage.intake.fhir_record import record_from
from triage.intake.records import RawRecord

# revoked (R4) and cancelled (STU3) are the same thing in the two versions.
_NOT_LIVE_STATUSES = {"revoked", "cancelled", "completed", "entered-in-error"}

# Resources read for what they say about a request rather than imported themselves.
_CONTEXT_TYPES = (
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Medication",
    "MedicationRequest",
    "MessageHeader",
)


@dataclass
class FhirRead:
    records: list[RawRecord]
    notes: list[Problem] = field(default_factory=list)  # what was skipped, and why


def read_entries(entries: list[Entry], problems: list[Problem], name: str, today: date) -> FhirRead:
    requests = [entry for entry in entries if entry.resource_type in REQUEST_TYPES]
    if entries and not requests and not problems:
        raise FileRejected(Problem(name, None, None, what_it_is(entries)))
    index = ResourceIndex(entries)
    medications_of = _Medications(index.of_type("MedicationRequest"), single=len(requests) == 1)
    headers = index.of_type("MessageHeader")
    message_sender = headers[0].sender if headers else None
    records: list[RawRecord] = []
    notes: list[Problem] = []
    used: set[int] = set()
    for entry in requests:
        status = entry.resource.status
        if status in _NOT_LIVE_STATUSES:
            notes.append(
                Problem(name, entry.place, "status", f"is {status!r}: not a live request, skipped")
            )
            continue
        medications = medications_of.of(entry)
        used.update(id(medication) for medication in medications)
        records.append(
            record_from(entry, medications, index, name, today=today, message_sender=message_sender)
        )
    # Entries that failed validation still belong to the import: as rejected records.
    records.extend(
        RawRecord(problem.place or Place(), {}, problems=[problem]) for problem in problems
    )
    unused = Counter(
        entry.resource_type
        for entry in entries
        if entry.resource_type not in (*REQUEST_TYPES, *_CONTEXT_TYPES)
        or (entry.resource_type == "MedicationRequest" and id(entry.resource) not in used)
    )
    for resource_type, count in sorted(unused.items()):
        why = (
            "not linked to a request"
            if resource_type == "MedicationRequest"
            else "only ServiceRequests are imported"
        )
        notes.append(Problem(name, None, None, f"skipped {count} {resource_type} ({why})"))
    if not entries and not problems:
        notes.append(Problem(name, None, None, "holds no resources: nothing to import"))
    return FhirRead(records, notes)


class _Medications:
    """MedicationRequests by the requests they are based on, found once for the file: a request's
    are those naming it in basedOn (or, in a file with one request, any naming none)."""

    def __init__(self, medication_requests: list[Any], *, single: bool) -> None:
        self._by_request: dict[str, list[int]] = {}
        self._unlinked: list[int] = []
        self._all = medication_requests
        for position, medication in enumerate(medication_requests):
            based_on = {reference.reference for reference in medication.basedOn or []}
            for key in based_on - {None}:
                self._by_request.setdefault(str(key), []).append(position)
            if single and not based_on:
                self._unlinked.append(position)

    def of(self, entry: Entry) -> list[Any]:
        positions = {p for key in entry.keys for p in self._by_request.get(key, [])}
        return [self._all[p] for p in sorted(positions.union(self._unlinked))]
