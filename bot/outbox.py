"""Draining the outbox: one drainer per channel, within the platform's limits, with retries.

Delivery guarantee. A message is in the outbox (committed, with its idempotency key) before
any attempt to send it, and it is marked ``sent`` in its own transaction right after the
platform accepted it. After a ``kill -9`` at any moment:

- nothing is lost: a row is either ``pending`` (sent later), ``sending`` (its claim runs out
  and it goes back to ``pending``), or finished;
- nothing is planned twice: re-planning inserts with ``ON CONFLICT DO NOTHING`` on the key;
- the one narrow window: the platform accepted a message but the process died before the
  ``sent`` mark was committed (a few milliseconds per message, at most ``concurrency``
  messages at once). That message is sent again after the claim runs out. Telegram's Bot API
  has no idempotency key, so the user may then see it twice; Matrix deduplicates a repeated
  ``PUT /send/{txnId}`` from the same device, so the Matrix adapter passes the key as the
  transaction id and the duplicate is absorbed by the homeserver.

Limits: a token bucket for the channel (Telegram: 30 messages a second) and a minimum gap per
chat (Telegram: one a second), both configurable per channel; a ``retry_after`` pauses the
whole channel. Transient failures back off exponentially; a blocked user's remaining rows are
dropped and the conversation is told (the profile turns inactive).
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.storage.outbox import ClaimedMessage, SqlOutbox, State
from handlers.events import UserId
from handlers.ports import Clock, OutboxSender, Outcome, SendOutcome

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
"""``asyncio.sleep``, or a test's fake that advances a fake clock."""


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """A platform's sending limits: overall rate, burst, and the gap between two to one chat."""

    per_second: float
    burst: int
    chat_gap: float
    concurrency: int = 8


TELEGRAM_LIMITS = ChannelLimits(per_second=29.5, burst=1, chat_gap=1.05)
"""Telegram's broadcast limits for bots (30/s, 1/s per chat) with a small margin.

No burst: Telegram counts any one-second window, so starts are spaced evenly; the margins
absorb network jitter between our start and the server's arrival time (measured by
``bench.bench_reminders``: no 429 at 96 % of the limit).
"""

MATRIX_LIMITS = ChannelLimits(per_second=5.0, burst=10, chat_gap=0.5)
"""A cautious default for a homeserver's ``rc_message`` (exempt bots can raise it)."""


_EPSILON = 1e-7


class RateLimiter:
    """A token bucket for the channel and a minimum gap per chat, on an injected clock."""

    def __init__(self, limits: ChannelLimits, now: Callable[[], float]) -> None:
        self.limits = limits
        self._now = now
        self._tokens = float(limits.burst)
        self._stamp = now()
        self._paused_until = 0.0
        self._last_per_chat: dict[str, float] = {}

    def _refill(self) -> None:
        moment = self._now()
        elapsed = max(0.0, moment - self._stamp)
        refilled = self._tokens + elapsed * self.limits.per_second
        self._tokens = min(float(self.limits.burst), refilled)
        self._stamp = moment

    def wait_for(self, chat: str) -> float:
        """Seconds until a message to ``chat`` may be sent (``0`` when it may go now)."""
        self._refill()
        moment = self._now()
        waits = [self._paused_until - moment]
        if self._tokens < 1 - _EPSILON:
            waits.append((1 - self._tokens) / self.limits.per_second)
        last = self._last_per_chat.get(chat)
        if last is not None:
            waits.append(last + self.limits.chat_gap - moment)
        longest = max(waits)
        # Whole microseconds (what a clock can advance by), never a float crumb that rounds to 0.
        return 0.0 if longest <= _EPSILON else math.ceil(longest * 1e6) / 1e6

    def take(self, chat: str) -> None:
        """Use one token for a message to ``chat`` (call only when :meth:`wait_for` is 0)."""
        self._refill()
        self._tokens -= 1
        self._last_per_chat[chat] = self._now()
        if len(self._last_per_chat) > 10_000:  # forget chats whose gap is long over
            horizon = self._now() - self.limits.chat_gap
            self._last_per_chat = {c: t for c, t in self._last_per_chat.items() if t > horizon}

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the platform said ``retry_after``)."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
        self._tokens = 0.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff for transient failures, and when to give up."""

    first: timedelta = timedelta(seconds=5)
    longest: timedelta = timedelta(hours=1)
    attempts: int = 8

    def delay(self, attempt: int) -> timedelta:
        """The wait after the ``attempt``-th failed attempt (1-based)."""
        factor: int = 2 ** max(0, attempt - 1)
        return min(self.longest, self.first * factor)


@dataclass
class DrainStats:
    """What a drainer did, for logs and benchmarks."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    expired: int = 0
    lost_claims: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


