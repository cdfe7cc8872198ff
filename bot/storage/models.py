"""The database schema as SQLAlchemy 2 typed ORM models, one ``Base`` for every table.

Alembic migrations in ``bot/storage/migrations`` must describe exactly this metadata (a test
compares them), and later features add their tables to the same ``Base`` so that constraint
names, generated from :data:`NAMING_CONVENTION`, stay deterministic on every backend.

Design choices, all portable between SQLite and PostgreSQL:

* Catalogue records keep their catalogue ``id`` as primary key: the format promises that ids are
  stable, subscriptions hang on them, and a withdrawn record that comes back keeps its row (and
  so everything that references it).
* Records are never deleted by an import; ``withdrawn_at`` marks the ones missing from the latest
  file. ``position`` keeps file order and ``digest`` (a hash of the domain value) lets an import
  skip records that did not change.
* Multilingual texts live in one child table per owning entity (``network_texts``,
  ``activity_texts``, ...) rather than in one polymorphic ``texts`` table: each row then has a
  real foreign key with ``ON DELETE CASCADE``, and rewriting one entity's texts is a delete by
  an indexed owner column. ``field`` names which text of the owner it is, ``position`` keeps the
  order of languages as written in the file.
* Lists (municipalities, kinds, audiences, spoken languages, ...) are child tables keyed by
  owner and ``position``.
* Local date-times are naive ``DateTime`` (wall time in the catalogue zone, kept in
  ``catalogue_meta``); instants of our own (``withdrawn_at``, ``changed_at``) are aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Interval,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Deterministic constraint names, short enough for PostgreSQL's 63-character limit.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 48
"""Catalogue ids are 1–48 characters (FORMAT.md, Identifiers)."""

CODE_LENGTH = 32
"""Vocabulary values and language codes (``fi-x-plain`` is the longest language code)."""

FIELD_LENGTH = 32
"""Names of text fields such as ``title`` or ``coordinator_name``."""


class Base(DeclarativeBase):
    """The declarative base of every table, carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id_column(primary_key: bool = True) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=primary_key)


def _owner(target: str) -> Mapped[str]:
    return mapped_column(
        String(ID_LENGTH), ForeignKey(target, ondelete="CASCADE"), primary_key=True
    )


class CatalogueMeta(Base):
    """Catalogue-wide values (the time zone, when it was last imported) by key."""

    __tablename__ = "catalogue_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- networks -----------------------------------------------------------------------------------


class NetworkRow(Base):
    """A partnership network; its coordinator is one-to-one and so stored inline."""

    __tablename__ = "networks"

    id: Mapped[str] = _id_column()
    position: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    coordinator_email: Mapped[str] = mapped_column(Text)
    coordinator_phone: Mapped[str | None] = mapped_column(Text)


class NetworkText(Base):
    """One language of one text field (``name``, ``coordinator_name``) of a network."""

    __tablename__ = "network_texts"

    network_id: Mapped[str] = _owner("networks.id")
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)


class NetworkMunicipality(Base):
    """A municipality the network serves, in file order."""

    __tablename__ = "network_municipalities"

    network_id: Mapped[str] = _owner("networks.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(Text)


class NetworkLanguage(Base):
    """A language the network's own services answer in, in file order."""

    __tablename__ = "network_languages"

    network_id: Mapped[str] = _owner("networks.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))


# --- organisations ------------------------------------------------------------------------------


class OrganisationRow(Base):
    """A member organisation; ``has_contact`` tells an absent contact from an empty one."""

    __tablename__ = "organisations"

    id: Mapped[str] = _id_column()
    position: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    level: Mapped[str] = mapped_column(String(CODE_LENGTH))
    holidays: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    has_contact: Mapped[bool] = mapped_column(Boolean)
    contact_email: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    contact_url: Mapped[str | None] = mapped_column(Text)


class OrganisationText(Base):
    """One language of one text field (``name``, ``contact_name``) of an organisation."""

    __tablename__ = "organisation_texts"

    organisation_id: Mapped[str] = _owner("organisations.id")
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)


class OrganisationNetwork(Base):
    """Membership of an organisation in a network, in file order."""

    __tablename__ = "organisation_networks"

    organisation_id: Mapped[str] = _owner("organisations.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("networks.id"), index=True
    )


# --- places -------------------------------------------------------------------------------------


class PlaceRow(Base):
    """A meeting place, physical (address, geo) or online (url)."""

    __tablename__ = "places"

    id: Mapped[str] = _id_column()
    position: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    municipality: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online: Mapped[bool] = mapped_column(Boolean)
    url: Mapped[str | None] = mapped_column(Text)


class PlaceText(Base):
    """One language of one text field (``name``, ``accessibility``) of a place."""

    __tablename__ = "place_texts"

    place_id: Mapped[str] = _owner("places.id")
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)


