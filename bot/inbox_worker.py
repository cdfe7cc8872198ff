"""Works off the webhook inbox: claims chats, handles each chat's updates one at a time, in order.

Every instance runs one worker per inbox channel. The worker asks the database for chats with
stored updates that no other instance holds (oldest update first), claims them (see
:mod:`bot.storage.inbox`) and works each claimed chat off in its own task, in ``update_id``
order. Before each update the claim is renewed; if it was lost (this instance stalled past the
claim's deadline and another took the chat over) the task stops at once.

Fairness inside the instance is FairIntake's: handling one update takes one of ``max_active``
shared slots only while it runs, and each update queues for a slot anew, so a chat with a
thousand stored updates holds one slot, not all of them. FairIntake's coalescing of a flood of
questions and its overflow notice are not applied here: the backlog waits in the database, not
in memory, and each stored update is answered.

Handling an update gives the messages to send; :meth:`SqlInbox.complete` enqueues them and
deletes the row in one transaction, then the outbox's drainers are woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.intake import IntakeStats
from bot.storage.inbox import InboxItem, SqlInbox
from handlers.core.ports import Clock, OutgoingMessage

log = logging.getLogger(__name__)

Handle = Callable[[InboxItem], Awaitable[list[OutgoingMessage]]]
"""Handle one stored update; gives the messages that answer it (not yet enqueued)."""


class InboxWorker:
    """Claims the channel's chats with stored updates and answers them, chat by chat."""

    def __init__(
        self,
        inbox: SqlInbox,
        channel: str,
        handle: Handle,
        clock: Clock,
        *,
        max_active: int = 64,
        max_chats: int = 256,
        hold: timedelta = timedelta(seconds=30),
        poll: float = 0.5,
        batch: int = 20,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self.inbox = inbox
        self.channel = channel
        self.handle = handle
        self.clock = clock
        self.max_chats = max_chats
        self.hold = hold
        self.poll = poll
        self.batch = batch
        self.on_enqueued = on_enqueued
        self.holder = uuid.uuid4().hex
        self.stats = IntakeStats()
        #: Told how long each handled update took (the metrics' answer-time histogram).
        self.on_handled: Callable[[float], None] | None = None
        self._slots = asyncio.Semaphore(max_active)
        self._chats: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """An update was stored here: look for work without waiting for the poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and work off chats until ``stop``; then give the claims up."""
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.claim_more()
                except Exception as error:  # the database is away: try again at the next poll
                    log.warning("the inbox could not be read: %s", type(error).__name__)
                await _first(self._wake, stop, self.poll)
        finally:
            tasks = list(self._chats.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def claim_more(self) -> int:
        """Claim chats waiting for an instance (as many as there is room for); how many."""
        room = self.max_chats - len(self._chats)
        if room <= 0:
            return 0
        now = self.clock()
        chats = await self.inbox.waiting_chats(self.channel, self.holder, now, room, self._chats)
        claimed = 0
        for chat in chats:
            if chat in self._chats or not await self.inbox.claim(chat, self.holder, now, self.hold):
                continue
            claimed += 1
            self._chats[chat] = asyncio.create_task(self._work(chat), name="inbox-chat")
        return claimed

    async def join(self) -> None:
        """Wait until the chats in hand are worked off (tests)."""
        while self._chats:
            await asyncio.gather(*self._chats.values(), return_exceptions=True)

    async def _work(self, chat: str) -> None:
        """Handle the chat's stored updates in order while the claim holds; then give it up."""
        try:
            while True:
                items = await self.inbox.rows(chat, self.batch)
                if not items:
                    return
                for item in items:
                    async with self._slots:
                        if not await self.inbox.claim(chat, self.holder, self.clock(), self.hold):
                            log.warning("an inbox claim was lost; another instance goes on")
                            return
                        await self._one(item)
                    await asyncio.sleep(0)  # let chats that arrived meanwhile queue for a slot
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is away: the chat is taken up again later
            log.warning("an inbox chat stopped: %s", type(error).__name__)
        finally:
            self._chats.pop(chat, None)
            with contextlib.suppress(Exception):
                await asyncio.shield(self.inbox.release(chat, self.holder))

    async def _one(self, item: InboxItem) -> None:
        """Handle one update, then enqueue its answer and drop the row in one transaction.

        An update the conversation fails on is logged (its id and the error's type only) and
        removed unanswered, as the in-memory intake does: retrying it would stop the chat.
        """
        started = time.monotonic()
        try:
            messages = await self.handle(item)
            self.stats.ran += 1
        except Exception as error:
            self.stats.failed += 1
            messages = []
            log.error("update %d failed: %s", item.update_id, type(error).__name__, exc_info=error)
        self.stats.received += 1
        if await self.inbox.complete(item, messages, self.clock()):
            self.on_enqueued()
        if self.on_handled is not None:
            self.on_handled(time.monotonic() - started)


async def _first(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Wait for ``wake``, ``stop`` or ``seconds``, whichever comes first."""
    waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
    _, pending = await asyncio.wait(waiters, timeout=seconds, return_when="FIRST_COMPLETED")
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