class OutboxDrainer:
    """Sends one channel's due outbox rows through its :class:`OutboxSender`."""

    def __init__(
        self,
        outbox: SqlOutbox,
        sender: OutboxSender,
        channel: str,
        clock: Clock,
        *,
        limits: ChannelLimits = TELEGRAM_LIMITS,
        retry: RetryPolicy | None = None,
        on_blocked: Callable[[UserId], Awaitable[None]] | None = None,
        sleep: Sleep = asyncio.sleep,
        hold: timedelta = timedelta(minutes=2),
        idle_poll: float = 5.0,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.channel = channel
        self.clock = clock
        self.limits = limits
        self.retry = retry or RetryPolicy()
        self.on_blocked = on_blocked
        self.sleep = sleep
        self.hold = hold
        self.idle_poll = idle_poll
        self.token = uuid.uuid4().hex
        self.limiter = RateLimiter(limits, lambda: self.clock().timestamp())
        self.stats = DrainStats()
        self._blocked: set[str] = set()
        self._wake = asyncio.Event()

    @property
    def batch_size(self) -> int:
        """Rows claimed at once: about ten seconds of sending, well inside the claim's hold.

        Large enough that the pause to claim the next batch costs little throughput.
        """
        return max(1, min(500, int(self.limits.per_second * 10)))

    def wake(self) -> None:
        """Something was enqueued: look again without waiting for the poll."""
        self._wake.set()

    async def drain_once(self) -> int:
        """Claim the due rows (one batch) and send them; returns how many were handled."""
        now = self.clock()
        claimed = await self.outbox.claim(
            self.channel, now, self.batch_size, self.token, self.hold
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
                wait = min(wait, max(0.0, (due - self.clock()).total_seconds()))
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
            wait = self.limiter.wait_for(str(message.chat))
            if wait <= 0:
                return message, None
            shortest = wait if shortest is None else min(shortest, wait)
        return None, shortest

    async def _send_all(self, claimed: list[ClaimedMessage]) -> None:
        """Send in due order, passing chats that must wait, ``concurrency`` at a time.

        One chat never has two sends in flight, so its messages arrive in order.
        """
        queue = deque(claimed)
        busy: set[str] = set()
        tasks: set[asyncio.Task[None]] = set()
        while queue or tasks:
            chosen, shortest = self._pick(queue, busy)
            if chosen is not None and len(tasks) < self.limits.concurrency:
                queue.remove(chosen)
                chat = str(chosen.chat)
                self.limiter.take(chat)
                busy.add(chat)
                task = asyncio.ensure_future(self._send_one(chosen))
                task.add_done_callback(_forget_chat(busy, chat))
                task.add_done_callback(tasks.discard)
                tasks.add(task)
            elif tasks:
                timeout = shortest if chosen is None else None
                await asyncio.wait(set(tasks), timeout=timeout, return_when="FIRST_COMPLETED")
            elif shortest is not None:
                await self.sleep(shortest)

    async def _send_one(self, message: ClaimedMessage) -> None:
        now = self.clock()
        if str(message.user) in self._blocked:
            await self.outbox.mark_final(message.id, self.token, State.DROPPED, "blocked")
            return
        if message.expires_at is not None and message.expires_at <= now:
            self.stats.expired += 1
            await self.outbox.mark_final(message.id, self.token, State.DROPPED, "started")
            return
        try:
            outcome = await self.sender.send(message.chat, message.reply, message.key)
        except Exception as error:  # an adapter bug must not stop the channel
            log.exception("sender raised for %s", message.key)
            outcome = SendOutcome.transient(repr(error))
        self.stats.outcomes.append(outcome.outcome)
        await self._record(message, outcome)

    async def _record(self, message: ClaimedMessage, outcome: SendOutcome) -> None:
        now = self.clock()
        kept = True
        if outcome.outcome is Outcome.DELIVERED:
            kept = await self.outbox.mark_sent(message.id, self.token, now, outcome.message_id)
            self.stats.sent += 1
        elif outcome.outcome is Outcome.RETRY_AFTER:
            self.limiter.pause(outcome.seconds)
            later = now + timedelta(seconds=outcome.seconds)
            kept = await self.outbox.mark_retry(message.id, self.token, later, "retry_after")
            self.stats.retried += 1
        elif outcome.outcome is Outcome.TRANSIENT and message.attempts < self.retry.attempts:
            later = now + self.retry.delay(message.attempts)
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
        if not kept:
            self.stats.lost_claims += 1
            log.warning("claim on %s was lost before its outcome was recorded", message.key)



def _forget_chat(busy: set[str], chat: str) -> Callable[[asyncio.Task[None]], None]:
    def done(_task: asyncio.Task[None]) -> None:
        busy.discard(chat)

    return done
