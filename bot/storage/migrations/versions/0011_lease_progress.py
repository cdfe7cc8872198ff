"""How far a lease holder's work got (the planner's horizon); outbox rows by subscription.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEX = "ix_outbox_subscription_id"


def upgrade() -> None:
    """Add ``scheduler_leases.done_until`` (empty: nothing recorded yet) and the index.

    A kind subscription's day digests are found by subscription when a session they list
    changes.
    """
    with op.batch_alter_table("scheduler_leases") as table:
        table.add_column(sa.Column("done_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(INDEX, "outbox", ["subscription_id"])


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index(INDEX, table_name="outbox")
    with op.batch_alter_table("scheduler_leases") as table:
        table.drop_column("done_until")
