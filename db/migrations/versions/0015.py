"""The soonest-due order by the letter's date too: when each request is due, stored

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28

The soonest-due order and "due within" used the date the supply ends alone, while the queue's
Due column also read the next dose from the letter's words ("next injection due 4 March"), so
a request due soonest by its letter could sort among the undated. `requests.due_on` is the
earlier of the two, written when the letter's words are first read (with the request's
assessment); `due_read` says whether they have been. Every request starts at its supply's end,
unread, and the stored assessments (derived data) are cleared so that the next refresh reads
every undecided request's letter again. The order's index moves to the new key, written out as
in the queries (db/queries/requests.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = (
    "CREATE INDEX ix_requests_due_order ON requests "
    "(status, coalesce({}, '9999-12-31'), received, id)"
)


def upgrade() -> None:
    op.add_column("requests", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column(
        "requests",
        sa.Column("due_read", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute("UPDATE requests SET due_on = supply_ends")
    op.execute("DELETE FROM assessments")
    op.drop_index("ix_requests_due_order", table_name="requests")
    op.execute(_INDEX.format("due_on"))


def downgrade() -> None:
    op.drop_index("ix_requests_due_order", table_name="requests")
    op.execute(_INDEX.format("supply_ends"))
    # Not batch mode: on SQLite that copies the table, losing the search index's triggers
    # (0012); SQLite drops a column in place since 3.35.
    op.execute("ALTER TABLE requests DROP COLUMN due_read")
    op.execute("ALTER TABLE requests DROP COLUMN due_on")
