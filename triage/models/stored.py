"""What is stored of imports and policies: fingerprints of imported requests, policy versions
and who put each in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredFingerprint:
    """What is already stored under a (sender_key, ref): enough to say where it came from and
    whether a new copy says the same thing."""

    content_sha256: str
    source_file: str
    source_location: str


@dataclass(frozen=True)
class StoredPolicy:
    """A policy version as stored: its exact text and who added it."""

    row_id: int
    policy_id: str
    version: str
    title: str
    content_sha256: str
    file_name: str
    text: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class PolicyActivation:
    policy: StoredPolicy
    activated_by: str
    activated_at: datetime
