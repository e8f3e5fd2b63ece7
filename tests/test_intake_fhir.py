"""Reading FHIR R4 (docs/import-formats.md, FHIR): ServiceRequests become requests; what cannot be used is
reported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from triage.intake import FileResult, read_requests_file
from triage.models import Flag, SourceFormat, Urgency

TODAY = date(2026, 11, 22)
FHIR = SAMPLES / "fhir"
SYNTHETIC = FHIR / "illustrative-SYNTHETIC-shared-care-request-bundle.json"


def read(path: Path) -> FileResult:
    return read_requests_file(path, today=TODAY, name=path.name)


def write(tmp_path: Path, document: dict[str, Any] | str, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    return path


def messages(problems: list[Any]) -> list[str]:
    return [str(problem) for problem in problems]


def service_request(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "identifier": [{"system": "urn:trust:letters", "value": "L-1"}],
        "status": "active",
        "intent": "proposal",
        "subject": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
        },
        "authoredOn": "2025-01-06",
        "requester": {"display": "Dr A Consultant, Rheumatology"},
        **fields,
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{index}", "resource": resource}
            for index, resource in enumerate(resources, start=1)
        ],
    }


def test_the_synthetic_shared_care_bundle() -> None:
    result = read(SYNTHETIC)
    assert result.format is SourceFormat.FHIR_JSON and not result.problems
    [item] = result.accepted
    request = item.request
    assert (request.ref, request.sender) == (
        "TRUST-LETTER-12345",
        "urn:example:requesting-trust:letter-id",
    )
    assert request.received == datetime(2025, 1, 6, tzinfo=UTC)
    assert request.patient.nhs_number == "9000000009" and request.patient.nhs_number_valid
    assert request.medications == ("Lisdexamfetamine 30mg capsules",)
    assert request.codes == ("406506008", "42013411000001102")  # SNOMED CT reason, dm+d drug
    assert request.diagnosis == "Attention deficit hyperactivity disorder"
    assert request.text is not None and "Stable on lisdexamfetamine 30mg" in request.text
    assert request.requester.startswith("Consultant psychiatrist, Example NHS Foundation Trust")
    # Only the NHS number is given: the name and date of birth wait for a clerk (hazard H21).
    assert request.details_needed == (
        "patient_name: the request does not give the patient's name",
        "date_of_birth: the request does not give the date of birth",
    )
    assert messages(item.warnings) == [
        f"{SYNTHETIC.name}:entry 1 (ServiceRequest scr-0001): imported as needs_details, for a "
        "person to complete: patient_name: the request does not give the patient's name; "
        "date_of_birth: the request does not give the date of birth"
    ]
    assert messages(result.notes) == [
        f"{SYNTHETIC.name}: skipped 1 Communication (only ServiceRequests are imported)",
        f"{SYNTHETIC.name}: skipped 1 Task (only ServiceRequests are imported)",
    ]


@pytest.mark.parametrize("example", ["ColonoscopyRequest", "Lab-CReactiveProtein"])
def test_uk_core_service_requests_import_in_json_and_xml_alike(example: str) -> None:
    stem = f"UKCore-ServiceRequest-{example}-Example"
    from_json = read(FHIR / f"{stem}.converted.json")
    from_xml = read(FHIR / f"{stem}.official.xml")
    assert (from_json.format, from_xml.format) == (SourceFormat.FHIR_JSON, SourceFormat.FHIR_XML)
    [json_item], [xml_item] = from_json.accepted, from_xml.accepted
    assert json_item.request.content_sha256 == xml_item.request.content_sha256
    request = xml_item.request
    assert request.ref == stem  # no identifier: the resource id stands in, and we say so
    assert request.flags == (Flag.INVALID_NHS_NUMBER,)  # the Patient is not in the file
    # Neither the Patient nor the Practitioner is in the file: a clerk completes them.
    missing = "not given (Patient/UKCore-Patient-RichardSmith-Example is not in the file)"
    assert request.details_needed[:3] == (
        f"nhs_number: {missing}",
        f"patient_name: {missing}",
        f"date_of_birth: {missing}",
    )
    assert request.details_needed[3].startswith("requester: Practitioner/UKCore-Practitioner-")
    assert request.details_needed[4] == "organisation: the request names no organisation"
    warnings = messages(xml_item.warnings)
    assert any(
        "identifier: missing; the resource id is used as the reference" in w for w in warnings
    )
    assert any(
        "imported as needs_details, for a person to complete: nhs_number, patient_name, "
        "date_of_birth: not given (Patient/UKCore-Patient-RichardSmith-Example is not in the file)"
        in w
        for w in warnings
    )


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "UKCore-Task-Colonoscopy-Example.converted.json",
            "is a Task about ServiceRequest/UKCore-ServiceRequest-ColonoscopyRequest-Example, "
            "which is not in the file: a Task is work on a request, not the request itself; "
            "nothing imported",
        ),
        (
            "UKCore-Task-Colonoscopy-Example.official.xml",
            "is a Task about ServiceRequest/UKCore-ServiceRequest-ColonoscopyRequest-Example, "
            "which is not in the file: a Task is work on a request, not the request itself; "
            "nothing imported",
        ),
        (
            "UKCore-Communication-FirstMMRVaccination-Example.converted.json",
            "is a Communication: a message already sent (a notification or a reply), not a "
            "request; nothing imported. A request for shared care comes as a ServiceRequest or "
            "a letter",
        ),
        (
            "UKCore-Communication-FirstMMRVaccination-Example.official.xml",
            "is a Communication: a message already sent (a notification or a reply), not a "
            "request; nothing imported. A request for shared care comes as a ServiceRequest or "
            "a letter",
        ),
    ],
)
def test_a_file_holding_no_request_is_refused_saying_what_it_is(file: str, expected: str) -> None:
    # Before: imported as nothing, with a note. A file in the inbox that is not a request is
    # something a person should see, so it is refused in one line naming what it is.
    result = read(FHIR / file)
    assert result.file_rejected and not result.accepted
    assert messages(result.problems) == [f"{file}: {expected}"]


def test_a_service_request_without_a_patient_is_refused(tmp_path: Path) -> None:
    document = service_request()
    del document["subject"]
    result = read(write(tmp_path, bundle(document, service_request(id="sr2"))))
    assert messages(result.problems) == [
        "in.json:entry 1 (ServiceRequest sr1): subject: missing: a request must name its patient"
    ]
    assert [item.request.ref for item in result.accepted] == ["L-1"]  # the second, valid one


def test_patient_practitioner_role_and_organisation_are_resolved(tmp_path: Path) -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
        "name": [{"use": "official", "prefix": ["Ms"], "given": ["Ann"], "family": "Example"}],
        "birthDate": "1980-02-03",
    }
    practitioner = {"resourceType": "Practitioner", "id": "dr1", "name": [{"text": "Dr G Shah"}]}
    organisation = {
        "resourceType": "Organization",
        "id": "o1",
        "name": "Rheumatology, County Hospital",
    }
    role = {
        "resourceType": "PractitionerRole",
        "id": "r1",
        "practitioner": {"reference": "Practitioner/dr1"},
        "organization": {"reference": "urn:uuid:4"},
    }
    medication = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "proposal",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "https://dmd.nhs.uk",
                    "code": "326874007",
                    "display": "Methotrexate 2.5mg tablets",
                }
            ]
        },
        "basedOn": [{"reference": "ServiceRequest/sr1"}],
    }
    request_resource = service_request(
        subject={"reference": "Patient/p1"},
        requester={"reference": "PractitionerRole/r1"},
        priority="asap",
        reasonCode=[
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "69896004",
                        "display": "Rheumatoid arthritis",
                    }
                ]
            }
        ],
        note=[{"text": "Stable on methotrexate 15mg weekly."}],
    )
    result = read(
        write(
            tmp_path,
            bundle(request_resource, patient, practitioner, organisation, role, medication),
        )
    )
    [item] = result.accepted
    request = item.request
    assert request.patient.name == "Ms Ann Example"
    assert request.patient.date_of_birth == date(1980, 2, 3)
    assert request.patient.nhs_number_valid
    assert (request.requester, request.organisation) == (
        "Dr G Shah",
        "Rheumatology, County Hospital",
    )
    assert request.urgency is Urgency.URGENT
    assert request.medications == ("Methotrexate 2.5mg tablets",)
    assert request.codes == ("69896004", "326874007")
    assert request.diagnosis == "Rheumatoid arthritis"
    assert not item.warnings and not result.notes


def test_a_contained_patient_is_found(tmp_path: Path) -> None:
    request_resource = service_request(
        subject={"reference": "#pat"},
        contained=[
            {
                "resourceType": "Patient",
                "id": "pat",
                "name": [{"given": ["Bo"], "family": "Li"}],
                "birthDate": "1990-01-01",
            }
        ],
    )
    [item] = read(write(tmp_path, request_resource)).accepted
    assert (item.request.patient.name, item.request.patient.date_of_birth) == (
        "Bo Li",
        date(1990, 1, 1),
    )


def test_a_revoked_request_is_skipped_and_said_so(tmp_path: Path) -> None:
    result = read(write(tmp_path, bundle(service_request(status="revoked"))))
    assert not result.accepted
    assert messages(result.notes) == [
        "in.json:entry 1 (ServiceRequest sr1): status: is 'revoked': not a live request, skipped"
    ]


def test_an_invalid_resource_names_its_entry_and_element(tmp_path: Path) -> None:
    result = read(
        write(
            tmp_path, bundle(service_request(authoredOn="yesterday"), {"resourceType": "Nonsense"})
        )
    )
    assert messages(result.problems) == [
        "in.json:entry 1 (ServiceRequest sr1): authoredOn: DateTime value string does not match spec regex.",
        "in.json:entry 2 (Nonsense urn:uuid:2): resourceType: 'Nonsense' is not a FHIR R4 resource "
        "type",  # an entry with no id is named by its fullUrl
    ]


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<ServiceRequest xmlns="http://hl7.org/fhir"><id value="&b;"/></ServiceRequest>',
            "in.xml: XML with a DOCTYPE or ENTITY is refused (FHIR never uses one)",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<ServiceRequest xmlns="http://hl7.org/fhir"><id value="&x;"/></ServiceRequest>',
            "in.xml: XML with a DOCTYPE or ENTITY is refused (FHIR never uses one)",
        ),
        ("<note><to>GP</to></note>", "in.xml: is XML but not FHIR (its root element is note)"),
        (
            '<ServiceRequest xmlns="http://hl7.org/fhir">\n<id value="x">\n</ServiceRequest>',
            "in.xml:3: is not well-formed XML",
        ),
    ],
)
def test_unsafe_or_foreign_xml_is_refused(tmp_path: Path, xml: str, expected: str) -> None:
    result = read(write(tmp_path, xml, "in.xml"))
    assert result.file_rejected and not result.accepted
    [problem] = messages(result.problems)
    assert problem.startswith(expected)


def test_not_json_after_all(tmp_path: Path) -> None:
    result = read(write(tmp_path, '{"resourceType": "Bundle", "entry": [}'))
    assert not result.accepted
    assert messages(result.problems) == [
        "in.json:1: is not valid JSON (Expecting value, column 38)"
    ]


@pytest.mark.parametrize(
    ("file", "ubrn"),
    [
        ("eRS-r4-ResponseExampleReferral.json", "000000070000"),
        ("eRS-r4-ResponseExampleAdvice.json", "000000070001"),
        ("eRS-r4-ResponseExampleReferralAndAdvice.json", "000000070002"),
    ],
)
def test_an_e_referral_search_result_is_imported_for_a_clerk_to_complete(
    file: str, ubrn: str
) -> None:
    result = read(SAMPLES / "fhir-nhs" / file)
    [item] = result.accepted
    request = item.request
    assert (request.ref, request.sender) == (ubrn, "https://fhir.nhs.uk/Id/UBRN")
    assert request.received.date() == date(2022, 4, 6)  # the bundle's timestamp
    assert request.patient.nhs_number == "9912003888" and request.patient.nhs_number_valid
    # Only the NHS number is given of the patient: the name and date of birth wait for a clerk.
    assert request.details_needed == (
        "patient_name: the request does not give the patient's name",
        "date_of_birth: the request does not give the date of birth",
        "requester: the request names no requester",
        "organisation: the request names no organisation",
    )
    assert any("authoredOn: missing; 2022-04-06T15:42:00.42Z" in w for w in messages(item.warnings))


# --- identity, the patient and the sender, when the file does not say them plainly ---------------

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def patient_resource(nhs_number: str = "9434765919", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_SYSTEM, "value": nhs_number}],
        "name": [{"given": ["Ann"], "family": "Example"}],
        "birthDate": "1980-02-03",
        **fields,
    }


def test_an_entry_with_no_id_is_known_by_its_full_url(tmp_path: Path) -> None:
    request_resource = service_request(
        subject={"reference": "urn:uuid:2"}, requester={"reference": "urn:uuid:3"}
    )
    for key in ("id", "identifier"):
        del request_resource[key]
    practitioner = {"resourceType": "Practitioner", "name": [{"text": "Dr G Shah"}]}
    role = {
        "resourceType": "PractitionerRole",
        "practitioner": {"reference": "urn:uuid:3"},
        "organization": {"reference": "urn:uuid:5"},
    }
    organisation = {"resourceType": "Organization", "name": "Rheumatology, County Hospital"}
    document = bundle(request_resource, patient_resource(), practitioner, role, organisation)
    [item] = read(write(tmp_path, document)).accepted
    request = item.request
    assert (request.ref, request.sender) == ("urn:uuid:1", "FHIR fullUrl")
    assert request.source.location == "entry 1 (ServiceRequest urn:uuid:1)"
    assert (request.patient.name, request.patient.nhs_number) == ("Ann Example", "9434765919")
    # The requester is a Practitioner; its PractitionerRole in the bundle names the organisation.
    assert (request.requester, request.organisation) == (
        "Dr G Shah",
        "Rheumatology, County Hospital",
    )
    assert not request.details_needed
    assert messages(item.warnings) == [
        "in.json:entry 1 (ServiceRequest urn:uuid:1): identifier: missing; the entry's fullUrl "
        "is used as the reference"
    ]


def test_a_request_with_nothing_to_identify_it_is_known_by_its_content(tmp_path: Path) -> None:
    request_resource = service_request()
    for key in ("id", "identifier"):
        del request_resource[key]
    first = read(write(tmp_path, request_resource)).accepted[0]
    again = read(write(tmp_path, request_resource, "again.json")).accepted[0]
    assert first.request.ref.startswith("fhir-") and first.request.sender == "FHIR content"
    assert again.request.ref == first.request.ref  # imported again, it is recognised
    assert "with no id or fullUrl" in messages(first.warnings)[0]


def test_an_nhs_number_failing_its_check_digit_waits_for_a_person(tmp_path: Path) -> None:
    document = bundle(
        service_request(subject={"reference": "urn:uuid:2"}), patient_resource("9434765918")
    )
    result = read(write(tmp_path, document))
    assert not result.problems
    [item] = result.accepted
    request = item.request
    assert request.patient.nhs_number == "9434765918" and not request.patient.nhs_number_valid
    assert request.flags == (Flag.INVALID_NHS_NUMBER,)
    assert request.details_needed == ("nhs_number: '9434765918' fails the Modulus 11 check digit",)
    # Said once, in the line that says what a person must complete.
    assert messages(item.warnings) == [
        "in.json:entry 1 (ServiceRequest sr1): imported as needs_details, for a person to "
        "complete: nhs_number: '9434765918' fails the Modulus 11 check digit"
    ]


def test_two_nhs_numbers_that_disagree_are_not_chosen_between(tmp_path: Path) -> None:
    request_resource = service_request()  # its subject's identifier: 9434765919
    request_resource["subject"]["reference"] = "urn:uuid:2"
    document = bundle(request_resource, patient_resource("9000000009"))
    [item] = read(write(tmp_path, document)).accepted
    assert item.request.patient.nhs_number is None
    assert item.request.details_needed == (
        "nhs_number: the request gives 9434765919 and 9000000009",
    )


def test_a_patient_referenced_but_not_in_the_file_waits_for_a_person(tmp_path: Path) -> None:
    document = bundle(service_request(subject={"reference": "Patient/elsewhere"}))
    result = read(write(tmp_path, document))
    assert not result.problems and not result.file_rejected
    [item] = result.accepted
    missing = "not given (Patient/elsewhere is not in the file)"
    assert item.request.details_needed == (
        f"nhs_number: {missing}",
        f"patient_name: {missing}",
        f"date_of_birth: {missing}",
    )
    assert item.request.requester == "Dr A Consultant, Rheumatology"


def test_the_message_sender_names_the_organisation_when_nothing_else_does(
    tmp_path: Path,
) -> None:
    header = {
        "resourceType": "MessageHeader",
        "eventCoding": {"code": "servicerequest-request"},
        "source": {"endpoint": "urn:example"},
        "sender": {"reference": "urn:uuid:4"},
        "focus": [{"reference": "urn:uuid:2"}],
    }
    request_resource = service_request(
        subject={"reference": "urn:uuid:3"}, requester={"reference": "urn:uuid:5"}
    )
    sender = {"resourceType": "Organization", "name": "Sender Organization"}
    practitioner = {"resourceType": "Practitioner", "name": [{"family": "BLAKE"}]}
    document = bundle(header, request_resource, patient_resource(), sender, practitioner)
    document["type"] = "message"
    [item] = read(write(tmp_path, document)).accepted
    assert (item.request.requester, item.request.organisation) == ("BLAKE", "Sender Organization")


def test_a_practitioner_with_no_organisation_waits_for_one(tmp_path: Path) -> None:
    document = bundle(
        service_request(requester={"reference": "urn:uuid:2"}),
        {"resourceType": "Practitioner", "name": [{"text": "Dr G Shah"}]},
    )
    [item] = read(write(tmp_path, document)).accepted
    assert item.request.requester == "Dr G Shah"
    assert item.request.details_needed[-1] == (
        "organisation: the request names no organisation for Dr G Shah"
    )


# --- STU3: the e-Referral Service's ReferralRequest ------------------------------------------------


def referral_request(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "ReferralRequest",
        "id": "rr1",
        "identifier": [{"system": "urn:trust:referrals", "value": "RR-1"}],
        "status": "active",
        "intent": "proposal",
        "priority": "urgent",
        "subject": {"reference": "#pat"},
        "authoredOn": "2025-01-06T09:30:00+00:00",
        "requester": {
            "agent": {"reference": "#dr"},
            "onBehalfOf": {"reference": "Organization/o1"},
        },
        "specialty": {"text": "Rheumatology"},
        "reasonCode": [
            {"coding": [{"system": "http://snomed.info/sct", "code": "69896004"}],
             "text": "Rheumatoid arthritis"}
        ],
        "description": "Please take over methotrexate 15mg weekly.",
        "note": [{"text": "Bloods due in March."}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [
                    {"system": "http://fhir.nhs.net/Id/nhs-number", "value": "9434765919"}
                ],
                "name": [{"prefix": ["Ms"], "given": ["Ann"], "family": "Example"}],
                "birthDate": "1980-02-03",
            },
            {"resourceType": "Practitioner", "id": "dr", "name": [{"text": "Dr J Okafor"}]},
        ],
        **fields,
    }  # fmt: skip


def test_an_stu3_referral_request_is_read_into_the_same_fields(tmp_path: Path) -> None:
    organisation = {
        "resourceType": "Organization",
        "id": "o1",
        "name": "Rheumatology, County Hospital",
    }
    result = read(write(tmp_path, bundle(referral_request(), organisation)))
    assert not result.problems and not result.notes
    [item] = result.accepted
    request = item.request
    assert (request.ref, request.sender) == ("RR-1", "urn:trust:referrals")
    assert request.received == datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
    assert request.patient.nhs_number == "9434765919"  # the old NHS number system of STU3
    assert (request.patient.name, request.patient.date_of_birth) == (
        "Ms Ann Example",
        date(1980, 2, 3),
    )
    assert (request.requester, request.organisation) == (
        "Dr J Okafor",
        "Rheumatology, County Hospital",  # requester.onBehalfOf
    )
    assert request.urgency is Urgency.URGENT
    assert (request.diagnosis, request.codes) == ("Rheumatoid arthritis", ("69896004",))
    assert request.text == (
        "Please take over methotrexate 15mg weekly.\n\nSpecialty: Rheumatology\n\n"
        "Bloods due in March."
    )
    assert not request.details_needed and not item.warnings


def test_an_stu3_referral_request_in_xml_is_read(tmp_path: Path) -> None:
    xml = (
        '<ReferralRequest xmlns="http://hl7.org/fhir"><id value="rr1"/>'
        '<identifier><system value="urn:trust:referrals"/><value value="RR-1"/></identifier>'
        '<status value="active"/><intent value="proposal"/>'
        "<subject><identifier>"
        '<system value="http://fhir.nhs.net/Id/nhs-number"/><value value="9434765919"/>'
        '</identifier><display value="Ann Example"/></subject>'
        '<authoredOn value="2025-01-06"/>'
        '<requester><agent><display value="Dr J Okafor, Rheumatology"/></agent></requester>'
        "</ReferralRequest>"
    )
    result = read(write(tmp_path, xml, "in.xml"))
    assert result.format is SourceFormat.FHIR_XML and not result.problems
    [item] = result.accepted
    assert (item.request.ref, item.request.requester) == ("RR-1", "Dr J Okafor, Rheumatology")
    assert item.request.details_needed == (
        "date_of_birth: the request does not give the date of birth",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"subject": None},
            "in.json:ReferralRequest rr1: subject: missing: a request must name its patient",
        ),
        (
            {"code": {"text": "an R4 element"}},
            "in.json:ReferralRequest rr1: code: is not a FHIR element here",
        ),
    ],
)
def test_a_malformed_stu3_referral_request_is_named_by_its_element(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    document = {
        key: value for key, value in {**referral_request(), **change}.items() if value is not None
    }
    result = read(write(tmp_path, document))
    assert not result.accepted
    assert messages(result.problems) == [expected]


def test_a_cancelled_stu3_referral_is_skipped_and_said_so(tmp_path: Path) -> None:
    result = read(write(tmp_path, bundle(referral_request(status="cancelled"))))
    assert not result.accepted and not result.file_rejected
    assert messages(result.notes) == [
        "in.json:entry 1 (ReferralRequest rr1): status: is 'cancelled': not a live request, skipped"
    ]


# --- files that hold no request --------------------------------------------------------------------


def test_an_empty_search_result_imports_nothing_and_is_not_refused(tmp_path: Path) -> None:
    result = read(write(tmp_path, {"resourceType": "Bundle", "type": "searchset", "total": 0}))
    assert not result.file_rejected and not result.accepted
    assert messages(result.notes) == ["in.json: holds no resources: nothing to import"]


def test_a_file_of_other_resources_is_refused_naming_them(tmp_path: Path) -> None:
    result = read(write(tmp_path, bundle(patient_resource(), patient_resource("9000000009"))))
    assert result.file_rejected
    assert messages(result.problems) == [
        "in.json: holds no ServiceRequest or ReferralRequest (only 2 Patient): nothing imported"
    ]


def test_a_requester_without_a_name_waits_for_one(tmp_path: Path) -> None:
    document = bundle(
        service_request(requester={"reference": "urn:uuid:2"}),
        {"resourceType": "Practitioner", "telecom": [{"system": "phone", "value": "0"}]},
    )
    [item] = read(write(tmp_path, document)).accepted
    assert item.request.requester == "(not in the request)"
    assert item.request.details_needed[-2:] == (
        "requester: urn:uuid:2 names no one (a Practitioner without a name)",
        "organisation: the request names no organisation",
    )


def service_request_xml(inside: str = "", root: str = "ServiceRequest") -> str:
    return (
        f'<{root} xmlns="http://hl7.org/fhir"><id value="sr1"/>'
        '<identifier><system value="urn:trust:letters"/><value value="L-1"/></identifier>'
        '<status value="active"/><intent value="proposal"/>'
        '<subject><identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/>'
        '<value value="9434765919"/></identifier></subject>'
        '<authoredOn value="2025-01-06"/>'
        f'<requester><display value="Dr A Consultant, Rheumatology"/></requester>{inside}</{root}>'
    )


def in_a_bundle(resource: str) -> str:
    return (
        '<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>'
        f'<entry><fullUrl value="urn:uuid:1"/><resource>{resource}</resource></entry></Bundle>'
    )


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (service_request_xml('<bogus value="1"/>'), "in.xml:ServiceRequest sr1: bogus"),
        (
            service_request_xml('<note><bogus/><text value="x"/></note>'),
            "in.xml:ServiceRequest sr1: note.0.bogus",
        ),
        (
            in_a_bundle(service_request_xml('<bogus value="1"/>')),
            "in.xml:entry 1 (ServiceRequest sr1): bogus",
        ),
        (
            service_request_xml('<x:id xmlns:x="urn:x" value="2"/>'),
            "in.xml:ServiceRequest sr1: {urn:x}id",
        ),
        (
            service_request_xml('<_status value="active"/>'),
            "in.xml:ServiceRequest sr1: {http://hl7.org/fhir}_status",
        ),
        (
            service_request_xml('<code colour="red"><text value="x"/></code>'),
            "in.xml:ServiceRequest sr1: code.@colour",
        ),
    ],
    ids=["element", "nested", "in-a-bundle", "foreign-namespace", "underscore", "attribute"],
)
def test_an_element_fhir_does_not_define_is_named_never_a_crash(
    tmp_path: Path, xml: str, expected: str
) -> None:
    result = read(write(tmp_path, xml, "in.xml"))
    assert not result.accepted
    assert messages(result.problems) == [f"{expected}: is not a FHIR element here"]


def test_xml_with_a_prefix_for_the_fhir_namespace_is_read(tmp_path: Path) -> None:
    xml = service_request_xml().replace("<", "<f:").replace("<f:/", "</f:")
    xml = xml.replace('xmlns="http://hl7.org/fhir"', 'xmlns:f="http://hl7.org/fhir"')
    result = read(write(tmp_path, xml, "in.xml"))
    assert [item.request.ref for item in result.accepted] == ["L-1"]


def test_an_element_given_twice_is_named_and_extensions_are_read_as_json_would_be(
    tmp_path: Path,
) -> None:
    twice = read(write(tmp_path, service_request_xml('<status value="draft"/>'), "in.xml"))
    assert messages(twice.problems) == [
        "in.xml:ServiceRequest sr1: status: is given more than once (FHIR allows it once here)"
    ]
    two = in_a_bundle(service_request_xml() + service_request_xml())
    assert messages(read(write(tmp_path, two, "in.xml")).problems) == [
        "in.xml:entry 1: resource: holds more than one resource"
    ]
    extended = service_request_xml(
        '<note><text value="Supply ends Friday"><extension url="urn:x">'
        '<valueString value="y"/></extension></text></note>'
    )
    [accepted] = read(write(tmp_path, extended, "in.xml")).accepted
    assert "Supply ends Friday" in (accepted.request.text or "")


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (
            '<Bundle xmlns="http://hl7.org/fhir">' + "<entry/>" * 200_000 + "</Bundle>",
            "in.xml:1: has more than 100,000 elements; split it into smaller files",
        ),
        (
            '<Bundle xmlns="http://hl7.org/fhir">' + "<entry/>" * 5_001 + "</Bundle>",
            "in.xml: holds 5,001 entries, over the limit of 5,000 in one file; "
            "split it into smaller files",
        ),
        (
            service_request_xml('<extension url="u">' * 70 + "</extension>" * 70),
            "in.xml:1: is nested more than 64 elements deep",
        ),
    ],
    ids=["elements", "entries", "depth"],
)
def test_fhir_xml_too_large_to_read_quickly_is_refused_before_resources_are_built(
    tmp_path: Path, xml: str, expected: str
) -> None:
    """2 MB of empty entries took an hour, and 100,000 extensions 4 minutes and 670 MB."""
    result = read(write(tmp_path, xml, "in.xml"))
    assert result.file_rejected and not result.accepted
    assert messages(result.problems) == [expected]


def test_fhir_json_too_large_to_read_quickly_is_refused_before_it_is_parsed(
    tmp_path: Path,
) -> None:
    many = bundle(*[{"resourceType": "Basic"}] * 5_001)
    assert messages(read(write(tmp_path, many)).problems) == [
        "in.json: holds 5,001 entries, over the limit of 5,000 in one file; "
        "split it into smaller files"
    ]
    extended = service_request(extension=[{"url": "u"}] * 100_001)
    assert messages(read(write(tmp_path, extended)).problems) == [
        "in.json: holds more than 100,000 JSON objects; split it into smaller files"
    ]


DOCTYPE_XML = (
    '<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE r [<!ENTITY x SYSTEM '
    '"file:///etc/passwd">]><ServiceRequest xmlns="http://hl7.org/fhir"><id value="&x;"/>'
    "</ServiceRequest>"
)


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-8", "utf-8"), ("UTF-16", "utf-16"), ("UTF-16", "utf-16-le"), ("UTF-16", "utf-16-be")],
    ids=["utf-8", "utf-16-bom", "utf-16-le", "utf-16-be"],
)
def test_a_doctype_is_refused_whatever_the_encoding(
    tmp_path: Path, encoding: str, codec: str
) -> None:
    path = tmp_path / "in.xml"
    path.write_bytes(DOCTYPE_XML.format(encoding=encoding).encode(codec))
    result = read(path)
    assert result.file_rejected and not result.accepted
    assert messages(result.problems) == [
        "in.xml: XML with a DOCTYPE or ENTITY is refused (FHIR never uses one)"
    ]


def test_fhir_xml_in_utf_16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "in.xml"
    path.write_bytes(
        ('<?xml version="1.0" encoding="UTF-16"?>' + service_request_xml()).encode("utf-16")
    )
    assert [item.request.ref for item in read(path).accepted] == ["L-1"]
