"""What one request says, read alike from an R4 ServiceRequest and an STU3 ReferralRequest: its
identity, when it was made, how urgent it is, and its words. Where the two versions differ, the
difference is here and nowhere else."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from triage.intake.fhir_index import Entry

SNOMED_SYSTEM = "http://snomed.info/sct"
UBRN_SYSTEM = "https://fhir.nhs.uk/Id/UBRN"

# The sender of a ref that the request does not give as an identifier.
RESOURCE_ID_SENDER = "FHIR resource id"
FULL_URL_SENDER = "FHIR fullUrl"
CONTENT_SENDER = "FHIR content"

_URGENT_PRIORITIES = {"urgent", "asap", "stat"}
# The e-Referral Service gives its priority in an extension; a two-week wait is a suspected
# cancer referral, so it counts as urgent.
_ERS_PRIORITY = "Extension-eRS-ReferralPriority-1"
_ERS_URGENT = {"URGENT", "TWO_WEEK_WAIT"}
# The e-Referral Service's STU3 ReferralRequest has the UBRN as its id (its identifier is an
# internal request id), the same UBRN its R4 ServiceRequest gives as an identifier.
_ERS_REFERRAL_PROFILE = "eRS-ReferralRequest"

Warn = Callable[[str, str], None]


def identity(entry: Entry, warn: Warn) -> tuple[str, str]:
    """The request's ref and its sender: its identifier; failing that its id, its fullUrl, or a
    hash of its content (so the same request imported again is still recognised)."""
    request = entry.resource
    if request.id and any(_ERS_REFERRAL_PROFILE in p for p in _profiles(request)):
        return request.id, UBRN_SYSTEM
    for identifier in request.identifier or []:
        if identifier.value:
            return identifier.value, identifier.system or RESOURCE_ID_SENDER
    if request.id:
        warn("identifier", "missing; the resource id is used as the reference")
        return request.id, RESOURCE_ID_SENDER
    if entry.full_url:
        warn("identifier", "missing; the entry's fullUrl is used as the reference")
        return entry.full_url, FULL_URL_SENDER
    content = json.dumps(request.model_dump(mode="json", exclude_none=True), sort_keys=True)
    ref = "fhir-" + hashlib.sha256(content.encode()).hexdigest()[:16]
    warn("identifier", f"missing, with no id or fullUrl; {ref} (from its content) is used")
    return ref, CONTENT_SENDER


def received(entry: Entry, today: date, warn: Warn) -> str:
    """When the request was made (authoredOn); failing that, when the service last changed it or
    sent the bundle (the e-Referral Service's search results give only those); failing that,
    today, the day it was imported, as for a letter."""
    request = entry.resource
    if request.authoredOn:
        return str(request.authoredOn.isoformat())
    last_updated = request.meta.lastUpdated if request.meta else None
    fallback = last_updated.isoformat() if last_updated else entry.bundle_time
    if fallback:
        warn(
            "authoredOn", f"missing; {fallback} (when it was last updated or sent) is taken instead"
        )
        return str(fallback)
    warn("authoredOn", "missing, and no other date is given; the day it was imported is taken")
    return today.isoformat()


def is_urgent(request: Any) -> bool:
    if request.priority in _URGENT_PRIORITIES:
        return True
    return any(
        coding.code in _ERS_URGENT
        for extension in request.extension or []
        if extension.url and extension.url.endswith(_ERS_PRIORITY)
        for coding in getattr(extension.valueCodeableConcept, "coding", None) or []
    )


def requester_references(request: Any) -> tuple[Any, Any]:
    """Who asked, and (STU3 only) the organisation they asked on behalf of."""
    if request.get_resource_type() == "ReferralRequest":
        requester = request.requester
        return (requester.agent, requester.onBehalfOf) if requester else (None, None)
    return request.requester, None


def asked_for(request: Any) -> list[Any]:
    """The concepts naming what is asked: R4's code; STU3's type and serviceRequested."""
    if request.get_resource_type() == "ReferralRequest":
        return [concept for concept in (request.type, *(request.serviceRequested or [])) if concept]
    return [request.code] if request.code else []


def words(request: Any) -> list[str]:
    """The request's own words, in the order a person would read them."""
    texts = list(concept_texts(asked_for(request)))
    if request.get_resource_type() == "ReferralRequest":
        if request.description:
            texts.append(request.description)
        specialty = next(concept_texts([request.specialty] if request.specialty else []), None)
        if specialty:
            texts.append(f"Specialty: {specialty}")
    texts.extend(note.text for note in request.note or [] if note.text)
    attachments = attachments_not_in_the_file(request)
    if attachments:
        texts.append("Attached by the sender, not in this file: " + "; ".join(attachments))
    return texts


def attachments_not_in_the_file(request: Any) -> list[str]:
    """The titles of documents the request points to but does not carry (the e-Referral Service
    keeps the referral letter itself, and gives only its DocumentReference)."""
    contained = {c.id: c for c in request.contained or [] if c.id}
    titles = []
    for reference in request.supportingInfo or []:
        target = reference.reference or ""
        document = contained.get(target[1:]) if target.startswith("#") else None
        if document is None or document.get_resource_type() != "DocumentReference":
            continue
        for content in document.content or []:
            attachment = content.attachment
            if attachment is not None and attachment.data is None:
                titles.append(attachment.title or document.description or "untitled")
    return titles


def snomed_codes(concepts: Iterable[Any], systems: tuple[str, ...] = (SNOMED_SYSTEM,)) -> list[str]:
    return [
        coding.code
        for concept in concepts
        if concept is not None
        for coding in concept.coding or []
        if coding.system in systems and coding.code
    ]


def concept_texts(concepts: Iterable[Any]) -> Iterator[str]:
    for concept in concepts:
        text = concept.text or next((c.display for c in concept.coding or [] if c.display), None)
        if text:
            yield text


def _profiles(resource: Any) -> list[str]:
    return [str(profile) for profile in (resource.meta.profile if resource.meta else None) or []]
