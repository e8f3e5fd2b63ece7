"""Existing patients: the caseload imported from the clinical system, and the log searchable by
the kind of entry

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28

`caseload` holds each existing shared-care patient on each medicine, as the practice's search
export last gave them (docs/caseload.md). What the practice sends about them (notice, covering
letters, replies, reminders) is kept in the decision log itself, letters included, so the log is
read by its kind of entry: hence the index on `log_entries.event`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caseload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nhs_number", sa.String(10), nullable=False),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("medication", sa.String(300), nullable=False),
        sa.Column("medication_key", sa.String(300), nullable=False),
        sa.Column("team", sa.String(300), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("last_review", sa.Date(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("supply_ends", sa.Date(), nullable=True),
        sa.Column("source", sa.String(1100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_caseload_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload")),
        sa.UniqueConstraint("nhs_number", "medication_key", name=op.f("uq_caseload_nhs_number")),
    )
    op.create_index("ix_caseload_nhs_number", "caseload", ["nhs_number"])
    op.create_index("ix_caseload_category", "caseload", ["category"])
    op.create_index("ix_log_entries_event", "log_entries", ["event"])


def downgrade() -> None:
    op.drop_index("ix_log_entries_event", table_name="log_entries")
    op.drop_table("caseload")
