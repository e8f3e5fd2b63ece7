"""What a FHIR file that holds no request is, in one line a practice can act on: the NHS services
send messages, tasks, notifications and operation parameters as well as requests, and each is
refused saying which it is rather than imported as nothing or as a guess."""

from __future__ import annotations

from collections import Counter
from typing import Any

from triage.intake.fhir_index import Entry

_NOTHING = "nothing imported"
_BARS_EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
_ERS_REJECT_PROFILE = "eRS-RejectReferral-Parameters"


def what_it_is(entries: list[Entry]) -> str:
    """Why a file with resources but no ServiceRequest or ReferralRequest is not a request."""
    by_type = {entry.resource_type: entry.resource for entry in entries}
    if "MessageHeader" in by_type:
        return _message(by_type["MessageHeader"], entries)
    kinds = Counter(entry.resource_type for entry in entries)
    if len(kinds) == 1:
        [(kind, count)] = kinds.items()
        resource = entries[0].resource
        if count == 1 and kind == "Parameters":
            return _parameters(resource)
        if count == 1 and kind == "Task":
            return _task(resource)
        if kind == "Communication":
            return (
                f"is {_a(kind, count)}: a message already sent (a notification or a reply), "
                f"not a request; {_NOTHING}. A request for shared care comes as a "
                "ServiceRequest or a letter"
            )
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return f"holds no ServiceRequest or ReferralRequest (only {listed}): {_NOTHING}"


def _message(header: Any, entries: list[Entry]) -> str:
    # R4 names the event in eventCoding, STU3 in event.
    event = getattr(header, "eventCoding", None) or getattr(header, "event", None)
    code = getattr(event, "code", None) or "an unnamed event"
    which = "a BaRS message" if getattr(event, "system", None) == _BARS_EVENTS else "a FHIR message"
    keys = {reference.reference for reference in header.focus or [] if reference.reference}
    focus = sorted({entry.resource_type for entry in entries if entry.keys & keys})
    about = f"its focus is {' and '.join(_a(kind, 1) for kind in focus)}" if focus else "no focus"
    return f"is {which} ({code}): {about}, not a ServiceRequest; {_NOTHING}"


def _parameters(parameters: Any) -> str:
    profiles = parameters.meta.profile if parameters.meta else None
    if any(_ERS_REJECT_PROFILE in str(profile) for profile in profiles or []):
        return (
            "is an e-Referral Service rejectReferral Parameters: a provider's answer rejecting a "
            f"referral, not a request; {_NOTHING}"
        )
    return f"is a FHIR Parameters resource (the input or output of an operation), {_NOTHING}"


def _task(task: Any) -> str:
    focus = task.focus.reference if task.focus and task.focus.reference else "no request"
    return (
        f"is a Task about {focus}, which is not in the file: a Task is work on a request, not "
        f"the request itself; {_NOTHING}"
    )


def _a(kind: str, count: int) -> str:
    if count != 1:
        return f"{count} {kind} resources"
    return ("an " if kind[0] in "AEIOU" else "a ") + kind
