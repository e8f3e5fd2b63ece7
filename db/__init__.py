"""Persistence: tables, engine and session setup, queries and Alembic migrations.

Imports nothing of ours but triage.models (enforced by import-linter, see pyproject.toml)."""

from db.engine import Database, open_database, parse_database_url
from db.errors import (
    ChangedByOthers,
    DatabaseBusy,
    DatabaseError,
    DatabaseUnavailable,
    DatabaseWriteFailed,
    InvalidDatabaseURL,
    NotATriageDatabase,
    SchemaTooNew,
)
from db.repository import PolicyActivation, Repository, StoredFingerprint, StoredPolicy
from db.schema import HEAD_REVISION, SchemaChange, ensure_schema, upgrade

__all__ = [
    "HEAD_REVISION",
    "ChangedByOthers",
    "Database",
    "DatabaseBusy",
    "DatabaseError",
    "DatabaseUnavailable",
    "DatabaseWriteFailed",
    "InvalidDatabaseURL",
    "NotATriageDatabase",
    "PolicyActivation",
    "Repository",
    "SchemaChange",
    "SchemaTooNew",
    "StoredFingerprint",
    "StoredPolicy",
    "ensure_schema",
    "open_database",
    "parse_database_url",
    "upgrade",
]
