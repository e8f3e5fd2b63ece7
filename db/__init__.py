"""Persistence: tables, engine and session setup, queries and Alembic migrations.

Imports nothing of ours but triage.models and triage.errors (enforced by import-linter, see
pyproject.toml)."""

from db.engine import Database, open_database, parse_database_url
from db.queries import Transaction
from db.queries.log import UnreadableEntry
from db.schema import HEAD_REVISION, SchemaChange, ensure_schema, upgrade

__all__ = [
    "HEAD_REVISION",
    "Database",
    "SchemaChange",
    "Transaction",
    "UnreadableEntry",
    "ensure_schema",
    "open_database",
    "parse_database_url",
    "upgrade",
]
