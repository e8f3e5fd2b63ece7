"""An import's record written last: on PostgreSQL the constraint from a request to its import is
checked when the transaction commits, if the transaction asks

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28

An import stores a file's requests a batch at a time as it reads the file, and writes the
import's record (who, the file's SHA-256, and the counts) once the whole file has been read: the
counts are not known before, and nobody is granted UPDATE on `imports` to fill them in later.
The requests name the record by an id taken beforehand, so the constraint from
`requests.import_id` to `imports.id` must wait for the commit. PostgreSQL defers only a
constraint declared DEFERRABLE; it stays INITIALLY IMMEDIATE, so only an import's transaction
defers it (SET CONSTRAINTS). SQLite defers every foreign key of a transaction that asks (PRAGMA
defer_foreign_keys), so nothing changes there: its table would have to be copied to change a
constraint.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONSTRAINT = "fk_requests_import_id_imports"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE requests ALTER CONSTRAINT {_CONSTRAINT} DEFERRABLE")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE requests ALTER CONSTRAINT {_CONSTRAINT} NOT DEFERRABLE")
