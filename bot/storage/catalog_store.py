"""The catalogue repository: apply an imported catalogue, load what is on offer, keep changes.

An import is one transaction that adds new records, rewrites changed ones, withdraws the ones
missing from the file (they stay, marked ``withdrawn_at``, with everything that references
them) and restores withdrawn ones that come back. It works in bulk (Core executemany), touching
only records whose content digest changed, so a 10,000-activity file takes seconds.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.storage import models
from bot.storage.database import SessionSource
from bot.storage.rows import (
    ACTIVITIES,
    NETWORKS,
    ORGANISATIONS,
    PLACES,
    ChildRows,
    Identified,
    RecordType,
    StoredRow,
    digest,
    table_of,
)
from catalog.additions import (
    AddedDate,
    activity_from_payload,
    activity_payload,
    date_from_payload,
    date_payload,
    date_problems,
    with_additions,
)
from catalog.edits import activity_fits
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    OccurrenceChange,
    OneOffDate,
    Place,
    PlaceId,
)
from handlers.core.events import UserId

_META = table_of(models.CatalogueMeta)
_ACTIVITIES = table_of(models.ActivityRow)
_PLACES = table_of(models.PlaceRow)
_CHANGES = table_of(models.OccurrenceChangeRow)
_ADDITIONS = table_of(models.CatalogueAdditionRow)
_ORGANISATIONS = table_of(models.OrganisationRow)
_CONSOLE_EDITS = table_of(models.ConsoleEditRow)

_ADDITIONS_LOCK = 0x7461726B
"""The PostgreSQL advisory lock that serialises additions (checking an id, then adding it)."""

ADDED_DATE = "date"
ADDED_ACTIVITY = "activity"
"""The two kinds of ``catalogue_additions`` rows."""

TIMEZONE_KEY = "timezone"
IMPORTED_AT_KEY = "imported_at"
EDITED_AT_KEY = "console_edited_at"
"""When the keepers' console last changed the catalogue (part of the fingerprint)."""

_CHUNK = 500
"""Ids per ``IN (...)`` list, well under every backend's bound-parameter limit."""

T = TypeVar("T")
RecordT = TypeVar("RecordT", bound=Identified)


class CatalogueMissingError(LookupError):
    """No catalogue has been imported into this database yet."""


class UnknownRecordError(LookupError):
    """A change names an activity or place that is not on offer."""


class DuplicateRecordError(ValueError):
    """An added event would take an id the catalogue already uses."""


class TooManyWithdrawalsError(Exception):
    """An import would withdraw more of the activities on offer than allowed; nothing changed.

    A truncated but valid file would otherwise quietly take most activities off offer.
    ``summary`` is what the import would have done.
    """

    def __init__(self, summary: ImportSummary) -> None:
        activities = summary.changes.get("activities", RecordChanges())
        super().__init__(
            f"would withdraw {len(activities.withdrawn)} of {activities.offered_before} activities"
        )
        self.summary = summary


@dataclass(frozen=True, slots=True)
class RecordCounts:
    """What an import did to one record type.

    ``restored`` counts withdrawn records that came back (whether or not their content changed);
    ``updated`` counts offered records whose content changed.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    restored: int = 0


@dataclass(frozen=True, slots=True)
class RecordChanges:
    """Which records of one type an import adds, rewrites, withdraws and restores (by id).

    ``offered_before`` counts the records on offer before the import, for the withdrawal
    guard.
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    withdrawn: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    offered_before: int = 0


class ConflictReason(StrEnum):
    """How a file disagrees with the keepers' console about one activity."""

    CHANGED = "changed"
    """The file has another version of an activity edited in the console."""
    MISSING = "missing"
    """The file lacks an activity added or edited in the console."""
    WITHDRAWN = "withdrawn"
    """The file has an activity withdrawn in the console."""


@dataclass(frozen=True, slots=True)
class ConsoleConflict:
    """One activity an import found changed in the console since a file last agreed with it.

    ``kept``: the console's version stays (the default); otherwise the file's replaced it
    (``--overwrite-console``, or the console's version refers to records the file dropped).
    """

    activity: str
    reason: ConflictReason
    kept: bool


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did (or, in a dry run, would do), per record type."""

    networks: RecordCounts
    organisations: RecordCounts
    places: RecordCounts
    activities: RecordCounts
    timezone_changed: bool = False
    changes: Mapping[str, RecordChanges] = field(default_factory=dict, compare=False)
    """The ids behind the counts, by record type (``"activities"``…)."""
    applied: bool = True
    """False for a dry run: nothing was written."""
    sessions: int = 0
    """Per-session changes an outside source added, replaced or removed (see apply)."""
    conflicts: tuple[ConsoleConflict, ...] = ()
    """Activities the keepers' console changed that the file disagrees with (see apply)."""

    @property
    def changed(self) -> bool:
        """True when the import changed anything that readers see."""
        return self.timezone_changed or self.sessions > 0 or any(
            counts.added or counts.updated or counts.withdrawn or counts.restored
            for counts in (self.networks, self.organisations, self.places, self.activities)
        )

    def as_dict(self) -> dict[str, dict[str, int]]:
        """Return the counts as plain data, e.g. for a log line or an admin reply."""
        return {
            name: {f.name: getattr(counts, f.name) for f in fields(RecordCounts)}
            for name, counts in (
                ("networks", self.networks),
                ("organisations", self.organisations),
                ("places", self.places),
                ("activities", self.activities),
            )
        }


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Stored(NamedTuple):
    """What an import needs to know about a record already in the database."""

    digest: str
    position: int
    withdrawn: bool


