"""One FHIR request (an R4 ServiceRequest or an STU3 ReferralRequest), with the resources it
refers to, read into a RawRecord with the same keys as a CSV row: the patient, the requester and
their organisation, medicines, codes and text. A detail that cannot be found does not refuse the
request: it is imported as needs_details, naming what a person must complete."""

from __future__ import annotations

from datetime import date
from typing import Any

from triage.errors import Problem
from triage.intake import fhir_request as read
from triage.intake.fhir_index import Entry, ResourceIndex
from triage.intake.fhir_people import patient, sender
from triage.intake.records import RawRecord

DMD_SYSTEM = "https://dmd.nhs.uk"
NOT_IN_THE_REQUEST = "(not in the request)"


def record_from(
    entry: Entry,
    medications: list[Any],
    index: ResourceIndex,
    name: str,
    *,
    today: date,
    message_sender: Any = None,
) -> RawRecord:
    request = entry.resource
    warnings: list[Problem] = []

    def warn(field_name: str, message: str) -> None:
        warnings.append(Problem(name, entry.place, field_name, message))

    ref, sender_system = read.identity(entry, warn)
    who = patient(request, index)
    by = sender(request, index, message_sender)
    codes = read.snomed_codes([*read.asked_for(request), *(request.reasonCode or [])])
    medication_names: list[str] = []
    for medication in medications:
        concept = medication.medicationCodeableConcept
        if concept is None and medication.medicationReference is not None:
            resolved = index.resolve(medication.medicationReference, medication)
            concept = resolved.code if resolved is not None else None
        if concept is None:
            continue
        codes.extend(read.snomed_codes([concept], systems=(read.SNOMED_SYSTEM, DMD_SYSTEM)))
        medication_names.extend(read.concept_texts([concept]))
    attachments = read.attachments_not_in_the_file(request)
    if attachments:
        count = f"{len(attachments)} attached documents are"
        if len(attachments) == 1:
            count = "1 attached document is"
        warn(
            "supportingInfo",
            f"{count} not in this file (the referral letter may be among them): read them in "
            "the service the request came from",
        )
    values: dict[str, object] = {
        "ref": ref,
        "received": read.received(entry, today, warn),
        **who.values,
        "requester": NOT_IN_THE_REQUEST,
        "organisation": NOT_IN_THE_REQUEST,
        **by.values,
        "medications": medication_names or None,
        "diagnosis": "; ".join(read.concept_texts(request.reasonCode or [])) or None,
        "codes": list(dict.fromkeys(codes)) or None,
        "urgency": "urgent" if read.is_urgent(request) else "routine",
        "text": "\n\n".join(read.words(request)) or None,
    }
    return RawRecord(
        entry.place,
        {key: value for key, value in values.items() if value is not None},
        sender=sender_system,
        patient_details_required=False,
        warnings=warnings,
        details_needed=[*who.needed, *by.needed],
    )
