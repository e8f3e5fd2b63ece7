"""Who a FHIR request is about and who sent it, followed through the references the file holds.
What cannot be found, or found but not trusted (an NHS number that fails its check, two that
disagree), is named as a detail a person must complete: the request waits in needs_details rather
than being refused or decided on a guess (hazard H21)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triage.intake.fhir_index import ResourceIndex
from triage.intake.fhir_request import requester_references
from triage.models import nhs_number_problem, normalise_nhs_number

# The NHS number's identifier system; STU3 resources (the e-Referral Service's) use the old one.
NHS_NUMBER_SYSTEMS = ("https://fhir.nhs.uk/Id/nhs-number", "http://fhir.nhs.net/Id/nhs-number")


@dataclass
class People:
    values: dict[str, object] = field(default_factory=dict)  # the RawRecord keys found
    needed: list[str] = field(default_factory=list)  # "field: why", for details_needed


def patient(request: Any, index: ResourceIndex) -> People:
    """The NHS number, name and date of birth, from the subject's identifier and the Patient it
    refers to (a bundle entry or contained)."""
    found = People()
    subject = request.subject
    resource = index.resolve(subject, request)
    because = None  # why none of the patient's details can be found
    if resource is not None and resource.get_resource_type() != "Patient":
        because = f"the subject is a {resource.get_resource_type()}, not a Patient"
        resource = None
    elif resource is None and subject.reference:
        because = f"{subject.reference} is not in the file"

    def missing(label: str) -> str:
        return f"not given ({because})" if because else f"the request does not give the {label}"

    numbers = [_nhs_number(subject.identifier)] if subject.identifier else []
    name, born = subject.display, None
    if resource is not None:
        numbers.extend(_nhs_number(identifier) for identifier in resource.identifier or [])
        name = _human_name(resource.name) or name
        born = resource.birthDate.isoformat() if resource.birthDate else None
    distinct = list(dict.fromkeys(number for number in numbers if number))
    if len(distinct) > 1:  # never chosen between
        found.needed.append(f"nhs_number: the request gives {' and '.join(distinct)}")
    elif distinct:
        found.values["nhs_number"] = distinct[0]
        problem = nhs_number_problem(distinct[0])
        if problem:
            found.needed.append(f"nhs_number: {distinct[0]!r} {problem}")
    else:
        found.needed.append("nhs_number: " + missing("NHS number"))
    labelled = (("patient_name", name, "patient's name"), ("date_of_birth", born, "date of birth"))
    for key, value, label in labelled:
        if value:
            found.values[key] = value
        else:
            found.needed.append(f"{key}: " + missing(label))
    return found


def sender(request: Any, index: ResourceIndex, message_sender: Any = None) -> People:
    """The clinician who asked and their organisation: from the requester (a Practitioner, a
    PractitionerRole, an Organization, or only its display) and, in STU3, requester.onBehalfOf;
    the organisation failing those from a PractitionerRole of the same practitioner, then the
    sender of the message the request came in (BaRS's MessageHeader.sender)."""
    found = People()
    reference, on_behalf_of = requester_references(request)
    if reference is None:
        found.needed += [
            "requester: the request names no requester",
            "organisation: the request names no organisation",
        ]
        return found
    resource = index.resolve(reference, request)
    person = organisation = None
    kind = resource.get_resource_type() if resource is not None else None
    if kind == "PractitionerRole":
        person, organisation = _role(resource, request, index)
    elif kind == "Practitioner":
        person = _human_name(resource.name)
        for role in index.roles_of(index.keys_of(resource) | {reference.reference}):
            organisation = _role(role, request, index)[1]
            if organisation:
                break
    elif kind == "Organization":
        organisation = resource.name
    organisation = _organisation(on_behalf_of, request, index) or organisation
    described = reference.display or person or organisation
    if described is None:
        where = reference.reference or "the requester"
        why = (
            "is not in the file" if resource is None else f"names no one (a {kind} without a name)"
        )
        found.needed.append(f"requester: {where} {why}")
    else:
        found.values["requester"] = described
    # A display alone is free text, and often names the service too ("Dr A, Rheumatology").
    organisation = (
        organisation
        or _organisation(message_sender, request, index)
        or (reference.display if resource is None else None)
    )
    if organisation:
        found.values["organisation"] = organisation
    else:
        found.needed.append(
            "organisation: the request names no organisation"
            + (f" for {described}" if described else "")
        )
    return found


def _role(role: Any, request: Any, index: ResourceIndex) -> tuple[str | None, str | None]:
    practitioner = index.resolve(role.practitioner, role, request) if role.practitioner else None
    person = _human_name(practitioner.name) if practitioner is not None else None
    person = person or (role.practitioner.display if role.practitioner else None)
    return person, _organisation(role.organization, request, index, role)


def _organisation(reference: Any, request: Any, index: ResourceIndex, *owners: Any) -> str | None:
    if reference is None:
        return None
    resource = index.resolve(reference, *owners, request)
    if resource is not None and resource.get_resource_type() == "Organization" and resource.name:
        return str(resource.name)
    return str(reference.display) if reference.display else None


def _nhs_number(identifier: Any) -> str | None:
    if identifier.system in NHS_NUMBER_SYSTEMS and identifier.value:
        return normalise_nhs_number(str(identifier.value))
    return None


def _human_name(names: list[Any] | None) -> str | None:
    if not names:
        return None
    chosen = next((n for n in names if n.use == "official"), names[0])
    if chosen.text:
        return str(chosen.text)
    parts = [*(chosen.prefix or []), *(chosen.given or []), chosen.family]
    return " ".join(part for part in parts if part) or None
