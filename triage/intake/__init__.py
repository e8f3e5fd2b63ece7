"""Reading incoming requests: CSV, JSON, JSON Lines and FHIR R4 (docs/import-formats.md)."""

from triage.errors import FileRejected, Place, Problem
from triage.intake.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH
from triage.intake.reader import (
    Accepted,
    FileResult,
    OpenedFile,
    Progress,
    check_records,
    open_requests_file,
    read_requests_file,
)
from triage.intake.records import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TYPED_FIELDS,
    check_typed,
)

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "TYPED_FIELDS",
    "Accepted",
    "FileRejected",
    "FileResult",
    "OpenedFile",
    "Place",
    "Problem",
    "Progress",
    "check_records",
    "check_typed",
    "open_requests_file",
    "read_requests_file",
]