@dataclass(slots=True)
class _Plan:
    """The statements one record type needs, worked out before anything is written."""

    inserts: list[dict[str, Any]]
    rewrites: list[dict[str, Any]]
    moves: list[dict[str, Any]]
    withdrawals: list[str]
    children: dict[str, list[dict[str, Any]]]
    counts: RecordCounts
    changes: RecordChanges = RecordChanges()

    @property
    def rewritten_ids(self) -> list[str]:
        """Ids of existing records whose child rows are replaced."""
        return [row["b_id"] for row in self.rewrites]


def _plan(
    record_type: RecordType[Any],
    records: Sequence[Any],
    existing: Mapping[str, _Stored],
) -> _Plan:
    """Compare the file's records with the stored ones and decide what to write."""
    plan = _Plan([], [], [], [], defaultdict(list), RecordCounts())
    added = updated = unchanged = restored = 0
    ids: dict[str, list[str]] = {"added": [], "updated": [], "restored": []}
    for position, record in enumerate(records):
        fingerprint = digest(record)
        old = existing.get(record.id)
        was_withdrawn = old is not None and old.withdrawn
        if old is None or old.digest != fingerprint:
            rows = record_type.to_rows(record)
            main = {**rows.main, "position": position, "digest": fingerprint, "withdrawn_at": None}
            if old is None:
                plan.inserts.append(main)
            else:
                main["b_id"] = main.pop("id")
                plan.rewrites.append(main)
            for table_name, child_rows in rows.children.items():
                plan.children[table_name].extend(child_rows)
        elif was_withdrawn or old.position != position:
            plan.moves.append({"b_id": record.id, "position": position, "withdrawn_at": None})
        if old is None:
            added += 1
            ids["added"].append(record.id)
        elif was_withdrawn:
            restored += 1
            ids["restored"].append(record.id)
        elif old.digest != fingerprint:
            updated += 1
            ids["updated"].append(record.id)
        else:
            unchanged += 1
    in_file = {record.id for record in records}
    plan.withdrawals = [
        record_id
        for record_id, old in existing.items()
        if not old.withdrawn and record_id not in in_file
    ]
    plan.counts = RecordCounts(added, updated, unchanged, len(plan.withdrawals), restored)
    plan.changes = RecordChanges(
        tuple(ids["added"]),
        tuple(ids["updated"]),
        tuple(plan.withdrawals),
        tuple(ids["restored"]),
        offered_before=sum(not old.withdrawn for old in existing.values()),
    )
    return plan


async def _execute_many(
    connection: AsyncConnection, statement: Any, rows: Sequence[Mapping[str, Any]]
) -> None:
    if rows:  # an empty parameter list would run the statement once with no values
        await connection.execute(statement, list(rows))


async def _write(
    connection: AsyncConnection, record_type: RecordType[Any], plan: _Plan, now: datetime
) -> None:
    table = record_type.table
    by_id = table.c.id == bindparam("b_id")
    for chunk in _chunks(plan.rewritten_ids):
        for child in reversed(record_type.children):
            owner = child.table.c[child.owner_column]
            await connection.execute(delete(child.table).where(owner.in_(chunk)))
    await _execute_many(connection, update(table).where(by_id), plan.rewrites)
    await _execute_many(connection, update(table).where(by_id), plan.moves)
    await _execute_many(connection, insert(table), plan.inserts)
    for child in record_type.children:
        await _execute_many(
            connection, insert(child.table), plan.children.get(child.table.name, ())
        )
    for chunk in _chunks(plan.withdrawals):
        await connection.execute(
            update(table).where(table.c.id.in_(chunk)).values(withdrawn_at=now)
        )


async def _planned(
    connection: AsyncConnection, record_type: RecordType[Any], records: Sequence[Any]
) -> _Plan:
    """What importing ``records`` would write, from the stored digests (nothing written)."""
    table = record_type.table
    result = await connection.execute(
        select(table.c.id, table.c.digest, table.c.position, table.c.withdrawn_at)
    )
    existing = {
        row.id: _Stored(row.digest, row.position, row.withdrawn_at is not None) for row in result
    }
    return _plan(record_type, records, existing)


