"""FHIR intake (docs/import-formats.md, FHIR): the file parsed and each resource validated, in
JSON or XML, R4 or STU3; fhir_entries then says which become requests.

fhir.resources' R4B package reads R4 resources (its default package is R5, which rejects them);
its STU3 package reads the e-Referral Service's ReferralRequests. The version is recognised from
the content: a ReferralRequest, or a meta.profile under /STU3/. Each bundle entry is validated on
its own, so one bad entry names itself instead of failing the whole bundle.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from lxml import etree
from pydantic import ValidationError

from triage.errors import FileRejected, Place, Problem
from triage.intake.fhir_entries import FhirRead, read_entries
from triage.intake.fhir_index import Entry
from triage.intake.fhir_xml import FHIR_NAMESPACE, REPEATED, parse_xml, resource_json
from triage.intake.json_reader import json_problem
from triage.intake.limits import MAX_FHIR_ENTRIES, check_json_objects

__all__ = ["FhirRead", "read_fhir_json", "read_fhir_xml"]

_STU3_PROFILE = "/STU3/"


def read_fhir_json(text: str, name: str, today: date) -> FhirRead:
    check_json_objects(text, name)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise FileRejected(json_problem(name, error)) from None
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise FileRejected(Problem(name, None, None, "is not a FHIR resource (no resourceType)"))
    entries, problems = _entries_from_json(document, name)
    return read_entries(entries, problems, name, today)


def read_fhir_xml(data: bytes, name: str, today: date) -> FhirRead:
    root = parse_xml(data, name)
    if etree.QName(root).namespace != FHIR_NAMESPACE:
        raise FileRejected(
            Problem(
                name,
                None,
                None,
                f"is XML but not FHIR (its root element is {etree.QName(root).localname})",
            )
        )
    stu3 = any(True for _ in root.iter(f"{{{FHIR_NAMESPACE}}}ReferralRequest")) or any(
        _STU3_PROFILE in (element.get("value") or "")
        for element in root.iter(f"{{{FHIR_NAMESPACE}}}profile")
    )
    document = resource_json(root, "STU3" if stu3 else "R4")
    entries, problems = _entries_from_json(document, name, stu3=stu3)
    return read_entries(entries, problems, name, today)


def _entries_from_json(
    document: dict[str, Any], name: str, *, stu3: bool | None = None
) -> tuple[list[Entry], list[Problem]]:
    """Each resource validated on its own; `stu3` when the version is already known (XML)."""
    if document["resourceType"] != "Bundle":
        stu3 = _is_stu3(document) if stu3 is None else stu3
        resource = _validated(document, name, Place(entry=_label(document)), stu3=stu3)
        return [Entry(Place(entry=_label(document)), None, resource)], []
    raw_entries = document.get("entry") or []
    meta = document.get("meta")
    bundle_time = document.get("timestamp") or (
        meta.get("lastUpdated") if isinstance(meta, dict) else None
    )
    bundle_time = bundle_time if isinstance(bundle_time, str) else None
    if not isinstance(raw_entries, list):
        raise FileRejected(Problem(name, None, "entry", "must be a list"))
    if len(raw_entries) > MAX_FHIR_ENTRIES:
        raise FileRejected(
            Problem(
                name, None, None,
                f"holds {len(raw_entries):,} entries, over the limit of {MAX_FHIR_ENTRIES:,} "
                "in one file; split it into smaller files",
            )
        )  # fmt: skip
    # A bundle is one version throughout: STU3 when it says so or carries a ReferralRequest.
    if stu3 is None:
        stu3 = _is_stu3(document) or any(
            isinstance(raw, dict) and _is_stu3(raw.get("resource")) for raw in raw_entries
        )
    entries: list[Entry] = []
    problems: list[Problem] = []
    for index, raw in enumerate(raw_entries, start=1):
        if isinstance(raw, dict) and "resource" + REPEATED in raw:
            where = Place(entry=f"entry {index}")
            problems.append(Problem(name, where, "resource", "holds more than one resource"))
            continue
        raw_resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(raw_resource, dict):
            problems.append(Problem(name, Place(entry=f"entry {index}"), "resource", "missing"))
            continue
        full_url = raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else None
        place = Place(entry=f"entry {index} ({_label(raw_resource, full_url)})")
        try:
            resource = _validated(raw_resource, name, place, stu3=stu3)
        except FileRejected as rejected:
            problems.extend(rejected.problems)
            continue
        entries.append(Entry(place, full_url, resource, bundle_time))
    return entries, problems


def _is_stu3(raw: object) -> bool:
    """Whether a resource is STU3 by its content: a ReferralRequest (STU3's request, gone from
    R4), or a profile under /STU3/ (as the e-Referral Service's are)."""
    if not isinstance(raw, dict):
        return False
    meta = raw.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return raw.get("resourceType") == "ReferralRequest" or (
        isinstance(profiles, list) and any(_STU3_PROFILE in str(p) for p in profiles)
    )


def _validated(raw: dict[str, Any], name: str, place: Place, *, stu3: bool) -> Any:
    model = _model_class(str(raw.get("resourceType")), name, place, stu3=stu3)
    try:
        return model.model_validate(raw)
    except (ValidationError, ValueError, TypeError) as error:
        raise FileRejected(*_validation_problems(error, name, place)) from None


def _model_class(resource_type: str, name: str, place: Place | None, *, stu3: bool) -> Any:
    if stu3:
        from fhir.resources.STU3 import get_fhir_model_class
    else:
        from fhir.resources.R4B import get_fhir_model_class
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        version = "STU3" if stu3 else "R4"
        raise FileRejected(
            Problem(
                name,
                place,
                "resourceType",
                f"{resource_type!r} is not a FHIR {version} resource type",
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
        elif detail["type"] == "extra_forbidden" and where and where.endswith(REPEATED):
            where = where.removesuffix(REPEATED)
            message = "is given more than once (FHIR allows it once here)"
        elif detail["type"] == "extra_forbidden":
            message = "is not a FHIR element here"
        else:
            message = detail["msg"].removeprefix("Value error, ")
        problems.append(Problem(name, place, where, message))
    return problems


def _label(raw: dict[str, Any], full_url: str | None = None) -> str:
    """ "ServiceRequest sr1"; an entry with no id is named by its fullUrl."""
    identity = raw.get("id") or full_url
    return " ".join(str(part) for part in (raw.get("resourceType"), identity) if part)
