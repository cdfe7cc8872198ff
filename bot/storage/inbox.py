"""The webhook inbox: updates stored before they are acknowledged, handled one chat at a time.

Any instance behind the load balancer may receive an update; it stores it here (``INSERT …
ON CONFLICT DO NOTHING`` on ``(channel, update_id)``: Telegram posts it again when it got no
200) and only then answers 200. Any instance may then handle it: an instance *claims* a chat
(a lease row per chat in ``inbox_claims``, taken with the same conditional ``UPDATE … WHERE
holder = me OR expires_at < now`` as :mod:`bot.storage.lease`), handles that chat's rows in
``update_id`` order, and renews the claim as it goes. A killed instance's claims run out and
another instance takes its chats over.

Handling an update ends with :meth:`SqlInbox.complete`: the replies go into the outbox (keys
``reply:<channel>:<update_id>:<n>``) and the row is deleted, in one transaction. Updates are
handled at least once; a re-handled update (the instance died after the conversation
committed, before the removal) enqueues nothing new, its keys being taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.storage.database import SessionSource
from bot.storage.models import InboxClaim, InboxRow
from bot.storage.outbox import insert_messages
from handlers.core.ports import OutgoingMessage


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One stored update of a claimed chat."""

    id: int
    update_id: int
    payload: str


def reply_key(channel: str, update_id: int, index: int) -> str:
    """The outbox key of the ``index``-th message answering an update (stable on re-handling)."""
    return f"reply:{channel}:{update_id}:{index}"


class SqlInbox:
    """The inbox repository; each method is one short transaction."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def store(
        self, channel: str, update_id: int, chat: str, payload: str, now: datetime
    ) -> bool:
        """Keep an update until it is handled; ``False`` when it was already stored."""
        table = InboxRow.__table__
        assert isinstance(table, Table)
        values = {
            "channel": channel,
            "update_id": update_id,
            "chat": chat,
            "payload": payload,
            "received_at": now,
        }
        async with self._sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":
                result = await session.execute(
                    postgresql.insert(table).values(values).on_conflict_do_nothing()
                )
            elif dialect == "sqlite":
                result = await session.execute(
                    sqlite.insert(table).values(values).on_conflict_do_nothing()
                )
            else:
                raise NotImplementedError(f"no portable INSERT … ON CONFLICT for {dialect}")
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def waiting_chats(
        self, channel: str, holder: str, now: datetime, limit: int, skip: Iterable[str] = ()
    ) -> list[str]:
        """Chats with stored updates that nobody else holds, oldest update first."""
        skipped = list(skip)
        async with self._sessions() as session:
            query = (
                select(InboxRow.chat)
                .outerjoin(InboxClaim, InboxClaim.chat == InboxRow.chat)
                .where(InboxRow.channel == channel)
                .where(
                    or_(
                        InboxClaim.chat.is_(None),
                        InboxClaim.holder == holder,
                        InboxClaim.expires_at < now,
                    )
                )
                .group_by(InboxRow.chat)
                .order_by(func.min(InboxRow.id))
                .limit(limit)
            )
            if skipped:
                query = query.where(InboxRow.chat.not_in(skipped))
            return list((await session.scalars(query)).all())

    async def claim(self, chat: str, holder: str, now: datetime, hold: timedelta) -> bool:
        """Take or renew the chat until ``now + hold``; ``False`` if another instance holds it."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(InboxClaim)
                .where(
                    InboxClaim.chat == chat,
                    or_(InboxClaim.holder == holder, InboxClaim.expires_at < now),
                )
                .values(holder=holder, expires_at=now + hold)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                return True
            if await session.get(InboxClaim, chat) is not None:
                return False
        try:
            async with self._sessions.begin() as session:
                session.add(InboxClaim(chat=chat, holder=holder, expires_at=now + hold))
        except IntegrityError:  # another instance created it first
            return False
        return True

    async def release(self, chat: str, holder: str) -> None:
        """Give the chat up (its rows are all handled, or this instance stops)."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(InboxClaim).where(InboxClaim.chat == chat, InboxClaim.holder == holder)
            )

    async def rows(self, chat: str, limit: int) -> list[InboxItem]:
        """The chat's stored updates, in ``update_id`` order."""
        async with self._sessions() as session:
            found = await session.execute(
                select(InboxRow.id, InboxRow.update_id, InboxRow.payload)
                .where(InboxRow.chat == chat)
                .order_by(InboxRow.update_id)
                .limit(limit)
            )
            return [InboxItem(row_id, update_id, payload) for row_id, update_id, payload in found]

    async def complete(
        self, item: InboxItem, messages: Iterable[OutgoingMessage], now: datetime
    ) -> list[str]:
        """Enqueue the replies and delete the row, in one transaction; the new keys."""
        async with self._sessions.begin() as session:
            inserted = await insert_messages(session, messages, now)
            await session.execute(delete(InboxRow).where(InboxRow.id == item.id))
            return inserted

    async def backlog(self, now: datetime) -> dict[str, tuple[int, float]]:
        """Per channel: updates stored and not yet handled, and the oldest one's age."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(InboxRow.channel, func.count(), func.min(InboxRow.received_at))
                    .group_by(InboxRow.channel)
                )
            ).all()
        backlog: dict[str, tuple[int, float]] = {}
        for channel, count, oldest in found:
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
            backlog[str(channel)] = (int(count), age)
        return backlog
