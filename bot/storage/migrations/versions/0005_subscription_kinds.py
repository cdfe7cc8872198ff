"""An index on subscriptions' kind and network: a notice finds kind subscribers in SQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_subscriptions_kind_network_id"


def upgrade() -> None:
    """Index the kind subscriptions by kind and network."""
    op.create_index(INDEX, "subscriptions", ["kind", "network_id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(INDEX, table_name="subscriptions")
