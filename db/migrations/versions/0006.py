"""A request's type may be blank: the letter's own words then say what kind it is

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

Requests stored before this revision keep the type they were stored with: a blank one was stored
as "new" and cannot be told apart now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REQUEST_TYPE = sa.Enum(
    "new",
    "continuation",
    "transfer_in",
    name="requesttype",
    native_enum=False,
    create_constraint=True,
    length=30,
)


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column("request_type", existing_type=_REQUEST_TYPE, nullable=True)


def downgrade() -> None:
    op.execute("UPDATE requests SET request_type = 'new' WHERE request_type IS NULL")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column("request_type", existing_type=_REQUEST_TYPE, nullable=False)
