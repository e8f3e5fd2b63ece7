"""Letters: a request may come from a PDF, a Word file, an e-mail or a plain-text letter, and a
letter whose patient could not be read waits in needs_details with what a person must complete

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

A downgrade is refused while any request came from a letter or needs details: requests are never
deleted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILES = ("csv", "json", "jsonl", "fhir-json", "fhir-xml")
_LETTERS = ("pdf", "docx", "email", "text")
_STATUSES = ("open", "awaiting_gp", "decided")


def _in(column: str, values: Sequence[str]) -> sa.TextClause:
    return sa.text(f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")")


def _replace_check(batch_op: BatchOperations, name: str, condition: sa.TextClause) -> None:
    batch_op.drop_constraint(op.f(name), type_="check")
    batch_op.create_check_constraint(op.f(name), condition)


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        _replace_check(batch_op, "ck_imports_sourceformat", _in("format", _FILES + _LETTERS))
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details_needed", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        _replace_check(
            batch_op, "ck_requests_sourceformat", _in("source_format", _FILES + _LETTERS)
        )
        _replace_check(batch_op, "ck_requests_status", _in("status", (*_STATUSES, "needs_details")))


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        _replace_check(batch_op, "ck_requests_status", _in("status", _STATUSES))
        _replace_check(batch_op, "ck_requests_sourceformat", _in("source_format", _FILES))
        batch_op.drop_column("details_needed")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        _replace_check(batch_op, "ck_imports_sourceformat", _in("format", _FILES))
