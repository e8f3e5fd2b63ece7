"""Scans: a request may come from an image of a letter (PNG, JPEG, TIFF), read by OCR

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

A downgrade is refused while any request or import came from a scan: requests are never deleted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("csv", "json", "jsonl", "fhir-json", "fhir-xml", "pdf", "docx", "email", "text")
_AFTER = (*_BEFORE, "scan")


def _in(column: str, values: Sequence[str]) -> sa.TextClause:
    return sa.text(f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")")


def _replace_check(batch_op: BatchOperations, name: str, condition: sa.TextClause) -> None:
    batch_op.drop_constraint(op.f(name), type_="check")
    batch_op.create_check_constraint(op.f(name), condition)


def _formats(values: Sequence[str]) -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        _replace_check(batch_op, "ck_imports_sourceformat", _in("format", values))
    with op.batch_alter_table("requests", schema=None) as batch_op:
        _replace_check(batch_op, "ck_requests_sourceformat", _in("source_format", values))


def upgrade() -> None:
    _formats(_AFTER)


def downgrade() -> None:
    bind = op.get_bind()
    used = bind.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM requests WHERE source_format = 'scan')"
            " + (SELECT count(*) FROM imports WHERE format = 'scan')"
        )
    ).scalar_one()
    if used:
        raise RuntimeError("cannot downgrade: some requests came from scans (never deleted)")
    _formats(_BEFORE)
