"""Persistence: tables, engine and session setup, queries and Alembic migrations.

Imports nothing of ours but triage.models and triage.errors (enforced by import-linter, see
pyproject.toml)."""

from db.engine import Database, open_database, parse_database_url
from db.queries import Transaction
from db.queries.log import UnreadableEntry
from db.roles import GROUPS, RolePlan, set_up_roles
from db.schema import HEAD_REVISION, SchemaChange, ensure_schema, upgrade

__all__ = [
    "GROUPS",
    "HEAD_REVISION",
    "Database",
    "RolePlan",
    "SchemaChange",
    "Transaction",
    "UnreadableEntry",
    "ensure_schema",
    "open_database",
    "parse_database_url",
    "set_up_roles",
    "upgrade",
]
