"""Assessments: the queue's filterable summary of each request

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=True),
        sa.Column("flags", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_assessments_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_action", ["action"], unique=False)
        batch_op.create_index("ix_assessments_category", ["category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_category")
        batch_op.drop_index("ix_assessments_action")

    op.drop_table("assessments")
