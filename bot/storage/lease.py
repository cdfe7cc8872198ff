"""A named lease in one table row: at most one live holder per name, on SQLite and PostgreSQL.

Acquiring and renewing are one conditional ``UPDATE … WHERE holder = me OR expires_at < now``
(atomic on both backends: a row-level write on PostgreSQL, the database write lock on SQLite);
the very first holder creates the row, and a racing creator loses on the primary key. The
holder must renew well before ``expires_at``; an instance that cannot (it died, or lost the
database) lets the lease lapse and a standby takes it over.

Times come from the caller's clock. Hosts sharing one database must keep their clocks within
a small fraction of the lease duration of each other (NTP does); the margin is the holder
renewing at a third of the duration.

A holder also records how far its work got (:meth:`SqlLease.record`): the next holder carries
on from there instead of guessing (the reminder planner plans from the end of the last window
planned in full, so a restart neither re-plans hours nor counts what it never had to send).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import SchedulerLease


class SqlLease:
    """Acquire, renew and release one named lease."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], name: str) -> None:
        self._sessions = sessions
        self.name = name

    async def acquire(self, holder: str, now: datetime, duration: timedelta) -> bool:
        """Take or renew the lease until ``now + duration``; ``False`` if someone else holds it."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == self.name,
                    or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
                )
                .values(holder=holder, expires_at=now + duration)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                return True
            exists = await session.scalar(
                select(SchedulerLease.name).where(SchedulerLease.name == self.name)
            )
            if exists is not None:
                return False
        try:
            async with self._sessions.begin() as session:
                session.add(
                    SchedulerLease(name=self.name, holder=holder, expires_at=now + duration)
                )
        except IntegrityError:
            return False
        return True

    async def release(self, holder: str, now: datetime) -> bool:
        """Give the lease up at once (on an orderly stop) so a standby need not wait."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == holder)
                .values(expires_at=now - timedelta(microseconds=1))
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record(self, holder: str, until: datetime) -> bool:
        """Record how far the holder's work got; ``False`` if it no longer holds the lease."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == holder)
                .values(done_until=until)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def done_until(self) -> datetime | None:
        """How far the work of this lease's holders got (``None``: never recorded)."""
        async with self._sessions() as session:
            return await session.scalar(
                select(SchedulerLease.done_until).where(SchedulerLease.name == self.name)
            )

    async def holder(self, now: datetime) -> str | None:
        """Who holds the lease at ``now`` (``None`` when it is free)."""
        async with self._sessions() as session:
            row = await session.get(SchedulerLease, self.name)
            if row is None or row.expires_at < now:
                return None
            return row.holder
