"""What the real NHS services send (tests/data/samples/fhir-nhs, see its PROVENANCE.md) is
imported, or refused in one line saying what it is: the e-Referral Service's STU3
ReferralRequests and the BaRS messages. A detail they do not give waits for a clerk
(needs_details); it never refuses the file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES, Run
from tests.test_deciding import PRACTICE
from triage.intake import FileResult, read_requests_file
from triage.models import Flag, SourceFormat, Urgency

TODAY = date(2026, 11, 22)
NHS = SAMPLES / "fhir-nhs"
NO_PATIENT_DETAILS = (
    "patient_name: the request does not give the patient's name",
    "date_of_birth: the request does not give the date of birth",
)
NO_SENDER = (
    "requester: the request names no requester",
    "organisation: the request names no organisation",
)


def read(file: str) -> FileResult:
    return read_requests_file(NHS / file, today=TODAY, name=file)


def messages(problems: list[Any]) -> list[str]:
    return [str(problem) for problem in problems]


@pytest.mark.parametrize(
    ("file", "ubrn", "urgency", "text"),
    [
        (
            "eRS-stu3-Unbooked.json",
            "000000070000",
            Urgency.ROUTINE,
            "Attached by the sender, not in this file: referralletter.pdf",
        ),
        (
            "eRS-stu3-WithAdditionalRequirements.json",
            "000000070011",
            Urgency.ROUTINE,
            "Specialty: Cardiology\n\nAttached by the sender, not in this file: referralletter.pdf",
        ),
        (  # a two-week wait: a suspected cancer referral
            "eRS-stu3-ConvertedFromAdviceAndGuidance.json",
            "000000070004",
            Urgency.URGENT,
            "Specialty: Cardiology\n\nAttached by the sender, not in this file: Advice and "
            "guidance conversation - 000000070004.pdf; advice.png; provider.png; triage.png",
        ),
    ],
)
def test_an_e_referral_stu3_referral_request_is_read_like_its_r4_service_request(
    file: str, ubrn: str, urgency: Urgency, text: str
) -> None:
    result = read(file)
    assert result.format is SourceFormat.FHIR_JSON and not result.problems and not result.notes
    [item] = result.accepted
    request = item.request
    # The UBRN is the STU3 resource's id; the R4 search result gives it as an identifier.
    assert (request.ref, request.sender) == (ubrn, "https://fhir.nhs.uk/Id/UBRN")
    assert request.patient.nhs_number == "9912003888" and request.patient.nhs_number_valid
    assert request.details_needed == (*NO_PATIENT_DETAILS, *NO_SENDER)
    assert request.urgency is urgency
    assert request.text == text
    assert request.received == datetime(2026, 11, 22, tzinfo=UTC)  # no date given: imported
    warnings = messages(item.warnings)
    assert (
        f"{file}:ReferralRequest {ubrn}: authoredOn: missing, and no other date is given; "
        "the day it was imported is taken" in warnings
    )
    assert any("supportingInfo: " in w and "not in this file" in w for w in warnings)


def test_a_bars_validation_request_is_imported_by_its_full_url() -> None:
    file = "BaRS-process-message-ValidationRequest.json"
    result = read(file)
    assert not result.problems
    [item] = result.accepted
    request = item.request
    # The ServiceRequest has no id and no identifier: its entry's fullUrl identifies it.
    assert (request.ref, request.sender) == (
        "urn:uuid:236bb75d-90ef-461f-b71e-fde7f899802c",
        "FHIR fullUrl",
    )
    assert request.source.location == (
        "entry 2 (ServiceRequest urn:uuid:236bb75d-90ef-461f-b71e-fde7f899802c)"
    )
    # Patient, Practitioner and PractitionerRole are all found by their fullUrl.
    assert (request.patient.name, request.patient.date_of_birth) == (
        "Mrs Julie Jones",
        date(1959, 5, 4),
    )
    assert (request.requester, request.organisation) == ("Marcy BLAKE", "Practitioner Org")
    assert request.received == datetime(2021, 11, 26, 15, 0, tzinfo=UTC)  # meta.lastUpdated
    # Its NHS number fails the check digit: never decided until a person has typed it.
    assert request.patient.nhs_number == "3478526985" and not request.patient.nhs_number_valid
    assert request.flags == (Flag.INVALID_NHS_NUMBER,)
    assert request.details_needed == ("nhs_number: '3478526985' fails the Modulus 11 check digit",)
    assert messages(result.notes) == [
        f"{file}: skipped 1 {kind} (only ServiceRequests are imported)"
        for kind in (
            "CarePlan", "Consent", "Encounter", "Flag", "HealthcareService", "Location",
            "Observation",
        )
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "BaRS-process-message-Booking.json",
            "is a BaRS message (booking-request): its focus is an Appointment, not a "
            "ServiceRequest; nothing imported",
        ),
        (
            "eRS-STU3-rejectReferral-Parameters-BasicExampleDbs.json",
            "is an e-Referral Service rejectReferral Parameters: a provider's answer rejecting a "
            "referral, not a request; nothing imported",
        ),
    ],
)
def test_a_message_that_is_not_a_request_is_refused_in_one_line(file: str, expected: str) -> None:
    result = read(file)
    assert result.file_rejected and not result.accepted
    assert messages(result.problems) == [f"{file}: {expected}"]


def test_every_real_sample_imports_or_says_why_not() -> None:
    """No sample crashes the reader, and none is refused for a detail it lacks."""
    refused = set()
    for path in sorted(NHS.glob("*.json")):
        result = read(path.name)
        if result.file_rejected:
            refused.add(path.name)
            [problem] = result.problems
            assert problem.place is None and "nothing imported" in problem.message
        else:
            assert result.accepted and not result.problems, path.name
            assert all(item.request.details_needed for item in result.accepted)
    assert refused == {
        "BaRS-process-message-Booking.json",
        "eRS-STU3-rejectReferral-Parameters-BasicExampleDbs.json",
    }


# --- through the command line -----------------------------------------------------------------


def queue(run: Run, db: Path) -> dict[str, dict[str, Any]]:
    shown = run("--db", db, "queue", "--status", "all", "--format", "json")
    assert shown.status == 0, shown.err
    return {record["ref"]: record for record in map(json.loads, shown.out.splitlines())}


def test_the_real_samples_import_from_the_command_line_for_a_clerk_to_complete(
    run: Run, db_path: Path
) -> None:
    files = [
        NHS / "eRS-stu3-Unbooked.json",
        NHS / "eRS-stu3-ConvertedFromAdviceAndGuidance.json",
        NHS / "BaRS-process-message-ValidationRequest.json",
    ]
    result = run("--db", db_path, "import", *files)
    assert result.status == 0, result.err
    assert "Total: 3 imported, 0 already present, 0 rejected." in result.out
    queued = queue(run, db_path)
    assert {ref: record["status"] for ref, record in queued.items()} == {
        "000000070000": "needs_details",
        "000000070004": "needs_details",
        "urn:uuid:236bb75d-90ef-461f-b71e-fde7f899802c": "needs_details",
    }
    bars = queued["urn:uuid:236bb75d-90ef-461f-b71e-fde7f899802c"]
    assert (bars["nhs_number"], bars["nhs_number_valid"]) == ("3478526985", False)
    assert queued["000000070004"]["urgency"] == "urgent"
    # Nothing that waits for details is decided, not even with a policy in force.
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "dorset-gp-alliance").status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    refused = run("--db", db_path, "--user", "cleo", "decide", "000000070004")
    assert refused.status == 1 and "cannot be decided until its details are completed" in (
        refused.err
    )
    assert run("--db", db_path, "--user", "cleo", "apply").status == 0
    assert {record["status"] for record in queue(run, db_path).values()} == {"needs_details"}


def test_the_same_referral_from_r4_and_stu3_is_one_request(run: Run, db_path: Path) -> None:
    # Both name UBRN 000000070000: the second copy is recognised, not queued twice.
    assert run("--db", db_path, "import", NHS / "eRS-r4-ResponseExampleReferral.json").status == 0
    again = run("--db", db_path, "import", NHS / "eRS-stu3-Unbooked.json")
    assert again.status == 0
    assert "0 imported, 1 already present" in again.out
    assert "'000000070000' from 'https://fhir.nhs.uk/Id/UBRN'" in again.err
    assert list(queue(run, db_path)) == ["000000070000"]


def test_a_sample_that_is_not_a_request_is_refused_from_the_command_line(
    run: Run, db_path: Path
) -> None:
    booking = NHS / "BaRS-process-message-Booking.json"
    result = run("--db", db_path, "import", NHS / "eRS-stu3-Unbooked.json", booking)
    assert result.status == 1
    assert f"{booking}: is a BaRS message (booking-request)" in result.err
    assert "Traceback" not in result.err
    assert queue(run, db_path) == {}  # all or nothing: the good file waits too
