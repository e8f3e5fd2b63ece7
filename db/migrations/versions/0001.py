"""Initial schema: users, imports, requests

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "clerk",
                "gp",
                "manager",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_users_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=1000), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "csv",
                "json",
                "jsonl",
                "fhir-json",
                "fhir-xml",
                name="sourceformat",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests_added", sa.Integer(), nullable=False),
        sa.Column("requests_present", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_imports_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("sender_key", sa.String(length=300), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nhs_number", sa.String(length=40), nullable=True),
        sa.Column("nhs_number_valid", sa.Boolean(), nullable=False),
        sa.Column("patient_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("requester", sa.String(length=300), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=False),
        sa.Column(
            "provider_type",
            sa.Enum(
                "nhs",
                "right_to_choose",
                "private",
                "unknown",
                name="providertype",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "request_type",
            sa.Enum(
                "new",
                "continuation",
                "transfer_in",
                name="requesttype",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("medications", sa.JSON(), nullable=False),
        sa.Column("diagnosis", sa.Text(), nullable=True),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column(
            "declared_category",
            sa.Enum(
                "adhd",
                "gender_dysphoria",
                "mgus",
                "bariatric",
                "eating_disorder",
                "dmard",
                "denosumab",
                "psa",
                "inr",
                "mental_health_monitoring",
                "lithium",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "urgency",
            sa.Enum(
                "routine",
                "urgent",
                name="urgency",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("supply_ends", sa.Date(), nullable=True),
        sa.Column("procedure_date", sa.Date(), nullable=True),
        sa.Column("reply_to", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(length=1000), nullable=False),
        sa.Column(
            "source_format",
            sa.Enum(
                "csv",
                "json",
                "jsonl",
                "fhir-json",
                "fhir-xml",
                name="sourceformat",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("source_location", sa.String(length=300), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "awaiting_gp",
                "decided",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_requests_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("sender_key", "ref", name="uq_requests_sender_key_ref"),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requests_nhs_number"), ["nhs_number"], unique=False)
        batch_op.create_index("ix_requests_status_received", ["status", "received"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_status_received")
        batch_op.drop_index(batch_op.f("ix_requests_nhs_number"))

    op.drop_table("requests")
    op.drop_table("imports")
    op.drop_table("users")
