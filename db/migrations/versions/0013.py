"""Assignment: the person a request is assigned to, for "my work" and the team's lists

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28

Who assigned it, and any message with it or with handing it back, are in the decision log
(events `assigned` and `handed_back`); the row only says who has it now. The index serves each
person's list (their requests waiting, oldest first).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table), so SQLite's triggers stay. Alembic cannot
    # add SQLite's foreign key this way; SQLite is given the column's REFERENCES by hand.
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "requests",
            sa.Column("assigned_to_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        )
    else:
        op.execute("ALTER TABLE requests ADD COLUMN assigned_to_id INTEGER REFERENCES users (id)")
    op.create_index(
        "ix_requests_assigned_to_id_status", "requests", ["assigned_to_id", "status", "received"]
    )


def downgrade() -> None:
    op.drop_index("ix_requests_assigned_to_id_status", table_name="requests")
    op.drop_column("requests", "assigned_to_id")
