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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from triage.intake.json_reader import json_problem
from triage.intake.problems import FileRejected, Place, Problem
from triage.intake.records import RawRecord

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED_SYSTEM = "http://snomed.info/sct"
DMD_SYSTEM = "https://dmd.nhs.uk"
FHIR_NAMESPACE = "http://hl7.org/fhir"
# Refs taken from a resource's id (no identifier) share this sender.
RESOURCE_ID_SENDER = "FHIR resource id"

_URGENT_PRIORITIES = {"urgent", "asap", "stat"}
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


@dataclass(frozen=True)
class _Entry:
    place: Place
    full_url: str | None
    resource: Any  # a fhir.resources model


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
            _Entry(_entry_place(index, entry.resource), entry.fullUrl, entry.resource)
            for index, entry in enumerate(resource.entry or [], start=1)
            if entry.resource is not None
        ]
    else:
        entries = [_Entry(_entry_place(None, resource), None, resource)]
    return _read_entries(entries, [], name)


def _entries_from_json(document: dict[str, Any], name: str) -> tuple[list[_Entry], list[Problem]]:
    if document["resourceType"] != "Bundle":
        resource = _validated(document, name, Place(entry=_label(document)))
        return [_Entry(Place(entry=_label(document)), None, resource)], []
    raw_entries = document.get("entry") or []
    if not isinstance(raw_entries, list):
        raise FileRejected(Problem(name, None, "entry", "must be a list"))
    entries: list[_Entry] = []
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
        entries.append(_Entry(place, raw.get("fullUrl"), resource))
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


class _Index:
    """Resolves references within the file: by fullUrl, "Type/id", or "#id" (contained)."""

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self._by_key: dict[str, Any] = {}
        for entry in entries:
            if entry.full_url:
                self._by_key[entry.full_url] = entry.resource
            if entry.resource.id:
                self._by_key[f"{entry.resource.get_resource_type()}/{entry.resource.id}"] = (
                    entry.resource
                )

    def resolve(self, reference: Any, owner: Any) -> Any:
        target = getattr(reference, "reference", None)
        if not target:
            return None
        if target.startswith("#"):
            for contained in getattr(owner, "contained", None) or []:
                if contained.id == target[1:]:
                    return contained
            return None
        return self._by_key.get(target)


def _read_entries(entries: list[_Entry], problems: list[Problem], name: str) -> FhirRead:
    index = _Index(entries)
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
        records.append(_record(entry, medications, index, name))
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


def _medications_for(entry: _Entry, medication_requests: list[Any], *, single: bool) -> list[Any]:
    """MedicationRequests based on this ServiceRequest; when the file holds only one
    ServiceRequest, unlinked MedicationRequests are taken to belong to it."""
    keys = {f"ServiceRequest/{entry.resource.id}", entry.full_url}
    linked = []
    for medication in medication_requests:
        based_on = {reference.reference for reference in medication.basedOn or []}
        if based_on & keys or (single and not based_on):
            linked.append(medication)
    return linked


def _record(entry: _Entry, medications: list[Any], index: _Index, name: str) -> RawRecord:
    request = entry.resource
    warnings: list[Problem] = []
    problems: list[Problem] = []

    def warn(field_name: str, message: str) -> None:
        warnings.append(Problem(name, entry.place, field_name, message))

    ref, sender = _ref_and_sender(request)
    if ref is None:
        problems.append(
            Problem(name, entry.place, "identifier", "missing, and the resource has no id")
        )
    elif sender == RESOURCE_ID_SENDER:
        warn("identifier", "missing; the resource id is used as the reference")

    patient = _patient(request, index, warn)
    requester, organisation = _requester(request, index, warn)
    codes = _snomed_codes([request.code, *(request.reasonCode or [])])
    medication_names: list[str] = []
    for medication in medications:
        concept = medication.medicationCodeableConcept
        if concept is None and medication.medicationReference is not None:
            resolved = index.resolve(medication.medicationReference, medication)
            concept = resolved.code if resolved is not None else None
        if concept is None:
            continue
        codes.extend(_snomed_codes([concept], systems=(SNOMED_SYSTEM, DMD_SYSTEM)))
        display = concept.text or next((c.display for c in concept.coding or [] if c.display), None)
        if display:
            medication_names.append(display)

    values: dict[str, object] = {
        "ref": ref,
        "received": request.authoredOn.isoformat() if request.authoredOn else None,
        **patient,
        "requester": requester,
        "organisation": organisation,
        "medications": medication_names or None,
        "diagnosis": "; ".join(_concept_texts(request.reasonCode or [])) or None,
        "codes": list(dict.fromkeys(codes)) or None,
        "urgency": "urgent" if request.priority in _URGENT_PRIORITIES else "routine",
        "text": "\n\n".join(
            [
                *_concept_texts([request.code] if request.code else []),
                *(n.text for n in request.note or [] if n.text),
            ]
        )
        or None,
    }
    if values["received"] is None:
        problems.append(
            Problem(name, entry.place, "authoredOn", "missing: it is the date the request was made")
        )
    return RawRecord(
        entry.place,
        {key: value for key, value in values.items() if value is not None},
        sender=sender,
        patient_details_required=False,
        problems=problems,
        warnings=warnings,
    )


