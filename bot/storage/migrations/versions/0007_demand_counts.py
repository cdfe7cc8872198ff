"""Anonymous daily counters of what newcomers ask for (issue 13): no text, no user id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "demand_counts"


def upgrade() -> None:
    """Create the counters table."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("network_id", sa.String(length=48), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("kinds", sa.String(length=400), nullable=False),
        sa.Column("classes", sa.String(length=100), nullable=False),
        sa.Column("audiences", sa.String(length=200), nullable=False),
        sa.Column("spoken", sa.String(length=200), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("timed", sa.Boolean(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_counts")),
        sa.UniqueConstraint(
            "day", "network_id", "event", "language", "intent", "kinds", "classes",
            "audiences", "spoken", "municipality", "timed", "found",
            name="uq_demand_counts_facts",
        ),
    )
    op.create_index(op.f("ix_demand_counts_day"), TABLE, ["day"], unique=False)


def downgrade() -> None:
    """Drop the counters table."""
    op.drop_index(op.f("ix_demand_counts_day"), table_name=TABLE)
    op.drop_table(TABLE)
