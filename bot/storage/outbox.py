"""The outbox table: every unprompted message is written here, keyed, before it is sent.

Portable between SQLite and PostgreSQL: enqueueing is ``INSERT … ON CONFLICT DO NOTHING`` on
the idempotency key (both dialects have it) with ``RETURNING`` to learn which rows were new;
claiming is a conditional ``UPDATE … WHERE state = 'pending'`` tagged with a claim token, so two
senders can never both own a row; every outcome is a conditional ``UPDATE`` that only the
current claimer can make. A claim carries a deadline: rows of a sender that died while
``sending`` go back to ``pending`` (:meth:`SqlOutbox.recover`) and are sent again, which is
the one place a message can be sent twice (see :mod:`bot.outbox_drainer`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Insert, Table, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.storage.database import SessionSource
from bot.storage.models import OutboxRow
from handlers.core.events import Action, ActionKind, ChatId, Document, Reply, UserId
from handlers.core.ports import OutgoingMessage

__all__ = ["ClaimedMessage", "OutgoingMessage", "SqlOutbox", "State", "channel_of"]

#: Rows per INSERT statement (well under SQLite's bound-parameter limit).
INSERT_CHUNK = 500

#: From this many rows, PostgreSQL gets them by ``COPY`` into a transaction's staging table and
#: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (a parameterised insert spent most of its
#: time binding parameters: 26,288 re-planned reminders took ~2 s to write).
COPY_AT_LEAST = 2_000

#: The staging table a ``COPY`` fills; dropped when its transaction ends.
_STAGING = "outbox_incoming"


class State(StrEnum):
    """Where an outbox row is in its life."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"
    BLOCKED = "blocked"


def channel_of(user: UserId | str) -> str:
    """The channel of a platform-qualified id: ``telegram:1`` → ``telegram``."""
    return str(user).partition(":")[0]