def _ref_and_sender(request: Any) -> tuple[str | None, str]:
    for identifier in request.identifier or []:
        if identifier.value:
            return identifier.value, identifier.system or RESOURCE_ID_SENDER
    return request.id, RESOURCE_ID_SENDER


def _patient(request: Any, index: _Index, warn: Any) -> dict[str, object]:
    subject = request.subject
    resource = index.resolve(subject, request)
    if resource is not None and resource.get_resource_type() != "Patient":
        warn("subject", f"refers to a {resource.get_resource_type()}, not a Patient")
        resource = None
    nhs_number = _nhs_number(subject.identifier) if subject.identifier else None
    name = subject.display
    birth_date = None
    if resource is not None:
        nhs_number = nhs_number or next(
            (found for found in map(_nhs_number, resource.identifier or []) if found), None
        )
        name = _human_name(resource.name) or name
        birth_date = resource.birthDate.isoformat() if resource.birthDate else None
    unknown = " and ".join(
        label for label, value in (("name", name), ("date of birth", birth_date)) if value is None
    )
    if resource is None and subject.reference:
        warn(
            "subject",
            f"{subject.reference} is not in the file, so the patient's details are unknown",
        )
    elif unknown:
        warn(
            "subject", f"the patient's {unknown} {'are' if ' and ' in unknown else 'is'} not given"
        )
    return {"nhs_number": nhs_number, "patient_name": name, "date_of_birth": birth_date}


def _nhs_number(identifier: Any) -> str | None:
    return identifier.value if identifier.system == NHS_NUMBER_SYSTEM and identifier.value else None


def _human_name(names: list[Any] | None) -> str | None:
    if not names:
        return None
    chosen = next((n for n in names if n.use == "official"), names[0])
    if chosen.text:
        return str(chosen.text)
    parts = [*(chosen.prefix or []), *(chosen.given or []), chosen.family]
    return " ".join(part for part in parts if part) or None


def _requester(request: Any, index: _Index, warn: Any) -> tuple[str | None, str | None]:
    reference = request.requester
    if reference is None:
        return None, None
    resource = index.resolve(reference, request)
    person = organisation = None
    if resource is not None:
        if resource.get_resource_type() == "PractitionerRole":
            practitioner = (
                index.resolve(resource.practitioner, resource) if resource.practitioner else None
            )
            person = _human_name(practitioner.name) if practitioner is not None else None
            person = person or (resource.practitioner.display if resource.practitioner else None)
            org = index.resolve(resource.organization, resource) if resource.organization else None
            organisation = (
                org.name
                if org is not None
                else (resource.organization.display if resource.organization else None)
            )
        elif resource.get_resource_type() == "Practitioner":
            person = _human_name(resource.name)
        elif resource.get_resource_type() == "Organization":
            organisation = resource.name
    described = reference.display or person or organisation
    if described is None and reference.reference:
        warn(
            "requester",
            f"{reference.reference} is not in the file; its reference stands in for the name",
        )
        described = reference.reference
    return described, organisation or described


def _snomed_codes(
    concepts: Iterable[Any], systems: tuple[str, ...] = (SNOMED_SYSTEM,)
) -> list[str]:
    return [
        coding.code
        for concept in concepts
        if concept is not None
        for coding in concept.coding or []
        if coding.system in systems and coding.code
    ]


def _concept_texts(concepts: Iterable[Any]) -> Iterator[str]:
    for concept in concepts:
        text = concept.text or next((c.display for c in concept.coding or [] if c.display), None)
        if text:
            yield text