# --- activities ---------------------------------------------------------------------------------


class ActivityRow(Base):
    """An activity form; ``has_age``/``has_contact`` tell absent values from empty ones."""

    __tablename__ = "activities"

    id: Mapped[str] = _id_column()
    position: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    organisation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisations.id"), index=True
    )
    activity_class: Mapped[str] = mapped_column(String(CODE_LENGTH))
    finnish_level: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    place_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("places.id"), index=True
    )
    has_age: Mapped[bool] = mapped_column(Boolean)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    has_contact: Mapped[bool] = mapped_column(Boolean)
    contact_email: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    contact_url: Mapped[str | None] = mapped_column(Text)
    holidays: Mapped[str | None] = mapped_column(String(CODE_LENGTH))


class ActivityText(Base):
    """One language of one text field (title, description, cost, ...) of an activity."""

    __tablename__ = "activity_texts"

    activity_id: Mapped[str] = _owner("activities.id")
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)


class ActivityKind(Base):
    """A kind from the controlled vocabulary, in file order."""

    __tablename__ = "activity_kinds"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))


class ActivityAudience(Base):
    """An audience the activity is for, in file order (none stored means ``everyone``)."""

    __tablename__ = "activity_audiences"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    audience: Mapped[str] = mapped_column(String(CODE_LENGTH))


class ActivityLanguage(Base):
    """A language spoken at the activity, in file order (none stored means Finnish)."""

    __tablename__ = "activity_languages"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))


class ActivityStage(Base):
    """A stage of the integration arc the activity fits, in file order."""

    __tablename__ = "activity_stages"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(CODE_LENGTH))


class ScheduleRuleRow(Base):
    """A recurring rule (RRULE anchored at a local start); exactly one of end/duration is set."""

    __tablename__ = "schedule_rules"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rrule: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_time: Mapped[time | None] = mapped_column(Time)
    duration: Mapped[timedelta | None] = mapped_column(Interval)
    until: Mapped[date | None] = mapped_column(Date)


class ScheduleException(Base):
    """A local date on which a schedule rule has no occurrence."""

    __tablename__ = "schedule_exceptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["activity_id", "rule_position"],
            ["schedule_rules.activity_id", "schedule_rules.position"],
            ondelete="CASCADE",
        ),
    )

    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    rule_position: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)


class OneOffDateRow(Base):
    """A single local start and end of an activity."""

    __tablename__ = "one_off_dates"

    activity_id: Mapped[str] = _owner("activities.id")
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime] = mapped_column(DateTime)


# --- volunteers' changes ------------------------------------------------------------------------


