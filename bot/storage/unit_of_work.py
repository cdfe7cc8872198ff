"""One transaction for a change and every message it causes.

The port is :class:`handlers.core.ports.UnitOfWork`.

A volunteer moving a session writes the change, one outbox row per subscriber and the end of
their dialogue; a broadcast writes itself and its rows; a contact request writes itself and its
forwards. Each of those is one :class:`SqlUnitOfWork`: the repositories it hands out are the
ordinary ones (:class:`~bot.storage.outbox.SqlOutbox`, ...) over a :class:`SharedSession`, so
they all write through one ``AsyncSession`` in one transaction, and only the unit commits. A
``kill -9`` before the commit leaves nothing; after it, everything (the database's own
atomicity; ``tests/bot/test_unit_of_work_crash.py`` kills a worker at random moments to check).

What must happen after the commit (and never for a change that was rolled back) is told
through hooks: ``on_enqueued`` wakes the outbox drainers, ``on_catalogue_changed`` reloads the
catalogue so that questions see the change at once.

On SQLite a transaction begins with ``BEGIN IMMEDIATE``, so a unit holds the write lock from
its first statement to its commit: keep units short, and inside one touch the database only
through the unit's stores (another session would wait for the lock).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.broadcasts import SqlBroadcastStore
from bot.storage.catalog_store import SqlCatalogueChanges
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.outbox import SqlOutbox
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from handlers.core.ports import OutgoingMessage

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[object]]
"""Something to do after a commit (reload the catalogue)."""


class SharedSession:
    """A :class:`~bot.storage.database.SessionSource` that always hands out one session.

    Both ``()`` and ``begin()`` yield the unit's session and neither commits nor closes it:
    the repositories' "one transaction per call" becomes "one transaction per unit".
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The shared session, to read."""
        return self._borrow()

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The shared session, to write (committed by the unit, not here)."""
        return self._borrow()

    @asynccontextmanager
    async def _borrow(self) -> AsyncIterator[AsyncSession]:
        yield self.session


class UnitOutbox(SqlOutbox):
    """The outbox inside a unit: remembers whether anything new was queued (to wake drainers)."""

    def __init__(self, sessions: SharedSession) -> None:
        super().__init__(sessions)
        self.inserted = 0

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        """Insert the messages whose key is new, in the unit's transaction."""
        keys = await super().enqueue(messages, now)
        self.inserted += len(keys)
        return keys


class SqlUnitOfWork:
    """One ``AsyncSession`` and transaction shared by every store it hands out."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        on_enqueued: Callable[[], None] | None = None,
        on_catalogue_changed: Hook | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_enqueued = on_enqueued
        self._on_catalogue_changed = on_catalogue_changed
        self._session: AsyncSession | None = None
        self.committed = False

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is used once")
        session = self._session = self._sessions()
        shared = SharedSession(session)
        self.dialogues = SqlDialogueStore(shared)
        self.outbox = UnitOutbox(shared)
        self.subscribers = SqlSubscriptionStore(shared)
        self.broadcasts = SqlBroadcastStore(shared)
        self.requests = SqlRequestStore(shared)
        self.staff = SqlStaffStore(shared)
        self.catalogue = SqlCatalogueChanges(shared)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        session = self._session
        if session is None:
            return
        try:
            if not self.committed:
                await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Commit everything written through the unit, then run the hooks."""
        if self._session is None or self.committed:
            raise RuntimeError("commit inside `async with`, once")
        await self._session.commit()
        self.committed = True
        if self.outbox.inserted and self._on_enqueued is not None:
            self._on_enqueued()
        if self.catalogue.changed and self._on_catalogue_changed is not None:
            try:
                await self._on_catalogue_changed()
            except Exception:  # the change is stored; the watcher's next poll picks it up
                log.exception("reloading the catalogue after a change failed")


class SqlUnitsOfWork:
    """The :class:`handlers.core.ports.UnitOfWorkFactory` over one database.

    ``on_enqueued`` rings the drainers' doorbell (they register with it when the channels
    start, after the flows are built); ``on_catalogue_changed`` is the catalogue watcher's
    ``check``. Both are given at construction; nothing is assigned later.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        on_enqueued: Callable[[], None] | None = None,
        on_catalogue_changed: Hook | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_enqueued = on_enqueued
        self.on_catalogue_changed = on_catalogue_changed

    def __call__(self) -> SqlUnitOfWork:
        """A fresh unit."""
        return SqlUnitOfWork(
            self.sessions,
            on_enqueued=self._wake,
            on_catalogue_changed=self.on_catalogue_changed,
        )

    def _wake(self) -> None:
        if self.on_enqueued is not None:
            self.on_enqueued()
