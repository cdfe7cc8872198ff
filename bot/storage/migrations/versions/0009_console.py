"""The keepers' console (issue 16): drafts, trusted organisations, audit trail, console edits.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the console's tables."""
    op.create_table(
        "console_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("activity_id", sa.String(length=48), nullable=False),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_drafts")),
    )
    op.create_index(
        op.f("ix_console_drafts_activity_id"), "console_drafts", ["activity_id"], unique=False
    )
    op.create_index(
        op.f("ix_console_drafts_organisation_id"),
        "console_drafts",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "console_trusted",
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        sa.Column("marked_by", sa.String(length=255), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_console_trusted")),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("activity_id", sa.String(length=48), nullable=False),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    op.create_index(
        op.f("ix_console_audit_activity_id"), "console_audit", ["activity_id"], unique=False
    )
    op.create_table(
        "console_edits",
        sa.Column("activity_id", sa.String(length=48), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_console_edits")),
    )


def downgrade() -> None:
    """Drop the console's tables."""
    op.drop_table("console_edits")
    op.drop_index(op.f("ix_console_audit_activity_id"), table_name="console_audit")
    op.drop_table("console_audit")
    op.drop_table("console_trusted")
    op.drop_index(op.f("ix_console_drafts_organisation_id"), table_name="console_drafts")
    op.drop_index(op.f("ix_console_drafts_activity_id"), table_name="console_drafts")
    op.drop_table("console_drafts")
