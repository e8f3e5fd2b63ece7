"""One FHIR ServiceRequest, with the resources it refers to, read into a RawRecord with the same
keys as a CSV row: the patient, the requester and their organisation, medicines, codes and text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from triage.errors import Place, Problem
from triage.intake.records import RawRecord

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED_SYSTEM = "http://snomed.info/sct"
DMD_SYSTEM = "https://dmd.nhs.uk"

# Refs taken from a resource's id (no identifier) share this sender.
RESOURCE_ID_SENDER = "FHIR resource id"

_URGENT_PRIORITIES = {"urgent", "asap", "stat"}
NOT_IN_THE_REQUEST = "(not in the request)"


@dataclass(frozen=True)
class Entry:
    place: Place
    full_url: str | None
    resource: Any  # a fhir.resources model
    bundle_time: str | None = None  # the bundle's timestamp (or lastUpdated), ISO 8601


class ResourceIndex:
    """Resolves references within the file: by fullUrl, "Type/id", or "#id" (contained)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
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


def record_from(entry: Entry, medications: list[Any], index: ResourceIndex, name: str) -> RawRecord:
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

    received = _received(entry, warn)
    details_needed = []
    if requester is None:
        requester = organisation = NOT_IN_THE_REQUEST
        details_needed += [
            "requester: the request names no requester",
            "organisation: the request names no organisation",
        ]
    values: dict[str, object] = {
        "ref": ref,
        "received": received,
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
        details_needed=details_needed,
    )


def _received(entry: Entry, warn: Any) -> str | None:
    """When the request was made (authoredOn); failing that, when the service last changed it or
    sent the bundle, as the e-Referral Service's search results give only those."""
    request = entry.resource
    if request.authoredOn:
        return str(request.authoredOn.isoformat())
    last_updated = request.meta.lastUpdated if request.meta else None
    fallback = last_updated.isoformat() if last_updated else entry.bundle_time
    if fallback:
        warn(
            "authoredOn", f"missing; {fallback} (when it was last updated or sent) is taken instead"
        )
    return fallback


def _ref_and_sender(request: Any) -> tuple[str | None, str]:
    for identifier in request.identifier or []:
        if identifier.value:
            return identifier.value, identifier.system or RESOURCE_ID_SENDER
    return request.id, RESOURCE_ID_SENDER


def _patient(request: Any, index: ResourceIndex, warn: Any) -> dict[str, object]:
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


def _requester(request: Any, index: ResourceIndex, warn: Any) -> tuple[str | None, str | None]:
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
