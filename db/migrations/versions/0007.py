"""Letters: a request may come from a PDF, a Word file, an e-mail or a plain-text letter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

A downgrade is refused while any request came from a letter: requests are never deleted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILES = ("csv", "json", "jsonl", "fhir-json", "fhir-xml")
_LETTERS = ("pdf", "docx", "email", "text")


def _allow(formats: Sequence[str]) -> None:
    """Requests and imports both record the format their file was in."""
    allowed = ", ".join(f"'{name}'" for name in formats)
    for table, column in (("requests", "source_format"), ("imports", "format")):
        name = op.f(f"ck_{table}_sourceformat")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
            batch_op.create_check_constraint(name, sa.text(f"{column} IN ({allowed})"))


def upgrade() -> None:
    _allow(_FILES + _LETTERS)


def downgrade() -> None:
    _allow(_FILES)
