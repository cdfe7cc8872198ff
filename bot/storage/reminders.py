"""The subscriptions table behind :class:`handlers.core.ports.SubscriptionStore`."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    delete,
    distinct,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import SessionSource
from bot.storage.models import SubscriptionRow, UserRow
from catalog.model import ActivityId
from handlers.core.events import ChatId, UserId
from handlers.newcomers.reminder_timing import Lead, Subscriber, Subscription

__all__ = ["SqlSubscriptionStore", "Subscriber"]

_LEADS: dict[str, tuple[Lead, ...]] = {}


def parse_leads(codes: str) -> tuple[Lead, ...]:
    """Parse a lead list once per distinct spelling (there are only a few)."""
    found = _LEADS.get(codes)
    if found is None:
        found = _LEADS[codes] = tuple(Lead.parse(code) for code in codes.split(","))
    return found


def _subscription(row: Any) -> Subscription:
    """A :class:`SubscriptionRow` or a core row with the same columns, as a value."""
    return _subscription_of(
        row.user_id,
        row.chat_id,
        row.created_at,
        row.activity_id,
        row.kind,
        row.network_id,
        row.leads,
        row.id,
    )


def _subscription_of(
    user: str,
    chat: str,
    created_at: datetime,
    activity: str | None,
    kind: str | None,
    network: str | None,
    leads: str,
    number: int,
) -> Subscription:
    """A subscription from its columns' values."""
    return Subscription(
        UserId(user),
        ChatId(chat),
        created_at,
        ActivityId(activity) if activity is not None else None,
        kind,
        network,
        parse_leads(leads),
        number,
    )


#: The columns :func:`_subscriber` takes, in its order.
_SUBSCRIBER_COLUMNS = (
    "user_id",
    "chat_id",
    "created_at",
    "activity_id",
    "kind",
    "network_id",
    "leads",
    "id",
    "user_language",
    "active",
)


def _subscriber(
    user: str,
    chat: str,
    created_at: datetime,
    activity: str | None,
    kind: str | None,
    network: str | None,
    leads: str,
    number: int,
    language: str | None,
    active: bool | None,
) -> Subscriber:
    """A subscriber from its row's :data:`_SUBSCRIBER_COLUMNS`, taken by position.

    A planning pass reads a million: by name, a row's columns cost a third of the reading.
    """
    subscription = _subscription_of(user, chat, created_at, activity, kind, network, leads, number)
    return Subscriber(subscription, language, active is not False)


def _by_position(keys: Iterable[str]) -> Callable[[Any], tuple[Any, ...]]:
    """What takes :data:`_SUBSCRIBER_COLUMNS` out of a row of a result with these keys."""
    names = list(keys)
    return itemgetter(*(names.index(name) for name in _SUBSCRIBER_COLUMNS))


#: Subscribers a planning pass holds at a time (:meth:`SqlSubscriptionStore.subscriber_parts`).
_PART = 20_000

#: Rows taken from the driver at a time when reading many subscriptions.
_READ_PARTITION = 5_000

#: Activity ids per lookup statement.
_LOOKUP_CHUNK = 500

#: Bound parameters one counting statement may carry (SQLite allows 32,766).
_MAX_PARAMETERS = 10_000


def _with_users() -> Select[Any]:
    """Subscriptions with their user's language and active flag (no user row: defaults).

    An outer join: right for reading many subscriptions (or all of them).
    """
    columns = SubscriptionRow.__table__.c
    return (
        select(*columns, UserRow.language.label("user_language"), UserRow.active)
        .outerjoin(UserRow, UserRow.id == SubscriptionRow.user_id)
        .order_by(SubscriptionRow.id)
    )


def _each_with_its_user() -> Select[Any]:
    """The same columns as :func:`_with_users`, each user looked up by primary key.

    For the subscribers of a few activities: PostgreSQL hashes the whole users table for a
    join even when a few thousand rows need it (225 of 230 ms at a million users); a lookup
    per row is half of that. A missing user row gives ``NULL``s, as the outer join does.
    """
    columns = SubscriptionRow.__table__.c
    owner = UserRow.id == SubscriptionRow.user_id
    return select(
        *columns,
        select(UserRow.language).where(owner).scalar_subquery().label("user_language"),
        select(UserRow.active).where(owner).scalar_subquery().label("active"),
    ).order_by(SubscriptionRow.id)


