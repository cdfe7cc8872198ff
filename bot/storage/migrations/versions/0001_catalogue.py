"""The catalogue: networks, organisations, places, activities and volunteers' changes.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Written out in full rather than from the models, so that it keeps describing this first schema
whatever later revisions change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.String(length=48)
_CODE = sa.String(length=32)


def _record_columns() -> list[sa.Column[Any]]:
    """Columns every catalogue record table starts with."""
    return [
        sa.Column("id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _owner_fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def _create_text_table(table: str, owner_column: str, owner_table: str) -> None:
    op.create_table(
        table,
        sa.Column(owner_column, _ID, nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("language", _CODE, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _owner_fk(table, owner_column, owner_table),
        sa.PrimaryKeyConstraint(owner_column, "field", "position", name=op.f(f"pk_{table}")),
    )


def _create_list_table(
    table: str, owner_column: str, owner_table: str, value: sa.Column[Any]
) -> None:
    op.create_table(
        table,
        sa.Column(owner_column, _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        value,
        _owner_fk(table, owner_column, owner_table),
        sa.PrimaryKeyConstraint(owner_column, "position", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    """Create the catalogue tables."""
    op.create_table(
        "catalogue_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_catalogue_meta")),
    )

    op.create_table(
        "networks",
        *_record_columns(),
        sa.Column("coordinator_email", sa.Text(), nullable=False),
        sa.Column("coordinator_phone", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
    )
    _create_text_table("network_texts", "network_id", "networks")
    _create_list_table(
        "network_municipalities",
        "network_id",
        "networks",
        sa.Column("municipality", sa.Text(), nullable=False),
    )
    _create_list_table(
        "network_languages", "network_id", "networks", sa.Column("language", _CODE, nullable=False)
    )

    op.create_table(
        "organisations",
        *_record_columns(),
        sa.Column("kind", _CODE, nullable=False),
        sa.Column("level", _CODE, nullable=False),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("contact_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    _create_text_table("organisation_texts", "organisation_id", "organisations")
    op.create_table(
        "organisation_networks",
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("network_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_organisation_networks_network_id_networks"),
        ),
        _owner_fk("organisation_networks", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint(
            "organisation_id", "position", name=op.f("pk_organisation_networks")
        ),
    )
    op.create_index(
        op.f("ix_organisation_networks_network_id"), "organisation_networks", ["network_id"]
    )

    op.create_table(
        "places",
        *_record_columns(),
        sa.Column("municipality", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    _create_text_table("place_texts", "place_id", "places")

    op.create_table(
        "activities",
        *_record_columns(),
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("activity_class", _CODE, nullable=False),
        sa.Column("finnish_level", _CODE, nullable=True),
        sa.Column("place_id", _ID, nullable=True),
        sa.Column("has_age", sa.Boolean(), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("contact_url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activities_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_activities_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(op.f("ix_activities_organisation_id"), "activities", ["organisation_id"])
    op.create_index(op.f("ix_activities_place_id"), "activities", ["place_id"])
    _create_text_table("activity_texts", "activity_id", "activities")
    _create_list_table(
        "activity_kinds", "activity_id", "activities", sa.Column("kind", _CODE, nullable=False)
    )
    _create_list_table(
        "activity_audiences",
        "activity_id",
        "activities",
        sa.Column("audience", _CODE, nullable=False),
    )
    _create_list_table(
        "activity_languages",
        "activity_id",
        "activities",
        sa.Column("language", _CODE, nullable=False),
    )
    _create_list_table(
        "activity_stages", "activity_id", "activities", sa.Column("stage", _CODE, nullable=False)
    )

    op.create_table(
        "schedule_rules",
        sa.Column("activity_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("duration", sa.Interval(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        _owner_fk("schedule_rules", "activity_id", "activities"),
        sa.PrimaryKeyConstraint("activity_id", "position", name=op.f("pk_schedule_rules")),
    )
    op.create_table(
        "schedule_exceptions",
        sa.Column("activity_id", _ID, nullable=False),
        sa.Column("rule_position", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id", "rule_position"],
            ["schedule_rules.activity_id", "schedule_rules.position"],
            name=op.f("fk_schedule_exceptions_activity_id_schedule_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "activity_id", "rule_position", "position", name=op.f("pk_schedule_exceptions")
        ),
    )
    op.create_table(
        "one_off_dates",
        sa.Column("activity_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        _owner_fk("one_off_dates", "activity_id", "activities"),
        sa.PrimaryKeyConstraint("activity_id", "position", name=op.f("pk_one_off_dates")),
    )

    op.create_table(
        "occurrence_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("activity_id", _ID, nullable=False),
        sa.Column("original_start", sa.DateTime(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("new_start", sa.DateTime(), nullable=True),
        sa.Column("new_end", sa.DateTime(), nullable=True),
        sa.Column("new_place_id", _ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        _owner_fk("occurrence_changes", "activity_id", "activities"),
        sa.ForeignKeyConstraint(
            ["new_place_id"], ["places.id"], name=op.f("fk_occurrence_changes_new_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occurrence_changes")),
        sa.UniqueConstraint(
            "activity_id",
            "original_start",
            name=op.f("uq_occurrence_changes_activity_id_original_start"),
        ),
    )


_TABLES_IN_CREATION_ORDER = (
    "catalogue_meta",
    "networks",
    "network_texts",
    "network_municipalities",
    "network_languages",
    "organisations",
    "organisation_texts",
    "organisation_networks",
    "places",
    "place_texts",
    "activities",
    "activity_texts",
    "activity_kinds",
    "activity_audiences",
    "activity_languages",
    "activity_stages",
    "schedule_rules",
    "schedule_exceptions",
    "one_off_dates",
    "occurrence_changes",
)


def downgrade() -> None:
    """Drop the catalogue tables (and with them every imported record)."""
    op.drop_index(op.f("ix_activities_place_id"), table_name="activities")
    op.drop_index(op.f("ix_activities_organisation_id"), table_name="activities")
    op.drop_index(op.f("ix_organisation_networks_network_id"), table_name="organisation_networks")
    for table in reversed(_TABLES_IN_CREATION_ORDER):
        op.drop_table(table)
