"""Originals: each letter's file as it arrived, by SHA-256, the request that came from it, and
where in the letter each of its identifiers was read

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "originals",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=1000), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_originals")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("read_from", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_requests_original_sha256_originals"),
            "originals",
            ["original_sha256"],
            ["sha256"],
        )


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_requests_original_sha256_originals"), type_="foreignkey"
        )
        batch_op.drop_column("read_from")
        batch_op.drop_column("original_sha256")
    op.drop_table("originals")
