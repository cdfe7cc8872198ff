"""Fair intake: every chat gets its turn, one chat's backlog never holds anyone else up.

Incoming updates (Telegram) and room events (Matrix) are queued per chat and each chat's
queue is worked off by its own task, one entry at a time and in arrival order. Running an
entry takes one of ``max_active`` shared slots only while it runs, and chats take turns for
them (each entry queues for a slot anew), so a user who sends a thousand messages holds one
slot, not all of them: everyone else is answered as if he were not there.

A chat's queue is bounded. Past ``bound`` entries the chat is *overflowing*: it gets one
notice ("please wait, I am answering your earlier messages"), and if the user is not in the
middle of a dialogue, a burst of plain questions is coalesced: only the latest question is
kept (each older one is dropped as the next arrives). Coalescing starts once the
dialogue check (a database read) has answered; a burst arriving faster than that fills the
queue meanwhile, up to ``hard_cap``. Commands, button presses, dialogue
input and anything that is not a plain question are never coalesced. At ``hard_cap``
waiting entries a new question takes the place of the latest waiting question, and
anything else is refused (a user holding that many commands in the queue), so one chat
holds at most ``hard_cap`` entries whatever it sends.
The episode ends when the chat's queue is empty again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum

log = logging.getLogger(__name__)


class Weight(Enum):
    """What coalescing may do with an entry."""

    QUESTION = "question"
    """Plain text that is not dialogue input: a burst of them is answered by its latest."""
    KEEP = "keep"
    """Commands, button presses, dialogue input, anything else: never coalesced."""
    LIGHT = "light"
    """Housekeeping nobody typed (a room's state events): never coalesced, and not counted
    towards the bound, so a room's history arriving at once is not taken for a flood."""


class Admission(Enum):
    """What became of a submitted entry."""

    QUEUED = "queued"
    REFUSED = "refused"


@dataclass(eq=False)
class Entry:
    """One update's work, and how to let it go unrun (coalesced, refused or shut down)."""

    weight: Weight
    work: Callable[[], Awaitable[None]]
    drop: Callable[[], None] = lambda: None
    finished: Callable[[bool], None] = lambda ran: None
    """Called once the entry is done with: ``True`` when it ran (or failed), ``False`` when it
    was let go unrun (coalesced, refused, or left at shutdown)."""
    subject: object = None
    """The update or event itself, for the overflow notice (whom to tell, in what language)."""

    def let_go(self) -> None:
        """Release an entry that will not run."""
        try:
            self.drop()
        finally:
            self.finished(False)


@dataclass
class IntakeStats:
    """What the intake did, for metrics, logs and benchmarks."""

    received: int = 0
    ran: int = 0
    failed: int = 0
    coalesced: int = 0
    refused: int = 0
    notices: int = 0
    longest_queue: int = 0


@dataclass(eq=False)
class _ChatQueue:
    entries: deque[Entry] = field(default_factory=deque)
    overflowing: bool = False
    coalescing: bool = False
    worker: asyncio.Task[None] | None = None


MayCoalesce = Callable[[Hashable, Entry], Awaitable[bool]]
"""Whether a chat's burst of questions may be coalesced (no dialogue waits for its text)."""
OnOverflow = Callable[[Hashable, Entry], Awaitable[None]]
"""Tell the chat to wait: called once when its queue first passes the bound."""


async def _always(_key: Hashable, _entry: Entry) -> bool:
    return True


async def _nobody(_key: Hashable, _entry: Entry) -> None:
    return None


class FairIntake:
    """Per-chat queues worked off in order, sharing ``max_active`` slots fairly."""

    def __init__(
        self,
        *,
        bound: int = 8,
        hard_cap: int = 200,
        max_active: int = 64,
        may_coalesce: MayCoalesce = _always,
        on_overflow: OnOverflow = _nobody,
    ) -> None:
        if not 0 < bound < hard_cap:
            raise ValueError("need 0 < bound < hard_cap")
        self.bound = bound
        self.hard_cap = hard_cap
        self.may_coalesce = may_coalesce
        self.on_overflow = on_overflow
        self.stats = IntakeStats()
        self._slots = asyncio.Semaphore(max_active)
        self._queues: dict[Hashable, _ChatQueue] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        #: Told how long each entry that ran took (the metrics' answer-time histogram).
        self.on_handled: Callable[[float], None] | None = None

    # --- submitting ---------------------------------------------------------------------

    def submit(self, key: Hashable, entry: Entry) -> Admission:
        """Queue ``entry`` behind the chat's earlier ones; never waits."""
        self.stats.received += 1
        if self._closed:
            entry.let_go()
            return Admission.REFUSED
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _ChatQueue()
        if len(queue.entries) >= self.hard_cap and not self._supersede(queue, entry):
            self.stats.refused += 1
            entry.let_go()
            self._overflow(key, queue, entry)
            return Admission.REFUSED
        if queue.coalescing and entry.weight is Weight.QUESTION:
            self._coalesce(queue)
        queue.entries.append(entry)
        self.stats.longest_queue = max(self.stats.longest_queue, len(queue.entries))
        typed = entry.weight is not Weight.LIGHT
        if typed and len(queue.entries) > self.bound and self._typed(queue) > self.bound:
            self._overflow(key, queue, entry)
        if queue.worker is None:
            queue.worker = asyncio.create_task(self._work(key, queue), name="intake-chat")
        return Admission.QUEUED

    @staticmethod
    def _typed(queue: _ChatQueue) -> int:
        """Entries waiting that someone sent (what the bound is about)."""
        return sum(entry.weight is not Weight.LIGHT for entry in queue.entries)

    def _supersede(self, queue: _ChatQueue, entry: Entry) -> bool:
        """At the cap a question takes the place of the latest waiting one, if there is one."""
        if entry.weight is not Weight.QUESTION:
            return False
        for index in range(len(queue.entries) - 1, -1, -1):
            waiting = queue.entries[index]
            if waiting.weight is Weight.QUESTION:
                del queue.entries[index]
                self.stats.coalesced += 1
                waiting.let_go()
                return True
        return False

    def _coalesce(self, queue: _ChatQueue) -> None:
        """Drop the questions waiting in the queue: the one arriving now supersedes them."""
        kept: deque[Entry] = deque()
        for waiting in queue.entries:
            if waiting.weight is Weight.QUESTION:
                self.stats.coalesced += 1
                waiting.let_go()
            else:
                kept.append(waiting)
        queue.entries = kept

    def _overflow(self, key: Hashable, queue: _ChatQueue, entry: Entry) -> None:
        if queue.overflowing:
            return
        queue.overflowing = True
        self.stats.notices += 1
        self._side_task(self._start_episode(key, queue, entry))

    async def _start_episode(self, key: Hashable, queue: _ChatQueue, entry: Entry) -> None:
        """Tell the user to wait, and find out whether their questions may be coalesced."""
        try:
            if await self.may_coalesce(key, entry) and queue.overflowing:
                queue.coalescing = True
                latest = [e for e in queue.entries if e.weight is Weight.QUESTION][-1:]
                if latest:
                    queue.entries.remove(latest[0])
                    self._coalesce(queue)
                    queue.entries.append(latest[0])
            await self.on_overflow(key, entry)
        except Exception as error:
            log.error("overflow notice failed: %s", type(error).__name__)

    def _side_task(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    # --- working off --------------------------------------------------------------------

    async def _work(self, key: Hashable, queue: _ChatQueue) -> None:
        """Run the chat's entries one by one, each in a shared slot, until none is left."""
        try:
            while queue.entries:
                async with self._slots:
                    if not queue.entries:
                        break
                    entry = queue.entries.popleft()
                    await self._run(entry)
                await asyncio.sleep(0)  # let chats that arrived meanwhile queue for a slot
        finally:
            queue.worker = None
            if queue.entries and not self._closed:  # cancelled with work left: hand it on
                queue.worker = asyncio.create_task(self._work(key, queue), name="intake-chat")
            elif self._queues.get(key) is queue:
                for entry in queue.entries:
                    entry.let_go()
                del self._queues[key]

    async def _run(self, entry: Entry) -> None:
        started = time.monotonic()
        try:
            await entry.work()
            self.stats.ran += 1
        except Exception as error:
            self.stats.failed += 1
            log.error("an update failed: %s", type(error).__name__, exc_info=error)
        finally:
            entry.finished(True)
            if self.on_handled is not None:
                self.on_handled(time.monotonic() - started)

    # --- observing and stopping ---------------------------------------------------------

    @property
    def chats_in_progress(self) -> int:
        """Chats with an entry running or waiting."""
        return len(self._queues)

    @property
    def waiting(self) -> int:
        """Entries queued and not yet started, over all chats."""
        return sum(len(queue.entries) for queue in self._queues.values())

    async def join(self) -> None:
        """Wait until every queue is worked off (tests, and a graceful stop)."""
        while self._queues or self._side_tasks:
            workers = [q.worker for q in self._queues.values() if q.worker is not None]
            await asyncio.gather(*workers, *self._side_tasks, return_exceptions=True)
            if not workers and not self._side_tasks:
                await asyncio.sleep(0)

    async def close(self, grace: float) -> None:
        """Finish what is in hand within ``grace`` seconds; what is left is let go."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.join(), grace)
        for queue in list(self._queues.values()):
            pending, queue.entries = queue.entries, deque()
            for entry in pending:
                entry.let_go()
            if queue.worker is not None:
                queue.worker.cancel()
        tasks = [q.worker for q in self._queues.values() if q.worker is not None]
        for task in [*self._side_tasks, *tasks]:
            task.cancel()
        await asyncio.gather(*tasks, *self._side_tasks, return_exceptions=True)
        self._queues.clear()
