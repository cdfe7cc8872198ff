"""How far a lease holder's work got: the reminder planner's planned horizon.

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


def upgrade() -> None:
    """Add ``scheduler_leases.done_until`` (empty: no holder has recorded progress yet)."""
    with op.batch_alter_table("scheduler_leases") as table:
        table.add_column(sa.Column("done_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("scheduler_leases") as table:
        table.drop_column("done_until")
