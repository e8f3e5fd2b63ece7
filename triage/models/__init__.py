"""The shared vocabulary of the product (docs/architecture.md §1).

This package is the leaf every other layer may import (db and policies included), so it imports
nothing of ours: only the standard library and pydantic. Import from the package, not from its
modules: they only split it into readable parts.
"""

from __future__ import annotations

from triage.models.decisions import (
    DECISION_EVENTS,
    Assessment,
    Decision,
    DecisionFilter,
    ExportedDecision,
    LetterKind,
    LogEntry,
    LogEvent,
)
from triage.models.findings import (
    Assessed,
    Classification,
    DateInLetter,
    Evidence,
    EvidenceKind,
    Findings,
    RedFlag,
    RequestT,
    Suggestion,
    Written,
    WrittenType,
    day_in_words,
)
from triage.models.nhs_number import (
    is_valid_nhs_number,
    nhs_check_digit,
    nhs_number_problem,
    normalise_nhs_number,
)
from triage.models.records import (
    IncomingRequest,
    Patient,
    Practice,
    QueueQuery,
    QueueSort,
    Request,
    Source,
    User,
    sender_key,
)
from triage.models.stored import (
    PolicyActivation,
    StoredFingerprint,
    StoredPolicy,
)
from triage.models.vocabulary import (
    DECIDING_ACTIONS,
    Action,
    Category,
    Flag,
    ProviderType,
    Reason,
    RequestType,
    Role,
    SourceFormat,
    Status,
    Urgency,
    in_flag_order,
)

__all__ = [
    "DECIDING_ACTIONS",
    "DECISION_EVENTS",
    "Action",
    "Assessed",
    "Assessment",
    "Category",
    "Classification",
    "DateInLetter",
    "Decision",
    "DecisionFilter",
    "Evidence",
    "EvidenceKind",
    "ExportedDecision",
    "Findings",
    "Flag",
    "IncomingRequest",
    "LetterKind",
    "LogEntry",
    "LogEvent",
    "Patient",
    "PolicyActivation",
    "Practice",
    "ProviderType",
    "QueueQuery",
    "QueueSort",
    "Reason",
    "RedFlag",
    "Request",
    "RequestT",
    "RequestType",
    "Role",
    "Source",
    "SourceFormat",
    "Status",
    "StoredFingerprint",
    "StoredPolicy",
    "Suggestion",
    "Urgency",
    "User",
    "Written",
    "WrittenType",
    "day_in_words",
    "in_flag_order",
    "is_valid_nhs_number",
    "nhs_check_digit",
    "nhs_number_problem",
    "normalise_nhs_number",
    "sender_key",
]
