"""People around the newcomers: roles, invites, audit, requests, broadcasts, dialogues.

Also: the outbox's ``batch`` (a broadcast's or request's rows) and ``platform_message_id``
(to match a coordinator's reply to the forwarded message), and volunteers' additions to the
catalogue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _user(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=255), nullable=nullable)


def upgrade() -> None:
    """Create the new tables and outbox columns."""
    # Sessions of events added in the chat can be cancelled or moved too: those events live
    # in catalogue_additions, so the change no longer points at the activities table.
    with op.batch_alter_table("occurrence_changes") as batch:
        batch.drop_constraint("fk_occurrence_changes_activity_id_activities", type_="foreignkey")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("platform_message_id", sa.String(length=255), nullable=True))
        batch.create_index(op.f("ix_outbox_batch"), ["batch"], unique=False)
        batch.create_index(
            "ix_outbox_chat_id_platform_message_id",
            ["chat_id", "platform_message_id"],
            unique=False,
        )
    op.create_table(
        "dialogues",
        _user("user_id"),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dialogues")),
    )
    op.create_table(
        "staff_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _user("user_id"),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        _user("granted_by"),
        sa.Column("granted_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_grants")),
        sa.UniqueConstraint(
            "user_id",
            "organisation_id",
            "role",
            name=op.f("uq_staff_grants_user_id_organisation_id_role"),
        ),
    )
    op.create_index(op.f("ix_staff_grants_user_id"), "staff_grants", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_staff_grants_organisation_id"), "staff_grants", ["organisation_id"], unique=False
    )
    op.create_table(
        "staff_invites",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        _user("created_by"),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        _user("used_by", nullable=True),
        sa.Column("used_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_staff_invites")),
    )
    op.create_index(
        op.f("ix_staff_invites_created_by"), "staff_invites", ["created_by"], unique=False
    )
    op.create_table(
        "role_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _instant(), nullable=False),
        _user("actor"),
        sa.Column("action", sa.String(length=32), nullable=False),
        _user("subject", nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_events")),
    )
    op.create_index(
        op.f("ix_role_events_organisation_id"), "role_events", ["organisation_id"], unique=False
    )
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _user("user_id"),
        _user("chat_id"),
        sa.Column("network_id", sa.String(length=48), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("activity_id", sa.String(length=48), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("raised_at", _instant(), nullable=True),
        sa.Column("answered_at", _instant(), nullable=True),
        sa.Column("closed_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    op.create_index(
        op.f("ix_contact_requests_reference"), "contact_requests", ["reference"], unique=False
    )
    op.create_index(
        op.f("ix_contact_requests_user_id"), "contact_requests", ["user_id"], unique=False
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _user("sender_id"),
        _user("sender_chat_id"),
        sa.Column("organisation_id", sa.String(length=48), nullable=False),
        sa.Column("activity_id", sa.String(length=48), nullable=True),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_sender_id"), "broadcasts", ["sender_id"], unique=False)
    op.create_table(
        "catalogue_additions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("activity_id", sa.String(length=48), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _user("added_by", nullable=True),
        sa.Column("added_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_additions")),
    )
    op.create_index(
        op.f("ix_catalogue_additions_activity_id"),
        "catalogue_additions",
        ["activity_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    for table in (
        "catalogue_additions",
        "broadcasts",
        "contact_requests",
        "role_events",
        "staff_invites",
        "staff_grants",
        "dialogues",
    ):
        op.drop_table(table)
    with op.batch_alter_table("occurrence_changes") as batch:
        batch.create_foreign_key(
            "fk_occurrence_changes_activity_id_activities",
            "activities",
            ["activity_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_chat_id_platform_message_id")
        batch.drop_index(op.f("ix_outbox_batch"))
        batch.drop_column("platform_message_id")
        batch.drop_column("batch")
