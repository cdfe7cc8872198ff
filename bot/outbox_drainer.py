"""Draining the outbox: one drainer per channel, within the platform's limits, with retries.

Delivery guarantee. A message is in the outbox (committed, with its idempotency key) before
any attempt to send it, and it is marked ``sent`` in its own transaction right after the
platform accepted it. After a ``kill -9`` at any moment:

- nothing is lost: a row is either ``pending`` (sent later), ``sending`` (its claim runs out
  and it goes back to ``pending``; a live sender renews its batch's claim as it goes, so
  only a dead sender's claim runs out), or finished;
- nothing is planned twice: re-planning inserts with ``ON CONFLICT DO NOTHING`` on the key;
- the one narrow window: the platform accepted a message but the process died before the
  ``sent`` mark was committed (a few milliseconds per message, at most ``concurrency``
  messages at once). That message is sent again after the claim runs out. Telegram's Bot API
  has no idempotency key, so the user may then see it twice; Matrix deduplicates a repeated
  ``PUT /send/{txnId}`` from the same device, so the Matrix adapter passes the key as the
  transaction id and the duplicate is absorbed by the homeserver.

Limits and retries: the drainer uses its channel's one :class:`~bot.pacing.Pacer` (the same
object that paces the channel's replies, so replies and reminders share Telegram's 30 a
second) and its one :class:`~bot.pacing.RetryPolicy`. It asks the pacer which due message
may go now; the channel charges the pacer as it sends the message, once (a channel that
does not pace by itself has the drainer charge: ``charge``); a ``retry_after`` pauses the
whole pacer; a transient
failure puts the row back for :meth:`~bot.pacing.RetryPolicy.backoff` and it is tried again,
up to :attr:`~bot.pacing.RetryPolicy.attempts` times. A blocked user's remaining rows are
dropped and the conversation is told (the profile turns inactive).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.log_ids import key_label
from bot.pacing import Budget, ChannelLimits, Pacer, RetryPolicy
from bot.storage.outbox import ClaimedMessage, SqlOutbox, State
from handlers.core.events import UserId
from handlers.core.ports import Clock, OutboxSender, Outcome, SendOutcome

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
"""``asyncio.sleep``, or a test's fake that advances a fake clock."""


