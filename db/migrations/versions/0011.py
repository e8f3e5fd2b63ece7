"""The database's own stamp on each log entry: who was connected (session_user) and the
server's time, on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

The entry's `actor` and `at` are the program's, inside the hashed body; `db_actor` and `db_at`
are the database's, filled by a trigger whatever the client sends, and outside the hash so the
chain of entries written before them still verifies. `triage log verify` compares the two
(docs/security.md, "Several workstations"). SQLite has no logins: there they stay empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A BEFORE trigger overwrites what the client sent: the stamp cannot be chosen by the writer.
_STAMP_FUNCTION = """
CREATE FUNCTION log_entries_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_actor := session_user;
    NEW.db_at := clock_timestamp();
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table), so SQLite's append-only triggers stay.
    op.add_column("log_entries", sa.Column("db_actor", sa.String(length=100), nullable=True))
    op.add_column("log_entries", sa.Column("db_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_STAMP_FUNCTION)
        op.execute(
            "CREATE TRIGGER log_entries_stamp BEFORE INSERT ON log_entries "
            "FOR EACH ROW EXECUTE FUNCTION log_entries_stamp()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER log_entries_stamp ON log_entries")
        op.execute("DROP FUNCTION log_entries_stamp()")
    op.drop_column("log_entries", "db_at")
    op.drop_column("log_entries", "db_actor")
