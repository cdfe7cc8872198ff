"""Calendars: ``holidays`` on organisations and activities, and personal calendar feeds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the holiday settings and the table of personal feed tokens (hashes only)."""
    with op.batch_alter_table("organisations") as table:
        table.add_column(sa.Column("holidays", sa.String(length=32), nullable=True))
    with op.batch_alter_table("activities") as table:
        table.add_column(sa.Column("holidays", sa.String(length=32), nullable=True))
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("activities") as table:
        table.drop_column("holidays")
    with op.batch_alter_table("organisations") as table:
        table.drop_column("holidays")