@dataclass
class LatenessSummary:
    """How late messages went out after they were due: a count and a sum (never a list)."""

    count: int = 0
    total_seconds: float = 0.0
    buckets: dict[float, int] = field(
        default_factory=lambda: dict.fromkeys((1.0, 5.0, 30.0, 60.0, 300.0, 3600.0), 0)
    )

    def observe(self, seconds: float) -> None:
        """One message sent ``seconds`` after it was due (never negative)."""
        seconds = max(0.0, seconds)
        self.count += 1
        self.total_seconds += seconds
        for bound in self.buckets:
            if seconds <= bound:
                self.buckets[bound] += 1


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back; PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class DrainStats:
    """What a drainer did, for logs and benchmarks."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    expired: int = 0
    lost_claims: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    """Sends by what the platform said (delivered, retry_after, blocked, ...)."""
    lateness: LatenessSummary = field(default_factory=lambda: LatenessSummary())


class OutboxDrainer:
    """Sends one channel's due outbox rows through its :class:`OutboxSender`."""

    def __init__(
        self,
        outbox: SqlOutbox,
        sender: OutboxSender,
        channel: str,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        limits: ChannelLimits | None = None,
        charge: bool = True,
        retry: RetryPolicy | None = None,
        on_blocked: Callable[[UserId], Awaitable[None]] | None = None,
        sleep: Sleep = asyncio.sleep,
        hold: timedelta = timedelta(minutes=2),
        idle_poll: float = 5.0,
        categories: Sequence[str] = (),
        skip: Sequence[str] = (),
        batch: int | None = None,
        min_idle: float = 0.0,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.channel = channel
        self.clock = clock
        if pacer is None:
            if limits is None:
                raise ValueError("a drainer needs its channel's pacer (or limits to pace by)")
            pacer = Pacer(limits, lambda: self.clock().timestamp())
        self.pacer = pacer
        self.charge = charge
        self.limits = pacer.limits
        self.retry = retry or RetryPolicy()
        self.on_blocked = on_blocked
        self.sleep = sleep
        self.hold = hold
        self.idle_poll = idle_poll
        self.categories = tuple(categories)
        """Only rows of these categories (none: all), e.g. each instance's replies drainer."""
        self.skip = tuple(skip)
        """Never rows of these (the leader's drainers leave replies to the replies drainers)."""
        self._batch = batch
        self.min_idle = min_idle
        """The shortest pause when nothing could be claimed: a due reply held behind an
        earlier one (sent by another instance) must not make the drainer spin."""
        self.token = uuid.uuid4().hex
        self.stats = DrainStats()
        self._blocked: set[str] = set()
        self._held: set[str] = set()
        """Chats whose message was put back in this batch: their later ones go back too."""
        self._wake = asyncio.Event()

    @property
    def batch_size(self) -> int:
        """Rows claimed at once: about ten seconds of sending, well inside the claim's hold.

        Large enough that the pause to claim the next batch costs little throughput.
        """
        if self._batch is not None:
            return self._batch
        per_second = self.limits.overall / max(self.limits.overall_window, 1e-3)
        return max(1, min(500, int(per_second * 10)))

    def wake(self) -> None:
        """Something was enqueued: look again without waiting for the poll."""
        self._wake.set()

    async def drain_once(self) -> int:
        """Claim the due rows (one batch) and send them; returns how many were handled."""
        now = self.clock()
        claimed = await self.outbox.claim(
            self.channel, now, self.batch_size, self.token, self.hold, self.categories, self.skip
        )
        if claimed:
            await self._send_all(claimed)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop`` is set: recover lost claims, send, sleep until the next due."""
        while not stop.is_set():
            await self.outbox.recover(self.clock())
            if await self.drain_once():
                continue
            self._wake.clear()
            wait = self.idle_poll
            due = await self.outbox.next_due(self.channel)
            if due is not None:
                wait = min(wait, max(self.min_idle, (due - self.clock()).total_seconds()))
            await self._idle(wait, stop)

    async def _idle(self, seconds: float, stop: asyncio.Event) -> None:
        if self.sleep is not asyncio.sleep:
            await self.sleep(seconds)
            return
        waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waiters, timeout=seconds, return_when="FIRST_COMPLETED")
        for task in pending:
            task.cancel()

    def _pick(
        self, queue: deque[ClaimedMessage], busy: set[str]
    ) -> tuple[ClaimedMessage | None, float | None]:
        """The first queued message that may go now, else the shortest wait (``None``: all busy)."""
        shortest = None
        for message in queue:
            if str(message.chat) in busy:
                continue
            wait = self.pacer.wait_for(str(message.chat))
            if wait <= 0:
                return message, None
            shortest = wait if shortest is None else min(shortest, wait)
        return None, shortest

    async def _send_all(self, claimed: list[ClaimedMessage]) -> None:
        """Send the claimed batch, renewing its claim for as long as that takes."""
        finished = asyncio.Event()
        renewing = asyncio.ensure_future(self._keep_the_claim(finished))
        try:
            await self._send_in_order(claimed)
        finally:
            finished.set()
            await renewing

    async def _keep_the_claim(self, finished: asyncio.Event) -> None:
        """Renew the batch's claim every third of the hold until the batch is done.

        Without it a batch slower than the hold (a loaded machine, a slow platform) would be
        taken back by another instance's recovery and sent twice while this one still sends;
        only a dead sender's claim may run out. Real time paces it (this is a heartbeat, not
        a schedule), the injected clock dates it.
        """
        interval = self.hold.total_seconds() / 3
        while True:
            try:
                await asyncio.wait_for(finished.wait(), interval)
                return
            except TimeoutError:
                try:
                    await self.outbox.renew(self.token, self.clock() + self.hold)
                except Exception:  # a database blip: the next beat tries again
                    log.warning("renewing the outbox claim failed", exc_info=True)

    async def _send_in_order(self, claimed: list[ClaimedMessage]) -> None:
        """Send in due order, passing chats that must wait, ``concurrency`` at a time.

        One chat never has two sends in flight, so its messages arrive in order.
        """
        queue = deque(claimed)
        busy: set[str] = set()
        tasks: set[asyncio.Task[None]] = set()
        self._held.clear()
        while queue or tasks:
            if self._held:
                await self._give_back_held(queue)
                if not queue and not tasks:
                    break
            chosen, shortest = self._pick(queue, busy)
            if chosen is not None and len(tasks) < self.limits.concurrency:
                queue.remove(chosen)
                chat = str(chosen.chat)
                budgets = self.pacer.take(chat) if self.charge else []
                busy.add(chat)
                task = asyncio.ensure_future(self._send_one(chosen, budgets))
                task.add_done_callback(_forget_chat(busy, chat))
                task.add_done_callback(tasks.discard)
                tasks.add(task)
            elif tasks:
                timeout = shortest if chosen is None else None
                await asyncio.wait(set(tasks), timeout=timeout, return_when="FIRST_COMPLETED")
            elif shortest is not None:
                await self.sleep(shortest)

    async def _give_back_held(self, queue: deque[ClaimedMessage]) -> None:
        """Release the queued messages of chats whose earlier message was put back.

        Sending them now would overtake it; the outbox's claim keeps them waiting until it
        went (see :meth:`~bot.storage.outbox.SqlOutbox.claim`).
        """
        held = [message for message in queue if str(message.chat) in self._held]
        for message in held:
            queue.remove(message)
        await self.outbox.release([message.id for message in held], self.token)

    async def _send_one(self, message: ClaimedMessage, budgets: list[Budget]) -> None:
        now = self.clock()
        if str(message.user) in self._blocked:
            self.pacer.give_back(budgets)
            await self.outbox.mark_final(message.id, self.token, State.DROPPED, "blocked")
            return
        if message.expires_at is not None and message.expires_at <= now:
            self.pacer.give_back(budgets)
            self.stats.expired += 1
            await self.outbox.mark_final(message.id, self.token, State.DROPPED, "started")
            return
        try:
            outcome = await self.sender.send(message.chat, message.reply, message.key)
        except Exception as error:  # an adapter bug must not stop the channel
            log.exception("sender raised for %s", key_label(message.key))
            outcome = SendOutcome.transient(repr(error))
        self.stats.outcomes[outcome.outcome] += 1
        if outcome.outcome in (Outcome.RETRY_AFTER, Outcome.FAILED, Outcome.BLOCKED):
            self.pacer.give_back(budgets)  # the platform refused it: nothing was sent
        await self._record(message, outcome)

    async def _record(self, message: ClaimedMessage, outcome: SendOutcome) -> None:
        now = self.clock()
        kept = True
        if outcome.outcome is Outcome.DELIVERED:
            kept = await self.outbox.mark_sent(message.id, self.token, now, outcome.message_id)
            self.stats.sent += 1
            if message.due_at is not None:
                self.stats.lateness.observe((now - _aware(message.due_at)).total_seconds())
        elif outcome.outcome is Outcome.RETRY_AFTER:
            self.pacer.pause(None, outcome.seconds)
            later = now + timedelta(seconds=outcome.seconds)
            kept = await self.outbox.mark_retry(message.id, self.token, later, "retry_after")
            self.stats.retried += 1
        elif outcome.outcome is Outcome.TRANSIENT and message.attempts < self.retry.attempts:
            later = now + timedelta(seconds=self.retry.backoff(message.attempts))
            kept = await self.outbox.mark_retry(message.id, self.token, later, outcome.error)
            self.stats.retried += 1
        elif outcome.outcome is Outcome.BLOCKED:
            self._blocked.add(str(message.user))
            state = State.BLOCKED
            kept = await self.outbox.mark_final(message.id, self.token, state, outcome.error)
            await self.outbox.drop_user(message.user, "blocked")
            self.stats.blocked += 1
            if self.on_blocked is not None:
                await self.on_blocked(message.user)
        else:  # failed, or transient too many times
            kept = await self.outbox.mark_final(message.id, self.token, State.FAILED, outcome.error)
            self.stats.failed += 1
        if outcome.outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT) or not kept:
            self._held.add(str(message.chat))
        if not kept:
            self.stats.lost_claims += 1
            log.warning(
                "claim on %s was lost before its outcome was recorded", key_label(message.key)
            )



def _forget_chat(busy: set[str], chat: str) -> Callable[[asyncio.Task[None]], None]:
    def done(_task: asyncio.Task[None]) -> None:
        busy.discard(chat)

    return done
