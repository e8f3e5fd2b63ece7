"""Requests built in code, for tests that are about reading and deciding rather than intake."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from triage.models import IncomingRequest, Patient, Source, SourceFormat

ON = date(2025, 2, 1)  # the decision date most policy tests use (policies in force from 2025)


def make_request(**fields: Any) -> IncomingRequest:
    """A valid, routine, adult request with nothing in it; pass what the test is about.

    `born` sets the date of birth (None for unknown); `nhs_valid=False` makes the number fail.
    """
    born = fields.pop("born", date(1980, 6, 15))
    nhs_valid = fields.pop("nhs_valid", True)
    values: dict[str, Any] = {
        "ref": "T1",
        "sender": "Test Hospital",
        "received": datetime(2025, 1, 14, 9, 0, tzinfo=UTC),
        "patient": Patient(
            nhs_number="9434765919" if nhs_valid else "9434765918",
            nhs_number_valid=nhs_valid,
            name="Test Patient",
            date_of_birth=born,
        ),
        "requester": "Dr A Consultant",
        "organisation": "Test Hospital",
        "source": Source(file="test.csv", format=SourceFormat.CSV, location="line 2"),
    }
    values.update(fields)
    return IncomingRequest(**values)
