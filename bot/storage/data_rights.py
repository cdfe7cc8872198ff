"""``/mydata`` and ``/forget`` over every table, in SQL.

The port is :class:`handlers.newcomers.data_rights.DataRights`.

What is gathered and erased is :mod:`bot.storage.erasure`'s; this adds how many messages
still wait in the outbox for the user, counted by the database.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import erasure
from bot.storage.models import OutboxRow
from bot.storage.outbox import State
from bot.storage.profiles import SqlProfileStore
from handlers.core.events import UserId
from handlers.newcomers.data_rights import UserData


class SqlDataRights:
    """Everything stored about one user, and its erasure in one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def data_of(self, user: UserId) -> UserData:
        """Everything stored about ``user``, including how many messages wait for them."""
        stored = await erasure.user_data(self.sessions, user)
        async with self.sessions() as session:
            queued = await session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    OutboxRow.user_id == str(user),
                    OutboxRow.state.in_([State.PENDING.value, State.SENDING.value]),
                )
            )
        return UserData(
            await SqlProfileStore(self.sessions).get(user),
            stored.subscriptions,
            stored.requests,
            stored.grants,
            int(queued or 0),
        )

    async def forget(self, user: UserId) -> None:
        """Delete every row about ``user`` in one transaction."""
        await erasure.forget_user(self.sessions, user)
