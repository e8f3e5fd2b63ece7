"""Search and paging that read an index: trigram search over ref, patient name and NHS number,
and the indexes the queue's orders page by

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

Searching 100,000 requests for part of a name scanned the table (0.4-0.6 s per search). SQLite:
an FTS5 table with the trigram tokenizer (SQLite 3.34 and later), its own copy of the three
columns kept in step by triggers, so every path that inserts or changes a request keeps it.
PostgreSQL: pg_trgm GIN indexes, which LIKE '%part%' reads; where the extension cannot be
created (a role without the right), the search still works, by scanning.

Paging the queue by key reads the index of its order from where the last page ended, rather
than sorting every match to skip the ones before (OFFSET): one index per status and order,
ending in id so that rows with the same date (or name, or ref) keep one order.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE requests_search USING fts5("
    "ref, patient_name, nhs_number, content='requests', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN "
    "INSERT INTO requests_search(rowid, ref, patient_name, nhs_number) "
    "VALUES (new.id, new.ref, new.patient_name, new.nhs_number); END",
    "CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN "
    "INSERT INTO requests_search(requests_search, rowid, ref, patient_name, nhs_number) "
    "VALUES ('delete', old.id, old.ref, old.patient_name, old.nhs_number); END",
    "CREATE TRIGGER requests_search_update AFTER UPDATE OF ref, patient_name, nhs_number "
    "ON requests BEGIN "
    "INSERT INTO requests_search(requests_search, rowid, ref, patient_name, nhs_number) "
    "VALUES ('delete', old.id, old.ref, old.patient_name, old.nhs_number); "
    "INSERT INTO requests_search(rowid, ref, patient_name, nhs_number) "
    "VALUES (new.id, new.ref, new.patient_name, new.nhs_number); END",
    "INSERT INTO requests_search(requests_search) VALUES ('rebuild')",
)

_POSTGRES_SEARCH = (
    "CREATE INDEX ix_requests_search_ref ON requests USING gin (lower(ref) gin_trgm_ops)",
    "CREATE INDEX ix_requests_search_name ON requests USING gin (lower(patient_name) gin_trgm_ops)",
    "CREATE INDEX ix_requests_search_nhs ON requests USING gin (nhs_number gin_trgm_ops)",
)

# The patient order: names compared without case, an unread name first (as '').
_PATIENT_ORDER = (
    "CREATE INDEX ix_requests_patient_order ON requests "
    "(status, coalesce(lower(patient_name), ''), received, id)"
)


def upgrade() -> None:
    op.create_index("ix_requests_status_received_id", "requests", ["status", "received", "id"])
    op.create_index("ix_requests_status_ref_id", "requests", ["status", "ref", "id"])
    op.execute(_PATIENT_ORDER)
    if op.get_bind().dialect.name == "sqlite":
        if _sqlite_has_trigram():
            for statement in _SQLITE_SEARCH:
                op.execute(statement)
        return
    if _trigram_extension():
        for statement in _POSTGRES_SEARCH:
            op.execute(statement)


def _sqlite_has_trigram() -> bool:
    """FTS5's trigram tokenizer came with SQLite 3.34; without it, the search scans."""
    version = op.get_bind().exec_driver_sql("SELECT sqlite_version()").scalar_one()
    return tuple(int(part) for part in str(version).split(".")[:2]) >= (3, 34)


def _trigram_extension() -> bool:
    """Whether pg_trgm is there, created now if this role may (a trusted extension since
    PostgreSQL 13: the database's owner may create it)."""
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
        return True
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION pg_trgm")
    except DBAPIError:  # no right, or not installed: the search scans instead
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS requests_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS requests_search")
    else:
        for name in ("ref", "name", "nhs"):
            op.execute(f"DROP INDEX IF EXISTS ix_requests_search_{name}")
    op.drop_index("ix_requests_patient_order", table_name="requests")
    op.drop_index("ix_requests_status_ref_id", table_name="requests")
    op.drop_index("ix_requests_status_received_id", table_name="requests")