def withdraws_too_many(changes: RecordChanges, share: float) -> bool:
    """Whether more than ``share`` of the records on offer would be withdrawn."""
    return len(changes.withdrawn) > share * changes.offered_before


async def _replace_meta(connection: AsyncConnection, values: Mapping[str, str]) -> str | None:
    """Store catalogue-wide values; returns the previous time zone.

    Runs first in an import and writes before it reads, so that on SQLite the transaction
    holds the write lock from its start (a concurrent writer waits instead of failing), and on
    PostgreSQL a second import waits on the locked ``imported_at`` row until this one ends.
    """
    await connection.execute(delete(_META).where(_META.c.key == IMPORTED_AT_KEY))
    previous = await connection.scalar(select(_META.c.value).where(_META.c.key == TIMEZONE_KEY))
    await connection.execute(delete(_META).where(_META.c.key.in_(list(values))))
    await connection.execute(insert(_META), [{"key": k, "value": v} for k, v in values.items()])
    return previous


async def _active_rows(connection: AsyncConnection, table: Table) -> list[StoredRow]:
    result = await connection.execute(
        select(table).where(table.c.withdrawn_at.is_(None)).order_by(table.c.position)
    )
    return list(result.mappings())


async def _children_by_owner(
    connection: AsyncConnection, record_type: RecordType[Any]
) -> dict[str, dict[str, list[StoredRow]]]:
    """Child rows of offered records: owner id -> table name -> rows in key order."""
    owners = record_type.table
    grouped: dict[str, dict[str, list[StoredRow]]] = defaultdict(lambda: defaultdict(list))
    for child in record_type.children:
        owner = child.table.c[child.owner_column]
        statement = (
            select(child.table)
            .join(owners, owners.c.id == owner)
            .where(owners.c.withdrawn_at.is_(None))
            .order_by(*child.table.primary_key.columns)
        )
        for row in (await connection.execute(statement)).mappings():
            grouped[row[child.owner_column]][child.table.name].append(row)
    return grouped


async def _load_records(
    connection: AsyncConnection, record_type: RecordType[RecordT]
) -> tuple[RecordT, ...]:
    main_rows = await _active_rows(connection, record_type.table)
    children = await _children_by_owner(connection, record_type)
    empty: ChildRows = {}
    return tuple(record_type.from_rows(row, children.get(row["id"], empty)) for row in main_rows)


def _change_from_row(row: StoredRow) -> OccurrenceChange:
    new_place = row["new_place_id"]
    return OccurrenceChange(
        activity=ActivityId(row["activity_id"]),
        original_start=row["original_start"],
        cancelled=row["cancelled"],
        new_start=row["new_start"],
        new_end=row["new_end"],
        new_place=PlaceId(new_place) if new_place is not None else None,
        reason=row["reason"],
    )


async def _is_offered(connection: AsyncConnection, table: Table, record_id: str) -> bool:
    found = await connection.scalar(
        select(table.c.id).where(table.c.id == record_id, table.c.withdrawn_at.is_(None))
    )
    return found is not None


@dataclass(frozen=True, slots=True)
class SourceSessions:
    """An outside source's per-session changes, written in the same transaction as its records.

    ``scope`` is the activities the source owns (before and after the import): its earlier
    changes to them (``changed_by == marker``) that it no longer gives are removed. Its change
    of a session replaces a volunteer's change of the same session (the organiser's word wins).
    """

    marker: str
    scope: frozenset[str]
    changes: tuple[OccurrenceChange, ...]


def _same_change(row: StoredRow, change: OccurrenceChange, marker: str) -> bool:
    return bool(
        row["changed_by"] == marker
        and row["cancelled"] == change.cancelled
        and row["new_start"] == change.new_start
        and row["new_end"] == change.new_end
        and row["new_place_id"] == change.new_place
        and row["reason"] == change.reason
    )


async def _sync_source_sessions(
    connection: AsyncConnection, sessions: SourceSessions, now: datetime, *, write: bool
) -> int:
    """Make the source's stored changes equal to ``sessions.changes``; count what differs."""
    existing: dict[tuple[str, datetime], StoredRow] = {}
    for chunk in _chunks(sorted(sessions.scope | {c.activity for c in sessions.changes})):
        result = await connection.execute(select(_CHANGES).where(_CHANGES.c.activity_id.in_(chunk)))
        for row in result.mappings():
            existing[(row["activity_id"], row["original_start"])] = row
    wanted = {(c.activity, c.original_start): c for c in sessions.changes}
    stale = [
        row["id"]
        for key, row in existing.items()
        if row["changed_by"] == sessions.marker and key not in wanted
    ]
    fresh = [
        change
        for key, change in wanted.items()
        if key not in existing or not _same_change(existing[key], change, sessions.marker)
    ]
    if write:
        for chunk in _chunks(stale):
            await connection.execute(delete(_CHANGES).where(_CHANGES.c.id.in_(chunk)))
        for change in fresh:
            old = existing.get((change.activity, change.original_start))
            if old is not None:
                await connection.execute(delete(_CHANGES).where(_CHANGES.c.id == old["id"]))
            await connection.execute(
                insert(_CHANGES).values(
                    activity_id=change.activity,
                    original_start=change.original_start,
                    cancelled=change.cancelled,
                    new_start=change.new_start,
                    new_end=change.new_end,
                    new_place_id=change.new_place,
                    reason=change.reason,
                    changed_by=sessions.marker,
                    changed_at=now,
                )
            )
    return len(stale) + len(fresh)


