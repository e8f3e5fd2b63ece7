"""FHIR R4 intake (docs/import-formats.md, FHIR): ServiceRequests, with the Patient, Practitioner,
Organization and MedicationRequest resources beside them, become RawRecords with the same keys as
a CSV row.

fhir.resources' R4B package reads these R4 resources (its default package is R5, which rejects
them). Each bundle entry is validated on its own, so one bad entry names itself instead of failing
the whole bundle. What cannot be used is reported, never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from triage.errors import FileRejected, Place, Problem
from triage.intake.fhir_record import Entry, ResourceIndex, record_from
from triage.intake.json_reader import json_problem
from triage.intake.records import RawRecord

FHIR_NAMESPACE = "http://hl7.org/fhir"
_NOT_LIVE_STATUSES = {"revoked", "completed", "entered-in-error"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

# Resources read for what they say about a ServiceRequest rather than imported themselves.
_CONTEXT_TYPES = (
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Medication",
    "MedicationRequest",
)


@dataclass
class FhirRead:
    records: list[RawRecord]
    notes: list[Problem] = field(default_factory=list)  # what was skipped, and why


def read_fhir_json(text: str, name: str) -> FhirRead:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise FileRejected(json_problem(name, error)) from None
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise FileRejected(Problem(name, None, None, "is not a FHIR resource (no resourceType)"))
    entries, problems = _entries_from_json(document, name)
    return _read_entries(entries, problems, name)


def read_fhir_xml(data: bytes, name: str) -> FhirRead:
    from lxml import etree

    if _DOCTYPE.search(data):
        raise FileRejected(
            Problem(
                name, None, None, "XML with a DOCTYPE or ENTITY is refused (FHIR never uses one)"
            )
        )
    # No entities, no network, no DTD: the parser cannot be made to read anything but this file.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        raise FileRejected(
            Problem(name, Place(line=line), None, f"is not well-formed XML ({error.msg})")
        ) from None
    qualified = etree.QName(root)
    if qualified.namespace != FHIR_NAMESPACE:
        raise FileRejected(
            Problem(
                name, None, None, f"is XML but not FHIR (its root element is {qualified.localname})"
            )
        )
    model = _model_class(qualified.localname, name, None)
    try:
        resource = model.model_validate_xml(data, xmlparser=parser)
    except (ValidationError, ValueError, TypeError) as error:
        raise FileRejected(*_validation_problems(error, name, None)) from None
    if qualified.localname == "Bundle":
        entries = [
            Entry(_entry_place(index, entry.resource), entry.fullUrl, entry.resource)
            for index, entry in enumerate(resource.entry or [], start=1)
            if entry.resource is not None
        ]
    else:
        entries = [Entry(_entry_place(None, resource), None, resource)]
    return _read_entries(entries, [], name)


def _entries_from_json(document: dict[str, Any], name: str) -> tuple[list[Entry], list[Problem]]:
    if document["resourceType"] != "Bundle":
        resource = _validated(document, name, Place(entry=_label(document)))
        return [Entry(Place(entry=_label(document)), None, resource)], []
    raw_entries = document.get("entry") or []
    meta = document.get("meta")
    bundle_time = document.get("timestamp") or (
        meta.get("lastUpdated") if isinstance(meta, dict) else None
    )
    bundle_time = bundle_time if isinstance(bundle_time, str) else None
    if not isinstance(raw_entries, list):
        raise FileRejected(Problem(name, None, "entry", "must be a list"))
    entries: list[Entry] = []
    problems: list[Problem] = []
    for index, raw in enumerate(raw_entries, start=1):
        raw_resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(raw_resource, dict):
            problems.append(Problem(name, Place(entry=f"entry {index}"), "resource", "missing"))
            continue
        place = Place(entry=f"entry {index} ({_label(raw_resource)})")
        try:
            resource = _validated(raw_resource, name, place)
        except FileRejected as rejected:
            problems.extend(rejected.problems)
            continue
        entries.append(Entry(place, raw.get("fullUrl"), resource, bundle_time))
    return entries, problems


def _validated(raw: dict[str, Any], name: str, place: Place) -> Any:
    model = _model_class(str(raw.get("resourceType")), name, place)
    try:
        return model.model_validate(raw)
    except (ValidationError, ValueError, TypeError) as error:
        raise FileRejected(*_validation_problems(error, name, place)) from None


def _model_class(resource_type: str, name: str, place: Place | None) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        raise FileRejected(
            Problem(
                name, place, "resourceType", f"{resource_type!r} is not a FHIR R4 resource type"
            )
        ) from None


def _validation_problems(error: Exception, name: str, place: Place | None) -> list[Problem]:
    if not isinstance(error, ValidationError):
        return [Problem(name, place, None, f"is not valid FHIR ({error})")]
    problems = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or None
        if detail["type"] == "missing":
            message = (
                "missing: a request must name its patient" if where == "subject" else "missing"
            )
        elif detail["type"] == "extra_forbidden":
            message = "is not a FHIR element here"
        else:
            message = detail["msg"].removeprefix("Value error, ")
        problems.append(Problem(name, place, where, message))
    return problems


def _label(raw: dict[str, Any]) -> str:
    return " ".join(str(part) for part in (raw.get("resourceType"), raw.get("id")) if part)


def _entry_place(index: int | None, resource: Any) -> Place:
    label = " ".join(part for part in (resource.get_resource_type(), resource.id) if part)
    return Place(entry=f"entry {index} ({label})" if index is not None else label)


def _read_entries(entries: list[Entry], problems: list[Problem], name: str) -> FhirRead:
    index = ResourceIndex(entries)
    service_requests = [
        entry for entry in entries if entry.resource.get_resource_type() == "ServiceRequest"
    ]
    medication_requests = [
        e.resource for e in entries if e.resource.get_resource_type() == "MedicationRequest"
    ]
    records: list[RawRecord] = []
    notes: list[Problem] = []
    used: set[int] = set()
    for entry in service_requests:
        status = entry.resource.status
        if status in _NOT_LIVE_STATUSES:
            notes.append(
                Problem(name, entry.place, "status", f"is {status!r}: not a live request, skipped")
            )
            continue
        medications = _medications_for(
            entry, medication_requests, single=len(service_requests) == 1
        )
        used.update(id(medication) for medication in medications)
        records.append(record_from(entry, medications, index, name))
    # Entries that failed validation still belong to the import: as rejected records.
    records.extend(
        RawRecord(problem.place or Place(), {}, problems=[problem]) for problem in problems
    )
    unused = Counter(
        entry.resource.get_resource_type()
        for entry in entries
        if entry.resource.get_resource_type() not in ("ServiceRequest", *_CONTEXT_TYPES)
        or (
            entry.resource.get_resource_type() == "MedicationRequest"
            and id(entry.resource) not in used
        )
    )
    for resource_type, count in sorted(unused.items()):
        why = (
            "not linked to a ServiceRequest"
            if resource_type == "MedicationRequest"
            else "only ServiceRequests are imported"
        )
        notes.append(Problem(name, None, None, f"skipped {count} {resource_type} ({why})"))
    if not entries and not problems:
        notes.append(Problem(name, None, None, "holds no resources: nothing to import"))
    return FhirRead(records, notes)


def _medications_for(entry: Entry, medication_requests: list[Any], *, single: bool) -> list[Any]:
    """MedicationRequests based on this ServiceRequest; when the file holds only one
    ServiceRequest, unlinked MedicationRequests are taken to belong to it."""
    keys = {f"ServiceRequest/{entry.resource.id}", entry.full_url}
    linked = []
    for medication in medication_requests:
        based_on = {reference.reference for reference in medication.basedOn or []}
        if based_on & keys or (single and not based_on):
            linked.append(medication)
    return linked