class OccurrenceChangeRow(Base):
    """A volunteer's change (cancelled or moved) to one occurrence, by its original start.

    Not touched by imports: it survives an activity's withdrawal and reappears with it.
    ``activity_id`` has no foreign key: the activity may be one a volunteer added in the chat
    (kept in ``catalogue_additions``); the store checks it is on offer. ``changed_by`` is the
    volunteer's user id, cleared when they delete their data.
    """

    __tablename__ = "occurrence_changes"
    __table_args__ = (UniqueConstraint("activity_id", "original_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    original_start: Mapped[datetime] = mapped_column(DateTime)
    cancelled: Mapped[bool] = mapped_column(Boolean)
    new_start: Mapped[datetime | None] = mapped_column(DateTime)
    new_end: Mapped[datetime | None] = mapped_column(DateTime)
    new_place_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("places.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- users --------------------------------------------------------------------------------------

USER_ID_LENGTH = 255
"""Platform-qualified user ids: ``telegram:<number>`` or ``matrix:@name:server``."""


class UserRow(Base):
    """A chat user: only their language, network, one waiting question, and whether active.

    Deliberately no name, no phone number and no message history: newcomers are vulnerable
    and the bot needs none of it to answer them.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    network_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    pending: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- reminders and the outbox -------------------------------------------------------------------


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC and read back aware (UTC) on every backend.

    SQLite has no time zone type: SQLAlchemy writes the wall digits and drops the offset, so
    values are normalised to UTC on the way in; then comparisons in SQL are correct on both
    backends, and the value read back is tagged UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; naive values are refused (they would be ambiguous)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Tag naive values read from SQLite as UTC."""
        if value is None or value.tzinfo is UTC:  # PostgreSQL's drivers read UTC already
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


KEY_LENGTH = 512
"""Idempotency keys: a prefix, a user id (up to 255), an activity id (48) and a time."""


class SubscriptionRow(Base):
    """A user's subscription to one activity, or to a kind in a network (``target`` says which).

    No foreign key to ``users`` or ``activities``: a subscription outlives an activity's
    withdrawal (and comes back with it), and it is removed explicitly when the user forgets.
    ``leads`` holds the lead codes, comma-separated (``evening-18:00,before-120m``).
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "target"),
        Index("ix_subscriptions_kind_network_id", "kind", "network_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    chat_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    target: Mapped[str] = mapped_column(String(2 * ID_LENGTH + 4))
    activity_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    kind: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    network_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    leads: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxRow(Base):
    """One message the bot sends on its own, written before it is sent.

    ``state``: ``pending`` → ``sending`` (claimed by ``claimed_by`` until ``claimed_until``) →
    ``sent`` | ``failed`` | ``dropped`` | ``blocked``; a failed attempt goes back to
    ``pending`` with a later ``next_attempt_at``. ``payload`` is the rendered reply as JSON.
    ``expires_at``: not sent after this instant (a reminder's occurrence start).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_channel_state_next_attempt_at", "channel", "state", "next_attempt_at"),
        Index("ix_outbox_chat_id_platform_message_id", "chat_id", "platform_message_id"),
        Index("ix_outbox_category_state_chat_id", "category", "state", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    channel: Mapped[str] = mapped_column(String(CODE_LENGTH))
    chat_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    category: Mapped[str] = mapped_column(String(CODE_LENGTH))
    activity_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    subscription_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    batch: Mapped[str | None] = mapped_column(String(64), index=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(255))


class SchedulerLease(Base):
    """A named lease: the one process holding it (until ``expires_at``) runs that job.

    ``done_until``: how far the holders' work got, for the next holder to carry on from (the
    reminder planner: the end of the last window it planned in full).
    """

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


# --- people around the newcomers: roles, requests, broadcasts, dialogues ---------------------


class DialogueRow(Base):
    """A user's place in a multi-step flow; ``data`` is a small JSON object of strings."""

    __tablename__ = "dialogues"

    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    flow: Mapped[str] = mapped_column(String(CODE_LENGTH))
    step: Mapped[str] = mapped_column(String(CODE_LENGTH))
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffGrantRow(Base):
    """An organiser's or volunteer's role for one organisation (coordinators are configured)."""

    __tablename__ = "staff_grants"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    role: Mapped[str] = mapped_column(String(CODE_LENGTH))
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    granted_by: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffInviteRow(Base):
    """A one-time invite; only a SHA-256 hash of the code is stored."""

    __tablename__ = "staff_invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(CODE_LENGTH))
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_by: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[str | None] = mapped_column(String(USER_ID_LENGTH))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RoleEventRow(Base):
    """The audit trail of role changes: who did what to whom, when."""

    __tablename__ = "role_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    action: Mapped[str] = mapped_column(String(CODE_LENGTH))
    subject: Mapped[str | None] = mapped_column(String(USER_ID_LENGTH))
    role: Mapped[str] = mapped_column(String(CODE_LENGTH))
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)


class ContactRequestRow(Base):
    """A contact or join request; ``name`` only when the user agreed to share it."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    chat_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    network_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    activity_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    raised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BroadcastRow(Base):
    """A volunteer's broadcast; ``versions`` is a JSON list of ``[language, text]`` pairs."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    sender_chat_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    activity_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogueAdditionRow(Base):
    """A date or an event a volunteer added in the chat, merged into the catalogue on load.

    ``kind`` is ``date`` (a one-off session of ``activity_id``) or ``activity`` (a new event);
    ``payload`` is the record in the catalogue interchange format, as JSON.
    """

    __tablename__ = "catalogue_additions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    payload: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(USER_ID_LENGTH))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarFeedRow(Base):
    """A user's personal calendar feed: only a hash of its secret token is kept.

    One per user; a new ``/calendar`` link replaces it, ``/forget`` deletes it.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("token_hash"),)

    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

# --- what newcomers ask for: anonymous daily counters ------------------------------------------


class DemandCountRow(Base):
    """One day's count of one set of structured facts; no text, no user id (issue 13).

    Sets of codes are sorted and comma-joined; an empty string (never NULL) means "none",
    so that the facts can be one unique key on every backend.
    """

    __tablename__ = "demand_counts"
    __table_args__ = (
        UniqueConstraint(
            "day", "network_id", "event", "language", "intent", "kinds", "classes",
            "audiences", "spoken", "municipality", "timed", "found",
            name="uq_demand_counts_facts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    network_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    event: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    intent: Mapped[str] = mapped_column(String(16))
    kinds: Mapped[str] = mapped_column(String(400))
    classes: Mapped[str] = mapped_column(String(100))
    audiences: Mapped[str] = mapped_column(String(200))
    spoken: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200))
    timed: Mapped[bool] = mapped_column(Boolean)
    found: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer)


# --- the keepers' console: one-time sign-in links and browser sessions (issue 16) ------------


class ConsoleLinkRow(Base):
    """A one-time sign-in link sent by ``/console``: only a SHA-256 of its token is kept."""

    __tablename__ = "console_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConsoleSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie, its CSRF secret and its expiry."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- the keepers' console: drafts, trusted organisations, audit, console edits (issue 16) ----


class ConsoleDraftRow(Base):
    """A proposed change of one activity; ``record`` (and ``place``) in the interchange format."""

    __tablename__ = "console_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    author: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    record: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)


class ConsoleTrustedRow(Base):
    """An organisation a coordinator trusts to publish its own changes."""

    __tablename__ = "console_trusted"

    organisation_id: Mapped[str] = _id_column()
    marked_by: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConsoleAuditRow(Base):
    """The console's audit trail: who did what to which activity, when, and the change."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    organisation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    action: Mapped[str] = mapped_column(String(16))
    diff: Mapped[str] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(Integer)


class ConsoleEditRow(Base):
    """An activity the console changed that imported files have not caught up with yet.

    ``digest`` is the published activity's; an import whose file gives a different version
    (or withdraws it, or brings back one withdrawn here) leaves it as the console left it and
    reports a conflict, unless told to overwrite. Cleared once a file agrees.
    """

    __tablename__ = "console_edits"

    activity_id: Mapped[str] = _id_column()
    action: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime())

class InboxRow(Base):
    """One webhook update stored before it was acknowledged, until it is handled.

    Unique on ``(channel, update_id)``: Telegram posts an update again when it got no 200,
    and the second copy is ignored. ``payload`` is the raw update (it holds message text), so
    the row is deleted as soon as the update is handled. ``chat`` is the platform-qualified chat
    whose updates are handled one at a time, in ``update_id`` order.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index("ix_inbox_chat_update_id", "chat", "update_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(CODE_LENGTH))
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboxClaim(Base):
    """Which instance handles a chat's inbox rows, until when (it renews while it works).

    A chat without a row here, or whose claim ran out (the instance died), is free to take.
    """

    __tablename__ = "inbox_claims"

    chat: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
