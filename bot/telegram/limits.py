"""Staying under Telegram's flood limits, and riding out its hiccups.

Telegram allows about 30 messages a second overall, one a second per private chat (short
bursts tolerated) and 20 a minute per group, and answers ``429 retry_after`` beyond that.
:class:`TelegramLimiter` is python-telegram-bot's rate-limiter hook: every Bot API request
passes through it (``getUpdates`` excepted). Messages wait for their chat's budget and the
overall one before they go; a ``429`` pauses the chat for ``retry_after`` and the request is
tried again; ``5xx`` answers, timeouts and dropped connections are retried with exponential
backoff. Errors that retrying cannot fix (400, 403, 401) go straight to the caller.

A timeout can hide a request Telegram did carry out, so retrying it may, rarely, deliver a
message twice; losing answers is the worse failure for a newcomer asking something.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

Clock = Callable[[], float]
JSON = bool | dict[str, Any] | list[dict[str, Any]]


#: ``rate_limit_args`` for "report a 429 at once": python-telegram-bot drops a falsy value,
#: so zero retries cannot be spelled 0.
NO_FLOOD_RETRIES = -1


class LimiterClosedError(Exception):
    """A request that would have waited past the shutdown grace period; it is dropped."""


@dataclass(frozen=True)
class Limits:
    """How many messages may go out; the defaults are Telegram's, with a small safety margin.

    The margin absorbs network jitter between this clock and Telegram's, so a steady stream
    does not touch the limit.
    """

    overall: int = 30
    overall_window: float = 1.0
    private_burst: int = 3
    private_interval: float = 1.0
    group: int = 20
    group_window: float = 60.0
    margin: float = 0.1


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed request is tried again."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 8.0
    flood_retries: int = 5
    flood_margin: float = 0.1


@dataclass
class SlidingWindow:
    """At most ``size`` events in any ``length`` seconds."""

    size: int
    length: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        while self.times and self.times[0] <= now - self.length:
            self.times.popleft()
        if len(self.times) < self.size:
            return 0.0
        return self.times[0] + self.length - now

    def take(self, now: float) -> None:
        """Count one event."""
        self.times.append(now)

    def give_back(self) -> None:
        """Forget the latest event (it did not happen after all)."""
        if self.times:
            self.times.pop()

    def idle(self, now: float) -> bool:
        """Whether the window has forgotten every event."""
        return self.wait(now) == 0.0 and not self.times


@dataclass
class TokenBucket:
    """``capacity`` quick events, then one per ``interval`` seconds."""

    capacity: int
    interval: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, capacity: int, interval: float, now: float) -> TokenBucket:
        """A bucket that allows a burst right away."""
        return cls(capacity, interval, float(capacity), now)

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) / self.interval)
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) * self.interval

    def take(self, now: float) -> None:
        """Spend one token."""
        self._refill(now)
        self.tokens -= 1

    def give_back(self) -> None:
        """Return a token spent on a message that was not sent."""
        self.tokens = min(self.capacity, self.tokens + 1)

    def idle(self, now: float) -> bool:
        """Whether the bucket is full again (and can be forgotten)."""
        self._refill(now)
        return self.tokens >= self.capacity


Budget = SlidingWindow | TokenBucket


def is_message_method(endpoint: str) -> bool:
    """Whether a Bot API method puts a message in a chat (and counts against flood limits)."""
    name = endpoint.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "edit", "copymessage", "forwardmessage"))


def chat_of(data: dict[str, Any]) -> int | str | None:
    """The request's ``chat_id`` as an int when numeric (``@channel`` names stay strings)."""
    value = data.get("chat_id")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def is_private(chat: int | str) -> bool:
    """Private chats have the user's (positive) id; groups and channels are negative or named."""
    return isinstance(chat, int) and chat > 0


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever way python-telegram-bot reports it."""
    value = error.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


class TelegramLimiter(BaseRateLimiter[int]):
    """Per-chat and overall flood limits plus retries, for every Bot API request."""

    def __init__(
        self,
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.limits = limits or Limits()
        self.retry = retry or RetryPolicy()
        self._clock = clock
        margin = self.limits.margin
        self._overall = SlidingWindow(self.limits.overall, self.limits.overall_window + margin)
        self._private: dict[int | str, TokenBucket] = {}
        self._groups: dict[int | str, SlidingWindow] = {}
        self._paused: dict[int | str | None, float] = {}
        self._closed = asyncio.Event()
        self._deadline: float | None = None
        self.dropped = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def close(self, grace: float) -> None:
        """From now on, drop requests that would still be waiting ``grace`` seconds from now."""
        self._deadline = self._clock() + grace
        self._closed.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Wait for the budget, make the request, retry what retrying can fix."""
        chat = chat_of(data)
        counted = is_message_method(endpoint)
        floods = self.retry.flood_retries if rate_limit_args is None else max(0, rate_limit_args)
        failures = 0
        delay = self.retry.first_delay
        while True:
            spent = await self._admit(chat if counted else None, counted)
            try:
                return await callback(*args, **kwargs)
            except TelegramError as error:
                if not isinstance(error, TimedOut):  # Telegram answered: nothing was sent
                    self._give_back(spent)
                if isinstance(error, RetryAfter):
                    if floods <= 0:
                        raise
                    floods -= 1
                    seconds = retry_seconds(error) + self.retry.flood_margin
                    log.info("Telegram asked to slow down for %.1f s (%s)", seconds, endpoint)
                    self._pause(chat if counted else None, seconds)
                    continue
                if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
                    raise
                failures += 1
                if failures >= self.retry.attempts:
                    raise
                log.warning(
                    "%s failed (%s); retry %d in %.1f s",
                    endpoint, type(error).__name__, failures, delay,
                )  # fmt: skip
                await self._sleep(delay)
                delay = min(delay * 2, self.retry.max_delay)

    async def _admit(self, chat: int | str | None, counted: bool) -> list[Budget]:
        """Wait until the chat (and the bot as a whole) may send one more message.

        Gives the budgets that were charged, so a request Telegram refused can be refunded.
        """
        while True:
            now = self._clock()
            wait = max(self._paused.get(chat, 0.0), self._paused.get(None, 0.0)) - now
            budgets: list[Budget] = []
            if counted:
                budgets.append(self._overall)
                if chat is not None:
                    budgets.append(self._budget(chat, now))
            wait = max([wait, *(budget.wait(now) for budget in budgets)])
            if wait <= 0:
                for budget in budgets:
                    budget.take(now)
                return budgets
            await self._sleep(wait)

    @staticmethod
    def _give_back(budgets: list[Budget]) -> None:
        for budget in budgets:
            budget.give_back()

    def _budget(self, chat: int | str, now: float) -> TokenBucket | SlidingWindow:
        limits = self.limits
        if is_private(chat):
            bucket = self._private.get(chat)
            if bucket is None:
                self._forget_idle(self._private, now)
                interval = limits.private_interval + limits.margin
                bucket = self._private[chat] = TokenBucket.full(limits.private_burst, interval, now)
            return bucket
        window = self._groups.get(chat)
        if window is None:
            self._forget_idle(self._groups, now)
            window = self._groups[chat] = SlidingWindow(
                limits.group, limits.group_window + limits.margin
            )
        return window

    @staticmethod
    def _forget_idle(
        budgets: dict[int | str, TokenBucket] | dict[int | str, SlidingWindow], now: float
    ) -> None:
        """Drop budgets of quiet chats now and then, so memory stays bounded."""
        if len(budgets) < 1024:
            return
        for key in [key for key, budget in budgets.items() if budget.idle(now)]:
            del budgets[key]

    async def _sleep(self, seconds: float) -> None:
        """Sleep, unless closing: then only if the wait ends within the grace period."""
        until = self._clock() + seconds
        if not self._closed.is_set():
            try:
                await asyncio.wait_for(self._closed.wait(), seconds)
            except TimeoutError:
                return
        if self._deadline is not None and until > self._deadline:
            self.dropped += 1
            raise LimiterClosedError(f"shutting down; not waiting {seconds:.1f} s")
        remaining = until - self._clock()
        if remaining > 0:
            await asyncio.sleep(remaining)

    def _pause(self, chat: int | str | None, seconds: float) -> None:
        """Hold a chat (``None``: everything) for ``seconds``; forget pauses long over."""
        now = self._clock()
        if len(self._paused) >= 1024:
            for key in [key for key, until in self._paused.items() if until <= now]:
                del self._paused[key]
        self._paused[chat] = max(self._paused.get(chat, 0.0), now + seconds)
