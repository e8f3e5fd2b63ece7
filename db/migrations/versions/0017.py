"""A redirect's follow-up: the day by which the service a request was redirected to should
confirm it took the patient on

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28

`decisions.confirm_by` is set on a redirect when it is recorded (28 days on, unless the rule
says otherwise) and is part of its log entry; earlier decisions have none. The column is added
in place: decisions are append-only, and a batch copy would drop the triggers that keep them so.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("confirm_by", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("decisions", "confirm_by")