def _follows(ids: Sequence[str], pairs: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """Subscriptions naming one of ``ids``, or one of the ``(kind, network)`` pairs."""
    covers: list[ColumnElement[bool]] = [SubscriptionRow.activity_id.in_(ids)] if ids else []
    covers += [
        and_(SubscriptionRow.kind == kind, SubscriptionRow.network_id == network)
        for kind, network in pairs
    ]
    return or_(*covers)


async def _people(
    session: AsyncSession,
    joined: FromClause,
    where: ColumnElement[bool],
    people: dict[str, str | None],
) -> None:
    """Add the (person, language) of the subscriptions ``where`` selects to ``people``."""
    rows = await session.execute(
        select(SubscriptionRow.user_id, UserRow.language).select_from(joined).where(where)
    )
    people.update((user, language) for user, language in rows)


def _codes(leads: Iterable[Lead]) -> str:
    return ",".join(lead.code for lead in leads)


class SqlSubscriptionStore:
    """Subscriptions in SQL; one short transaction per call."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def add(self, subscription: Subscription) -> Subscription:
        """Insert, or update the chat and lead times of the user's one with the same target.

        A concurrent insert of the same target (a double-tapped button) is retried as an
        update, so the caller never sees the unique constraint.
        """
        for _ in range(2):
            try:
                return await self._upsert(subscription)
            except IntegrityError:
                continue
        return await self._upsert(subscription)

    async def _upsert(self, subscription: Subscription) -> Subscription:
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(SubscriptionRow).where(
                        SubscriptionRow.user_id == str(subscription.user),
                        SubscriptionRow.target == subscription.target,
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                row = SubscriptionRow(
                    user_id=str(subscription.user),
                    target=subscription.target,
                    activity_id=subscription.activity,
                    kind=subscription.kind,
                    network_id=subscription.network,
                    created_at=subscription.created_at,
                )
                session.add(row)
            row.chat_id = str(subscription.chat)
            row.leads = _codes(subscription.leads)
            await session.flush()
            return _subscription(row)

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        async with self._sessions() as session:
            row = await session.get(SubscriptionRow, subscription_id)
            return None if row is None else _subscription(row)

    async def for_user(self, user: UserId) -> list[Subscription]:
        """The user's subscriptions, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.user_id == str(user))
                .order_by(SubscriptionRow.id)
            )
            return [_subscription(row) for row in rows]

    async def all(self) -> list[Subscription]:
        """Every subscription (the planner reads them all at start), by id."""
        async with self._sessions() as session:
            result = await session.stream_scalars(
                select(SubscriptionRow).order_by(SubscriptionRow.id)
            )
            return [_subscription(row) async for row in result]

    async def lead_codes(self) -> list[str]:
        """The distinct lead lists subscriptions have (a handful; empty: no subscriptions)."""
        async with self._sessions() as session:
            rows = await session.scalars(select(SubscriptionRow.leads).distinct())
            return sorted(rows)

    async def subscribers(self, users: Sequence[UserId] | None = None) -> list[Subscriber]:
        """Subscriptions (all, or of ``users``) with their user's language and active flag.

        One query with an outer join: a subscriber without a profile row gets the default
        language and counts as active.
        """
        statement = _with_users()
        if users is not None:
            statement = statement.where(SubscriptionRow.user_id.in_([str(u) for u in users]))
        return await self._subscribers(statement)

    async def subscribers_of(
        self,
        activities: Sequence[ActivityId],
        kinds: Sequence[str] = (),
        networks: Sequence[str] = (),
    ) -> list[Subscriber]:
        """The :meth:`subscriber_parts`, all at once, in id order."""
        found = {
            s.subscription.id or 0: s
            async for part in self.subscriber_parts(activities, kinds, networks)
            for s in part
        }
        return [found[number] for number in sorted(found)]

    async def subscriber_parts(
        self,
        activities: Sequence[ActivityId],
        kinds: Sequence[str] = (),
        networks: Sequence[str] = (),
        *,
        size: int | None = None,
    ) -> AsyncGenerator[list[Subscriber], None]:
        """Subscriptions naming one of ``activities``, or one of ``kinds`` in ``networks``.

        Indexed lookups (``activity_id``; ``kind, network_id``), in chunks that stay under
        the databases' bound-parameter limits, a part of at most ``size`` at a time.

        A planning pass over a million subscriptions held them all (+380 MiB); part by part
        it holds one. Each lookup is read as a stream (a server-side cursor on PostgreSQL):
        pages by id with a limit made PostgreSQL walk the whole primary key for each of 200
        lookups of 500 activities.
        The caller closes the parts it stops reading (``contextlib.aclosing``).
        """
        size = size or _PART
        ids = sorted(set(activities))
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            statement = _each_with_its_user().where(SubscriptionRow.activity_id.in_(chunk))
            async for part in self._subscriber_stream(statement, size):
                yield part
        if kinds and networks:
            statement = _each_with_its_user().where(
                SubscriptionRow.kind.in_(sorted(set(kinds))),
                SubscriptionRow.network_id.in_(sorted(set(networks))),
            )
            async for part in self._subscriber_stream(statement, size):
                yield part

    async def _subscriber_stream(
        self, statement: Select[Any], size: int
    ) -> AsyncGenerator[list[Subscriber], None]:
        """A statement's subscribers, ``size`` at a time.

        On PostgreSQL from one open read. SQLite's transactions here take the write lock, so
        an open read would stop the planner's writes: there the rows are read first.
        """
        async with self._sessions() as session:
            connection = await session.connection()
            streamed = connection.dialect.name == "postgresql"
            if streamed:
                result = await connection.stream(statement)
                columns = _by_position(result.keys())
                async for rows in result.partitions(size):
                    yield [_subscriber(*columns(row)) for row in rows]
        if not streamed:
            found = await self._subscribers(statement)
            for start in range(0, len(found), size):
                yield found[start : start + size]

    async def languages_of_followers(
        self, activities: Sequence[ActivityId], kinds_in_networks: Sequence[tuple[str, str]]
    ) -> dict[str | None, int]:
        """How many active people follow one of ``activities`` or a ``(kind, network)``.

        The database counts the people per language over the indexed lookups
        (``activity_id``; ``kind, network_id``): nothing per subscription comes back. A scope
        too large for one statement's parameters is read in chunks of (person, language)
        pairs instead, and those counted here.
        """
        ids = sorted(set(activities))
        pairs = sorted(set(kinds_in_networks))
        if not ids and not pairs:
            return {}
        active = or_(UserRow.active.is_(None), UserRow.active.is_(True))
        joined = SubscriptionRow.__table__.outerjoin(
            UserRow.__table__, UserRow.id == SubscriptionRow.user_id
        )
        async with self._sessions() as session:
            if len(ids) + 2 * len(pairs) <= _MAX_PARAMETERS:
                rows = await session.execute(
                    select(UserRow.language, func.count(distinct(SubscriptionRow.user_id)))
                    .select_from(joined)
                    .where(active, _follows(ids, pairs))
                    .group_by(UserRow.language)
                )
                return {language: int(count) for language, count in rows}
            people: dict[str, str | None] = {}
            for start in range(0, len(ids), _LOOKUP_CHUNK):
                chunk = _follows(ids[start : start + _LOOKUP_CHUNK], [])
                await _people(session, joined, and_(active, chunk), people)
            for start in range(0, len(pairs), _LOOKUP_CHUNK):
                chunk = _follows([], pairs[start : start + _LOOKUP_CHUNK])
                await _people(session, joined, and_(active, chunk), people)
            return dict(Counter(people.values()))

    async def _subscribers(self, statement: Select[Any]) -> list[Subscriber]:
        """Subscribers of a statement's rows, taken from the driver in partitions.

        Row by row, each row was a switch into the driver's greenlet (13,144 subscribers of
        one activity: ~1 s of the re-plan). The rows are plain columns, so they are read on
        the session's connection, past the ORM's result machinery (a fifth of the rest).
        """
        found: list[Subscriber] = []
        async with self._sessions() as session:
            connection = await session.connection()
            result = await connection.stream(statement)
            columns = _by_position(result.keys())
            async for rows in result.partitions(_READ_PARTITION):
                found += [_subscriber(*columns(row)) for row in rows]
        return found

    async def remove(self, user: UserId, subscription_id: int) -> Subscription | None:
        """Delete one of the user's subscriptions, returning it; ``None`` if not theirs."""
        async with self._sessions.begin() as session:
            row = await session.get(SubscriptionRow, subscription_id)
            if row is None or row.user_id != str(user):
                return None
            removed = _subscription(row)
            await session.delete(row)
            return removed

    async def remove_all(self, user: UserId) -> int:
        """Delete every subscription of the user; returns how many there were."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SubscriptionRow).where(SubscriptionRow.user_id == str(user))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