def encode_reply(reply: Reply) -> str:
    """A reply as compact, stable JSON (a file that goes with it, the tray report, in base64)."""
    data: dict[str, Any] = {
        "text": reply.text,
        "language": reply.language,
        "actions": [[a.kind.value, a.label, a.argument] for a in reply.actions],
    }
    if reply.document is not None:
        document = reply.document
        content = base64.b64encode(document.content).decode("ascii")
        data["document"] = [document.filename, document.media_type, content]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_reply(payload: str) -> Reply:
    """The reply :func:`encode_reply` wrote."""
    data: dict[str, Any] = json.loads(payload)
    actions = tuple(Action(ActionKind(k), label, arg) for k, label, arg in data["actions"])
    document = None
    if "document" in data:
        filename, media_type, content = data["document"]
        document = Document(filename, media_type, base64.b64decode(content))
    return Reply(data["text"], data["language"], actions, document)


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A row a sender owns until it reports the outcome (or its claim runs out)."""

    id: int
    key: str
    channel: str
    chat: ChatId
    user: UserId
    reply: Reply
    attempts: int
    expires_at: datetime | None
    due_at: datetime | None = None
    """When it was first due (how late a reminder went out is measured from it)."""


def _row_values(message: OutgoingMessage, now: datetime) -> dict[str, Any]:
    state = State.PENDING if message.dropped is None else State.DROPPED
    return {
        "idempotency_key": message.key,
        "channel": message.channel,
        "chat_id": str(message.chat),
        "user_id": str(message.user),
        "category": message.category,
        "activity_id": message.activity,
        "subscription_id": message.subscription,
        "payload": encode_reply(message.reply),
        "state": state.value,
        "due_at": message.due_at,
        "expires_at": message.expires_at,
        "next_attempt_at": message.due_at,
        "attempts": 0,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": message.dropped,
        "created_at": now,
        "sent_at": None,
        "batch": message.batch,
        "platform_message_id": None,
    }


def _insert_ignoring_duplicates(dialect: str) -> Insert:
    """``INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key``.

    One statement for every batch (executed with many parameter sets), so SQLAlchemy compiles
    it once and sends batches with its "insertmanyvalues" mode on both backends. A Core insert
    into the table, not the ORM's bulk insert into the class: the ORM splits the rows into a
    batch per run of rows with the same columns left empty, and reminders that alternate
    between sent and dropped made that a statement per two or three rows (a million
    subscriptions' first planning pass spent minutes there).
    """
    table = OutboxRow.__table__
    assert isinstance(table, Table)
    if dialect == "postgresql":
        pg = postgresql.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
        return pg.returning(table.c.idempotency_key)
    if dialect == "sqlite":
        lite = sqlite.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
        return lite.returning(table.c.idempotency_key)
    raise NotImplementedError(f"no portable INSERT … ON CONFLICT for {dialect}")


_COPIED = tuple(column.name for column in OutboxRow.__table__.columns if column.name != "id")


async def _copy_ignoring_duplicates(
    session: AsyncSession, batch: Sequence[OutgoingMessage], now: datetime
) -> list[str]:
    """Write many rows on PostgreSQL: ``COPY`` to a staging table, then insert the new keys.

    The same contract as :func:`_insert_ignoring_duplicates` (a key already present, in any
    state, is left alone; the keys actually inserted come back), in three statements. Aware
    instants go as they are: the columns are ``timestamptz``, which stores the instant.
    """
    rows = {message.key: _row_values(message, now) for message in batch}
    columns = ", ".join(_COPIED)
    await session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_STAGING} ON COMMIT DROP AS "
            f"SELECT {columns} FROM outbox WITH NO DATA"
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg's connection, in the session's transaction
    await driver.copy_records_to_table(
        _STAGING,
        records=[tuple(map(values.__getitem__, _COPIED)) for values in rows.values()],
        columns=_COPIED,
    )
    result = await session.execute(
        text(
            f"INSERT INTO outbox ({columns}) SELECT {columns} FROM {_STAGING} "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key"
        )
    )
    return list(result.scalars().all())


async def insert_messages(
    session: AsyncSession, messages: Iterable[OutgoingMessage], now: datetime
) -> list[str]:
    """Insert the messages whose key is new in the caller's transaction; the keys inserted.

    For a unit of work that enqueues together with another change (the inbox removes the
    update it answered in the same transaction). On PostgreSQL a batch of ``COPY_AT_LEAST`` or
    more goes by ``COPY`` through a staging table dropped at commit: once per transaction.
    """
    inserted: list[str] = []
    batch = list(messages)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(batch) >= COPY_AT_LEAST:
        return await _copy_ignoring_duplicates(session, batch, now)
    statement = _insert_ignoring_duplicates(dialect)
    for start in range(0, len(batch), INSERT_CHUNK):
        chunk = {m.key: _row_values(m, now) for m in batch[start : start + INSERT_CHUNK]}
        result = await session.execute(statement, list(chunk.values()))
        inserted += result.scalars().all()
    return inserted


#: The category of a reply to an update (through the webhook inbox): sent in its chat's order.
REPLY = "reply"


def _earlier_reply_unfinished(now: datetime) -> Any:
    """Whether an earlier reply of the row's chat is being sent or waits for its retry.

    A reply is not taken while that holds (it would overtake the earlier one), whichever
    drainer, on whichever instance, has the earlier one.
    """
    earlier = aliased(OutboxRow)
    return (
        select(earlier.id)
        .where(
            earlier.category == REPLY,
            earlier.channel == OutboxRow.channel,
            earlier.chat_id == OutboxRow.chat_id,
            earlier.id < OutboxRow.id,
            or_(
                earlier.state == State.SENDING.value,
                and_(earlier.state == State.PENDING.value, earlier.next_attempt_at > now),
            ),
        )
        .exists()
    )


def _lookups(
    users: Sequence[str], activities: Sequence[str], subscriptions: Sequence[int]
) -> list[tuple[InstrumentedAttribute[Any], Sequence[Any]]]:
    """The indexed columns to find rows by, each with the values asked for."""
    return [
        (OutboxRow.user_id, users),
        (OutboxRow.activity_id, activities),
        (OutboxRow.subscription_id, subscriptions),
    ]


class SqlOutbox:
    """The outbox repository; each method is one short transaction."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        """Insert the messages whose key is new; returns the keys actually inserted.

        Idempotent: enqueueing the same key again (a re-plan, a retry after a crash) changes
        nothing, whatever state the first row is in.
        """
        async with self._sessions.begin() as session:
            return await insert_messages(session, messages, now)

    async def claim(
        self,
        channel: str,
        now: datetime,
        limit: int,
        token: str,
        hold: timedelta,
        categories: Sequence[str] = (),
        skip: Sequence[str] = (),
    ) -> list[ClaimedMessage]:
        """Take up to ``limit`` due rows of ``channel`` (oldest due first) for ``hold``.

        Only rows of ``categories`` when given, and none of ``skip``. Replies keep their
        chat's order across drainers and retries: a reply is not taken while an earlier
        reply of its chat is being sent or waits for a retry; the replies drainer (only
        :data:`REPLY`) takes them in the order they were written.
        """
        replies_only = tuple(categories) == (REPLY,)
        async with self._sessions.begin() as session:
            query = (
                select(OutboxRow.id)
                .where(
                    OutboxRow.channel == channel,
                    OutboxRow.state == State.PENDING.value,
                    OutboxRow.next_attempt_at <= now,
                    or_(OutboxRow.category != REPLY, ~_earlier_reply_unfinished(now)),
                )
                # Replies in the order they were written: a retried one is due later.
                .order_by(
                    *([OutboxRow.id] if replies_only else [OutboxRow.next_attempt_at, OutboxRow.id])
                )
                .limit(limit)
            )
            if categories:
                query = query.where(OutboxRow.category.in_(categories))
            if skip:
                query = query.where(OutboxRow.category.not_in(skip))
            ids = (await session.scalars(query)).all()
            if not ids:
                return []
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.state == State.PENDING.value)
                .values(
                    state=State.SENDING.value,
                    claimed_by=token,
                    claimed_until=now + hold,
                    attempts=OutboxRow.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            rows = await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.claimed_by == token)
                .where(OutboxRow.state == State.SENDING.value)
                .order_by(
                    *([OutboxRow.id] if replies_only else [OutboxRow.next_attempt_at, OutboxRow.id])
                )
            )
            return [
                ClaimedMessage(
                    id=row.id,
                    key=row.idempotency_key,
                    channel=row.channel,
                    chat=ChatId(row.chat_id),
                    user=UserId(row.user_id),
                    reply=decode_reply(row.payload),
                    attempts=row.attempts,
                    expires_at=row.expires_at,
                    due_at=row.due_at,
                )
                for row in rows
            ]

    async def _finish(self, message_id: int, token: str, **values: Any) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == message_id,
                    OutboxRow.claimed_by == token,
                    OutboxRow.state == State.SENDING.value,
                )
                .values(claimed_by=None, claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(
        self, message_id: int, token: str, now: datetime, platform_message_id: str = ""
    ) -> bool:
        """Record delivery; ``False`` if the claim was lost (the row was taken back).

        ``platform_message_id`` (the platform's id of the message, when it said) is kept so
        that a reply to the message can be traced back to the row (a coordinator answering a
        forwarded request).
        """
        return await self._finish(
            message_id,
            token,
            state=State.SENT.value,
            sent_at=now,
            platform_message_id=platform_message_id or None,
        )

    async def mark_retry(
        self, message_id: int, token: str, next_attempt: datetime, error: str
    ) -> bool:
        """Put the row back to be tried again at ``next_attempt``."""
        return await self._finish(
            message_id,
            token,
            state=State.PENDING.value,
            next_attempt_at=next_attempt,
            last_error=error,
        )

    async def renew(self, token: str, until: datetime) -> int:
        """Extend every claim ``token`` still holds to ``until``: its sender is alive and busy.

        A batch that takes longer than the hold (a slow platform, a loaded machine) must not
        be taken back and sent a second time by another instance while this one still sends.
        """
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.claimed_by == token, OutboxRow.state == State.SENDING.value)
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, message_ids: Sequence[int], token: str) -> int:
        """Give claimed rows back unsent and uncounted (an earlier message of their chat failed)."""
        if not message_ids:
            return 0
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id.in_(message_ids),
                    OutboxRow.claimed_by == token,
                    OutboxRow.state == State.SENDING.value,
                )
                .values(
                    state=State.PENDING.value,
                    claimed_by=None,
                    claimed_until=None,
                    attempts=OutboxRow.attempts - 1,
                )
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_final(self, message_id: int, token: str, state: State, error: str) -> bool:
        """End the row as ``failed``, ``dropped`` or ``blocked`` with the reason."""
        return await self._finish(message_id, token, state=state.value, last_error=error)

    async def drop_user(self, user: UserId, reason: str) -> int:
        """Drop every waiting row of a user who blocked the bot; returns how many."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.user_id == str(user), OutboxRow.state == State.PENDING.value)
                .values(state=State.DROPPED.value, last_error=reason)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def forget_user(self, user: UserId) -> int:
        """Delete every row of a user who deleted their data (sent ones included)."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(OutboxRow).where(OutboxRow.user_id == str(user)))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def withdraw_pending(
        self,
        *,
        users: Sequence[str] = (),
        activities: Sequence[str] = (),
        subscriptions: Sequence[int] = (),
        categories: Sequence[str] = (),
    ) -> int:
        """Delete waiting rows of these users, activities or subscriptions, to re-plan.

        Only ``pending`` rows (of these categories): a row being sent or already sent keeps
        its key, so planning it again is a no-op. Long lists go in chunks, in one transaction
        (a language club's change re-plans the digests of its 25,000 kind subscribers).
        """
        removed = 0
        async with self._sessions.begin() as session:
            for column, values in _lookups(users, activities, subscriptions):
                for start in range(0, len(values), INSERT_CHUNK):
                    statement = delete(OutboxRow).where(
                        OutboxRow.state == State.PENDING.value,
                        column.in_(values[start : start + INSERT_CHUNK]),
                    )
                    if categories:
                        statement = statement.where(OutboxRow.category.in_(categories))
                    result = await session.execute(statement)
                    removed += int(result.rowcount)  # type: ignore[attr-defined]
        return removed

    async def keys_of(
        self,
        activities: Sequence[str],
        categories: Sequence[str],
        *,
        subscriptions: Sequence[int] = (),
    ) -> set[str]:
        """The idempotency keys of the rows of these activities or subscriptions (categories).

        A re-plan asks after withdrawing the pending ones: what is left was sent, is being
        sent or was dropped, and planning it again would be skipped by the insert anyway, so
        the planner need not render and write it (13,144 subscribers of one activity).
        ``subscriptions`` find the rows that name no activity of theirs (day digests).
        """
        keys: set[str] = set()
        if not activities and not subscriptions:
            return keys
        async with self._sessions() as session:
            connection = await session.connection()  # plain strings: past the ORM's results
            for column, values in _lookups((), activities, subscriptions):
                for start in range(0, len(values), INSERT_CHUNK):
                    statement = select(OutboxRow.idempotency_key).where(
                        column.in_(values[start : start + INSERT_CHUNK])
                    )
                    if categories:
                        statement = statement.where(OutboxRow.category.in_(categories))
                    keys.update(await connection.scalars(statement))
        return keys

    async def tally(self, batch: str) -> dict[str, int]:
        """How many rows of the batch are in each state (``pending``, ``sent``, ...)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxRow.state, func.count())
                    .where(OutboxRow.batch == batch)
                    .group_by(OutboxRow.state)
                )
            ).all()
        return {state: int(count) for state, count in rows}

    async def withdraw_batch(self, batch: str) -> int:
        """Delete the batch's rows not yet sent (stopping a broadcast); returns how many.

        Only ``pending`` rows: one being sent right now finishes, and is counted as sent.
        """
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(OutboxRow).where(
                    OutboxRow.batch == batch, OutboxRow.state == State.PENDING.value
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def key_for_platform_message(self, chat: ChatId, message_id: str) -> str | None:
        """The key of the sent row that became platform message ``message_id`` in ``chat``."""
        if not message_id:
            return None
        async with self._sessions() as session:
            found: str | None = await session.scalar(
                select(OutboxRow.idempotency_key)
                .where(
                    OutboxRow.chat_id == str(chat),
                    OutboxRow.platform_message_id == message_id,
                )
                .order_by(OutboxRow.id.desc())
                .limit(1)
            )
            return found

    async def recover(self, now: datetime) -> int:
        """Take back rows whose sender's claim ran out (it died): they are sent again."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.state == State.SENDING.value, OutboxRow.claimed_until < now)
                .values(state=State.PENDING.value, claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def next_due(self, channel: str) -> datetime | None:
        """When the channel's next waiting row becomes due (``None`` when nothing waits)."""
        async with self._sessions() as session:
            found: datetime | None = await session.scalar(
                select(func.min(OutboxRow.next_attempt_at)).where(
                    OutboxRow.channel == channel, OutboxRow.state == State.PENDING.value
                )
            )
            return found

    async def backlog(self, now: datetime) -> dict[str, tuple[int, float]]:
        """Per channel: rows waiting to be sent, and how long the oldest due one has waited."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxRow.channel, func.count(), func.min(OutboxRow.next_attempt_at))
                    .where(OutboxRow.state.in_([State.PENDING.value, State.SENDING.value]))
                    .group_by(OutboxRow.channel)
                )
            ).all()
        backlog: dict[str, tuple[int, float]] = {}
        for channel, count, oldest in rows:
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            waited = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
            backlog[str(channel)] = (int(count), waited)
        return backlog

    async def counts(self) -> dict[str, int]:
        """How many rows are in each state (``dropped`` ones also per reason as ``dropped:…``)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxRow.state, OutboxRow.last_error, func.count()).group_by(
                        OutboxRow.state, OutboxRow.last_error
                    )
                )
            ).all()
        totals: dict[str, int] = {}
        for state, error, count in rows:
            totals[state] = totals.get(state, 0) + count
            if state == State.DROPPED.value:
                name = f"dropped:{error}"
                totals[name] = totals.get(name, 0) + count
        return totals

    async def states(self, keys: Iterable[str]) -> dict[str, str]:
        """The state of each of these keys that exists."""
        wanted = list(keys)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxRow.idempotency_key, OutboxRow.state).where(
                        OutboxRow.idempotency_key.in_(wanted)
                    )
                )
            ).all()
        return {key: state for key, state in rows}

    async def prune(self, before: datetime) -> int:
        """Delete finished rows no longer needed for idempotency.

        A finished row is kept until its ``expires_at`` (the occurrence start) has passed
        ``before``, or, without one, until it finished before ``before``: planning never
        reaches back that far, so its key cannot come again.
        """
        finished = [State.SENT.value, State.FAILED.value, State.DROPPED.value, State.BLOCKED.value]
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(OutboxRow).where(
                    OutboxRow.state.in_(finished),
                    or_(
                        OutboxRow.expires_at < before,
                        and_(OutboxRow.expires_at.is_(None), OutboxRow.due_at < before),
                    ),
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
