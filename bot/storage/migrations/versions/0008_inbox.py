"""The webhook inbox (issue 14): updates stored before they are acknowledged, per-chat claims.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the inbox and the claims tables, and index the outbox for reply order."""
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_inbox_channel_update_id")),
    )
    op.create_index("ix_inbox_chat_update_id", "inbox", ["chat", "update_id"], unique=False)
    op.create_table(
        "inbox_claims",
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("chat", name=op.f("pk_inbox_claims")),
    )
    # Replies wait for their chat's earlier replies: finding those must not scan reminders.
    op.create_index(
        "ix_outbox_category_state_chat_id", "outbox", ["category", "state", "chat_id"]
    )


def downgrade() -> None:
    """Drop both tables (updates not yet handled are lost)."""
    op.drop_index("ix_outbox_category_state_chat_id", table_name="outbox")
    op.drop_table("inbox_claims")
    op.drop_index("ix_inbox_chat_update_id", table_name="inbox")
    op.drop_table("inbox")
