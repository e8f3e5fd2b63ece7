"""Decisions record the category the request read as, for reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Decisions made before this revision have no category: reports count them as "unrecorded".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f("ix_decisions_category"), ["category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_category"))
        batch_op.drop_column("category")