class CatalogStore:
    """Reads and writes the catalogue and volunteers' occurrence changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def apply(
        self,
        catalogue: Catalogue,
        *,
        dry_run: bool = False,
        max_withdrawn_share: float | None = None,
        source_sessions: SourceSessions | None = None,
        overwrite_console: bool = False,
    ) -> ImportSummary:
        """Make the stored catalogue equal to ``catalogue``, in one transaction.

        The catalogue must be valid (the parser checks references); a database error rolls
        everything back and propagates. A ``dry_run`` works out the same summary and writes
        nothing. With ``max_withdrawn_share`` an import that would withdraw more than that
        share of the activities on offer raises :class:`TooManyWithdrawalsError` and
        changes nothing. ``source_sessions`` (an outside source's import) writes that source's
        per-session changes in the same transaction.

        Activities changed in the keepers' console since a file last agreed with them are
        left as the console left them and listed in ``conflicts`` (:func:`_respect_console`);
        ``overwrite_console`` lets the file win instead.
        """
        now = _utc_now()
        async with self._sessions() as session, session.begin():
            connection = await session.connection()
            if dry_run:
                previous_zone = await connection.scalar(
                    select(_META.c.value).where(_META.c.key == TIMEZONE_KEY)
                )
            else:
                previous_zone = await _replace_meta(
                    connection,
                    {TIMEZONE_KEY: catalogue.timezone, IMPORTED_AT_KEY: now.isoformat()},
                )
            catalogue, conflicts = await _respect_console(
                connection, catalogue, overwrite=overwrite_console, write=not dry_run
            )
            record_types = (
                ("networks", NETWORKS, catalogue.networks),
                ("organisations", ORGANISATIONS, catalogue.organisations),
                ("places", PLACES, catalogue.places),
                ("activities", ACTIVITIES, catalogue.activities),
            )
            plans = [
                (name, record_type, await _planned(connection, record_type, records))
                for name, record_type, records in record_types
            ]
            networks, organisations, places, activities = (plan.counts for *_, plan in plans)
            summary = ImportSummary(
                networks,
                organisations,
                places,
                activities,
                timezone_changed=previous_zone is not None
                and previous_zone != catalogue.timezone,
                changes={name: plan.changes for name, _, plan in plans},
                applied=not dry_run,
                conflicts=conflicts,
            )
            if max_withdrawn_share is not None and withdraws_too_many(
                plans[-1][2].changes, max_withdrawn_share
            ):
                raise TooManyWithdrawalsError(replace(summary, applied=False))  # rolls back
            if not dry_run:
                for _, record_type, plan in plans:
                    await _write(connection, record_type, plan, now)
            if source_sessions is not None:
                count = await _sync_source_sessions(
                    connection, source_sessions, now, write=not dry_run
                )
                summary = replace(summary, sessions=count)
        return summary

    async def fingerprint(self) -> str:
        """A short text that changes with every import, console edit, change and addition.

        Cheap enough to poll: a running bot compares it to notice work done by another
        process (``tarjotin import``, a volunteer's change).
        """
        async with self._sessions() as session:
            connection = await session.connection()
            imported = await connection.scalar(
                select(_META.c.value).where(_META.c.key == IMPORTED_AT_KEY)
            )
            edited = await connection.scalar(
                select(_META.c.value).where(_META.c.key == EDITED_AT_KEY)
            )
            newest, count = (
                await connection.execute(
                    select(func.max(_CHANGES.c.changed_at), func.count()).select_from(_CHANGES)
                )
            ).one()
            last_added, added = (
                await connection.execute(
                    select(func.max(_ADDITIONS.c.id), func.count()).select_from(_ADDITIONS)
                )
            ).one()
        return f"{imported}|{edited}|{newest}|{count}|{last_added}|{added}"

    async def is_empty(self) -> bool:
        """Tell whether no catalogue has been applied yet."""
        async with self._sessions() as session:
            connection = await session.connection()
            zone = await connection.scalar(select(_META.c.value).where(_META.c.key == TIMEZONE_KEY))
            return zone is None

    async def load(self, *, with_added: bool = True) -> Catalogue:
        """Read the catalogue on offer: records not withdrawn, in the order of the latest file.

        ``with_added=False`` leaves out what volunteers added in the chat (what imports
        compare with). Raises :class:`CatalogueMissingError` when nothing has been imported yet.
        """
        async with self._sessions() as session, session.begin():
            connection = await _snapshot_connection(session)
            zone = await connection.scalar(select(_META.c.value).where(_META.c.key == TIMEZONE_KEY))
            if zone is None:
                raise CatalogueMissingError("no catalogue has been imported")
            catalogue = Catalogue(
                timezone=zone,
                networks=await _load_records(connection, NETWORKS),
                organisations=await _load_records(connection, ORGANISATIONS),
                places=await _load_records(connection, PLACES),
                activities=await _load_records(connection, ACTIVITIES),
            )
            if not with_added:
                return catalogue
            dates, activities = await _load_additions(connection)
        return with_additions(catalogue, dates, activities)

    async def add_date(self, activity: ActivityId, when: OneOffDate, added_by: str | None) -> None:
        """Add a one-off session to an activity on offer (from the file or added in the chat).

        Raises :class:`UnknownRecordError` when the activity is not on offer and
        ``ValueError`` when the date ends before it starts or cannot be written exactly.
        """
        async with self._sessions() as session, session.begin():
            await _add_date(await session.connection(), activity, when, added_by)

    async def add_activity(self, activity: Activity, added_by: str | None) -> None:
        """Add a new event of an organisation on offer, findable by the next :meth:`load`.

        Raises :class:`DuplicateRecordError` when the id is already used (by a record on offer,
        a withdrawn one that may come back, or an earlier added event),
        :class:`UnknownRecordError` when its organisation or place is not on offer, and
        ``ValueError`` when the catalogue format cannot hold it exactly.
        """
        async with self._sessions() as session, session.begin():
            await _add_activity(await session.connection(), activity, added_by)

    async def additions(self) -> tuple[list[AddedDate], list[Activity]]:
        """Every stored addition (on offer or not), oldest first: dates, then events."""
        async with self._sessions() as session:
            connection = await session.connection()
            return await _load_additions(connection)

    async def set_occurrence_change(self, change: OccurrenceChange, changed_by: str | None) -> None:
        """Record (or replace) the change to one occurrence of an offered activity.

        Raises :class:`UnknownRecordError` when the activity or the new place is not on offer.
        """
        async with self._sessions() as session, session.begin():
            await _set_occurrence_change(await session.connection(), change, changed_by)

    async def clear_occurrence_change(self, activity: ActivityId, original_start: datetime) -> bool:
        """Undo the change to one occurrence; False when there was none."""
        async with self._sessions() as session, session.begin():
            connection = await session.connection()
            result = await connection.execute(
                delete(_CHANGES).where(
                    _CHANGES.c.activity_id == activity,
                    _CHANGES.c.original_start == original_start,
                )
            )
            return bool(result.rowcount)

    async def occurrence_changes(self) -> list[OccurrenceChange]:
        """List changes to offered activities, in catalogue order and then by original start.

        Changes to a withdrawn activity are kept and come back when the activity does.
        """
        added = select(_ADDITIONS.c.activity_id).where(_ADDITIONS.c.kind == ADDED_ACTIVITY)
        statement = (
            select(_CHANGES)
            .outerjoin(_ACTIVITIES, _ACTIVITIES.c.id == _CHANGES.c.activity_id)
            .where(
                or_(
                    and_(_ACTIVITIES.c.id.is_not(None), _ACTIVITIES.c.withdrawn_at.is_(None)),
                    # An event a volunteer added lives in the additions, not in activities.
                    and_(_ACTIVITIES.c.id.is_(None), _CHANGES.c.activity_id.in_(added)),
                )
            )
            .order_by(
                _ACTIVITIES.c.position.is_(None),
                _ACTIVITIES.c.position,
                _CHANGES.c.activity_id,
                _CHANGES.c.original_start,
            )
        )
        async with self._sessions() as session:
            connection = await session.connection()
            result = await connection.execute(statement)
            return [_change_from_row(row) for row in result.mappings()]


async def _load_additions(
    connection: AsyncConnection, kind: str | None = None, activity: str | None = None
) -> tuple[list[AddedDate], list[Activity]]:
    """Stored additions in the order they were made (optionally of one kind and activity)."""
    statement = select(_ADDITIONS.c.kind, _ADDITIONS.c.activity_id, _ADDITIONS.c.payload)
    if kind is not None:
        statement = statement.where(_ADDITIONS.c.kind == kind)
    if activity is not None:
        statement = statement.where(_ADDITIONS.c.activity_id == activity)
    dates: list[AddedDate] = []
    activities: list[Activity] = []
    for row in await connection.execute(statement.order_by(_ADDITIONS.c.id)):
        if row.kind == ADDED_DATE:
            dates.append(AddedDate(ActivityId(row.activity_id), date_from_payload(row.payload)))
        elif row.kind == ADDED_ACTIVITY:
            activities.append(activity_from_payload(row.payload))
    return dates, activities


async def _offered_frame(connection: AsyncConnection) -> Catalogue:
    """The organisations and places on offer (no activities): enough to check an addition."""
    return Catalogue(
        timezone="",
        networks=(),
        organisations=await _load_records(connection, ORGANISATIONS),
        places=await _load_records(connection, PLACES),
        activities=(),
    )


async def _lock_additions(connection: AsyncConnection) -> None:
    """Serialise additions on PostgreSQL with a transaction-scoped advisory lock.

    Two volunteers adding the same event id at once then cannot both pass the check. SQLite
    transactions here start with ``BEGIN IMMEDIATE`` and are serialised already.
    """
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADDITIONS_LOCK}
        )


async def _insert_addition(
    connection: AsyncConnection, kind: str, activity: str, payload: str, added_by: str | None
) -> None:
    await connection.execute(
        insert(_ADDITIONS).values(
            kind=kind,
            activity_id=activity,
            payload=payload,
            added_by=added_by,
            added_at=_utc_now(),
        )
    )


async def _is_added_activity(connection: AsyncConnection, activity: str) -> bool:
    found = await connection.scalar(
        select(_ADDITIONS.c.id).where(
            _ADDITIONS.c.kind == ADDED_ACTIVITY, _ADDITIONS.c.activity_id == activity
        )
    )
    return found is not None


async def _check_offered(connection: AsyncConnection, change: OccurrenceChange) -> None:
    if not await _is_offered(
        connection, _ACTIVITIES, change.activity
    ) and not await _is_added_activity(connection, change.activity):
        raise UnknownRecordError(f"activity {change.activity!r} is not on offer")
    if change.new_place is not None and not await _is_offered(
        connection, _PLACES, change.new_place
    ):
        raise UnknownRecordError(f"place {change.new_place!r} is not on offer")


async def _snapshot_connection(session: AsyncSession) -> AsyncConnection:
    """Get the session's connection, reading one consistent snapshot across statements.

    SQLite transactions already are snapshots; PostgreSQL needs REPEATABLE READ for that.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return await session.connection()


async def _add_date(
    connection: AsyncConnection, activity: ActivityId, when: OneOffDate, added_by: str | None
) -> None:
    """Insert a one-off session (see :meth:`CatalogStore.add_date`)."""
    problems = date_problems(when)
    if problems:
        raise ValueError("; ".join(problems))
    payload = date_payload(when)
    await _lock_additions(connection)
    if not await _is_offered(connection, _ACTIVITIES, activity):
        added = await _load_additions(connection, ADDED_ACTIVITY, activity)
        merged = with_additions(await _offered_frame(connection), [], added[1])
        if merged.activity(activity) is None:
            raise UnknownRecordError(f"activity {activity!r} is not on offer")
    await _insert_addition(connection, ADDED_DATE, activity, payload, added_by)


async def _add_activity(
    connection: AsyncConnection, activity: Activity, added_by: str | None
) -> None:
    """Insert a new event (see :meth:`CatalogStore.add_activity`)."""
    payload = activity_payload(activity)
    await _lock_additions(connection)
    taken = await connection.scalar(select(_ACTIVITIES.c.id).where(_ACTIVITIES.c.id == activity.id))
    added = await connection.scalar(
        select(_ADDITIONS.c.id).where(
            _ADDITIONS.c.kind == ADDED_ACTIVITY, _ADDITIONS.c.activity_id == activity.id
        )
    )
    if taken is not None or added is not None:
        raise DuplicateRecordError(f"the activity id {activity.id!r} is already used")
    if not await _is_offered(connection, _ORGANISATIONS, activity.organisation):
        raise UnknownRecordError(f"organisation {activity.organisation!r} is not on offer")
    if activity.place is not None and not await _is_offered(connection, _PLACES, activity.place):
        raise UnknownRecordError(f"place {activity.place!r} is not on offer")
    await _insert_addition(connection, ADDED_ACTIVITY, activity.id, payload, added_by)


async def _set_occurrence_change(
    connection: AsyncConnection, change: OccurrenceChange, changed_by: str | None
) -> None:
    """Write one session's change (see :meth:`CatalogStore.set_occurrence_change`)."""
    values = {
        "cancelled": change.cancelled,
        "new_start": change.new_start,
        "new_end": change.new_end,
        "new_place_id": change.new_place,
        "reason": change.reason,
        "changed_by": changed_by,
        "changed_at": _utc_now(),
    }
    key = and_(
        _CHANGES.c.activity_id == change.activity,
        _CHANGES.c.original_start == change.original_start,
    )
    # Write before reading (see _replace_meta); a refused change is rolled back.
    result = await connection.execute(update(_CHANGES).where(key).values(values))
    await _check_offered(connection, change)
    if result.rowcount == 0:
        await connection.execute(
            insert(_CHANGES).values(
                activity_id=change.activity, original_start=change.original_start, **values
            )
        )


class SqlCatalogueChanges:
    """Volunteers' changes in the caller's transaction: the port's ``CatalogueChanges``.

    Used by :class:`~bot.storage.unit_of_work.SqlUnitOfWork`, which commits them together with
    the notices they cause and then has the catalogue reloaded (``changed`` tells it to).
    """

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions
        self.changed = False

    async def change_occurrence(self, change: OccurrenceChange, by: UserId) -> None:
        """Cancel or move one session (replacing an earlier change of it)."""
        async with self._sessions.begin() as session:
            await _set_occurrence_change(await session.connection(), change, str(by))
        self.changed = True

    async def add_date(self, activity: ActivityId, when: OneOffDate, by: UserId) -> None:
        """Add a one-off session to an activity on offer."""
        async with self._sessions.begin() as session:
            await _add_date(await session.connection(), activity, when, str(by))
        self.changed = True

    async def add_activity(self, activity: Activity, by: UserId) -> None:
        """Add a new event of an organisation on offer."""
        async with self._sessions.begin() as session:
            await _add_activity(await session.connection(), activity, str(by))
        self.changed = True


# --- one activity at a time: the keepers' console (issue 16) -------------------------------------


class InvalidEditError(ValueError):
    """A console edit the import's checks refuse; ``problems`` says why (nothing written)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def _offered_by_id(
    connection: AsyncConnection, record_type: RecordType[RecordT], ids: Sequence[str]
) -> tuple[RecordT, ...]:
    """The records on offer among ``ids`` (a few: what one edited activity refers to)."""
    wanted = sorted(set(ids))
    if not wanted:
        return ()
    table = record_type.table
    rows = (
        await connection.execute(
            select(table).where(table.c.id.in_(wanted), table.c.withdrawn_at.is_(None))
        )
    ).mappings()
    found = list(rows)
    children: dict[str, dict[str, list[StoredRow]]] = defaultdict(lambda: defaultdict(list))
    for child in record_type.children:
        owner = child.table.c[child.owner_column]
        statement = (
            select(child.table)
            .where(owner.in_(wanted))
            .order_by(*child.table.primary_key.columns)
        )
        for row in (await connection.execute(statement)).mappings():
            children[row[child.owner_column]][child.table.name].append(row)
    empty: ChildRows = {}
    return tuple(record_type.from_rows(row, children.get(row["id"], empty)) for row in found)


async def _reference_frame(
    connection: AsyncConnection, activity: Activity, place: Place | None
) -> Catalogue:
    """What the edited activity refers to, as stored: its organisation, networks and place.

    Only those records are read, so an edit costs the same at 100 or 100,000 activities.
    """
    zone = await connection.scalar(select(_META.c.value).where(_META.c.key == TIMEZONE_KEY))
    if zone is None:
        raise CatalogueMissingError("no catalogue has been imported")
    organisations = await _offered_by_id(connection, ORGANISATIONS, [activity.organisation])
    networks = [n for o in organisations for n in o.networks]
    places = [p for p in (activity.place, place.id if place else None) if p is not None]
    return Catalogue(
        timezone=zone,
        networks=await _offered_by_id(connection, NETWORKS, networks),
        organisations=organisations,
        places=await _offered_by_id(connection, PLACES, places),
        activities=(),
    )


async def load_activity(connection: AsyncConnection, activity_id: str) -> Activity | None:
    """One stored activity (on offer or withdrawn) from its rows; ``None`` when there is none."""
    row = (
        (await connection.execute(select(_ACTIVITIES).where(_ACTIVITIES.c.id == activity_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    children: dict[str, list[StoredRow]] = {}
    for child in ACTIVITIES.children:
        owner = child.table.c[child.owner_column]
        result = await connection.execute(
            select(child.table)
            .where(owner == activity_id)
            .order_by(*child.table.primary_key.columns)
        )
        children[child.table.name] = list(result.mappings())
    return ACTIVITIES.from_rows(row, children)


async def _write_record(
    connection: AsyncConnection, record_type: RecordType[Any], record: Any
) -> None:
    """Insert or rewrite one record and its child rows (kept in place, or appended last)."""
    table = record_type.table
    stored = (
        await connection.execute(select(table.c.position).where(table.c.id == record.id))
    ).first()
    rows = record_type.to_rows(record)
    main = {**rows.main, "digest": digest(record), "withdrawn_at": None}
    if stored is None:
        last = await connection.scalar(select(func.max(table.c.position)))
        await connection.execute(insert(table).values(**main, position=(last or 0) + 1))
    else:
        for child in reversed(record_type.children):
            owner = child.table.c[child.owner_column]
            await connection.execute(delete(child.table).where(owner == record.id))
        values = {key: value for key, value in main.items() if key != "id"}
        await connection.execute(update(table).where(table.c.id == record.id).values(**values))
    for child in record_type.children:
        child_rows = rows.children.get(child.table.name, ())
        await _execute_many(connection, insert(child.table), child_rows)


async def _is_taken(connection: AsyncConnection, table: Table, record_id: str) -> bool:
    """Whether a record (on offer or withdrawn) already has this id."""
    return await connection.scalar(select(table.c.id).where(table.c.id == record_id)) is not None


async def _touch(connection: AsyncConnection, now: datetime) -> None:
    """Note the console's change in the catalogue meta, so a running bot's fingerprint moves.

    A random suffix keeps two changes at the same instant (or by two processes) apart.
    """
    version = f"{now.isoformat()}#{uuid.uuid4().hex[:12]}"
    await connection.execute(delete(_META).where(_META.c.key == EDITED_AT_KEY))
    await connection.execute(insert(_META).values(key=EDITED_AT_KEY, value=version))


async def upsert_activity(
    connection: AsyncConnection, activity: Activity, place: Place | None, now: datetime
) -> Activity | None:
    """Put one activity (and a new place) on offer, checked as an import checks a file.

    Runs in the caller's transaction; returns the stored version it replaces (``None``: new;
    a withdrawn one comes back). Raises :class:`InvalidEditError` when the checks refuse it,
    or the id is another organisation's (on offer or withdrawn); the caller rolls back.
    """
    await _touch(connection, now)  # write first: SQLite holds the write lock from here on
    frame = await _reference_frame(connection, activity, place)
    problems = activity_fits(frame, activity, place)
    if place is not None and await _is_taken(connection, _PLACES, place.id):
        problems.append(f"the place id {place.id!r} is already used")
    old = await load_activity(connection, activity.id)
    if old is not None and old.organisation != activity.organisation:
        problems.append(f"the activity id {activity.id!r} belongs to another organisation")
    if problems:
        raise InvalidEditError(problems)
    if place is not None:
        await _write_record(connection, PLACES, place)
    await _write_record(connection, ACTIVITIES, activity)
    return old


async def withdraw_activity(
    connection: AsyncConnection, activity_id: str, now: datetime
) -> Activity | None:
    """Take one activity off offer (it stays, like an import's withdrawal); the old version.

    ``None`` when it is not on offer (nothing changed).
    """
    await _touch(connection, now)
    result = await connection.execute(
        update(_ACTIVITIES)
        .where(_ACTIVITIES.c.id == activity_id, _ACTIVITIES.c.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    if not result.rowcount:
        return None
    return await load_activity(connection, activity_id)


async def _respect_console(
    connection: AsyncConnection, catalogue: Catalogue, *, overwrite: bool, write: bool
) -> tuple[Catalogue, tuple[ConsoleConflict, ...]]:
    """The file's catalogue with the console's newer edits kept, and the conflicts found.

    The rule: an activity published or withdrawn in the console carries a mark (the
    published version's digest) until a file agrees with it — the same version, or no
    longer listing a withdrawn one — and then the mark is cleared. While it is marked, an
    import keeps the console's version (or keeps it withdrawn) and reports a conflict;
    ``overwrite`` lets the file win and clears the mark. A kept version whose organisation
    or place the file no longer has cannot stay: the file wins, reported too. Volunteers'
    chat edits are separate rows and are never touched here.
    """
    marks = {
        row.activity_id: (row.action, row.digest)
        for row in await connection.execute(select(_CONSOLE_EDITS))
    }
    if not marks:
        return catalogue, ()
    filed = {a.id: a for a in catalogue.activities}
    organisations = {o.id for o in catalogue.organisations}
    places = {p.id for p in catalogue.places}
    activities = list(catalogue.activities)
    cleared: list[str] = []
    conflicts: list[ConsoleConflict] = []
    for activity_id, (action, mark) in sorted(marks.items()):
        in_file = filed.get(activity_id)
        if action == "withdraw":
            if in_file is None:
                cleared.append(activity_id)
                continue
            reason = ConflictReason.WITHDRAWN
        elif in_file is not None and digest(in_file) == mark:
            cleared.append(activity_id)
            continue
        else:
            reason = ConflictReason.CHANGED if in_file is not None else ConflictReason.MISSING
        kept = await load_activity(connection, activity_id) if action != "withdraw" else None
        fits = kept is not None and kept.organisation in organisations and (
            kept.place is None or kept.place in places
        )
        if overwrite or (action != "withdraw" and not fits):
            cleared.append(activity_id)
            conflicts.append(ConsoleConflict(activity_id, reason, kept=False))
            continue
        if action == "withdraw":
            activities = [a for a in activities if a.id != activity_id]
        elif in_file is not None and kept is not None:
            activities = [kept if a.id == activity_id else a for a in activities]
        elif kept is not None:
            activities.append(kept)
        conflicts.append(ConsoleConflict(activity_id, reason, kept=True))
    if write:
        for chunk in _chunks(cleared):
            await connection.execute(
                delete(_CONSOLE_EDITS).where(_CONSOLE_EDITS.c.activity_id.in_(chunk))
            )
    return replace(catalogue, activities=tuple(activities)), tuple(conflicts)
