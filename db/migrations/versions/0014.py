"""The most urgent first: the practice's choice of how the queue opens, and an index for the
soonest-due order

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28

`practice.queue_opens` is a queue order ('oldest' or 'due', say); none means oldest first.
The soonest-due order sorted every open request for each page; it now pages along an index on
its key, as the other orders do (migration 0012). Unknown dates sort last: the key is the date
the supply ends, or 9999-12-31, written out as in the queries (db/queries/requests.py), so the
index is on that very expression.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE_ORDER = (
    "CREATE INDEX ix_requests_due_order ON requests "
    "(status, coalesce(supply_ends, '9999-12-31'), received, id)"
)


def upgrade() -> None:
    op.add_column("practice", sa.Column("queue_opens", sa.String(20), nullable=True))
    op.execute(_DUE_ORDER)


def downgrade() -> None:
    op.drop_index("ix_requests_due_order", table_name="requests")
    op.drop_column("practice", "queue_opens")
