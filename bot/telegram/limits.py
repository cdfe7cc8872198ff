"""Telegram's sending limits, stated once, and the hook that applies them to every request.

Telegram allows about 30 messages a second overall, one a second per private chat (short
bursts tolerated) and 20 a minute per group, and answers ``429 retry_after`` beyond that:
:data:`TELEGRAM_LIMITS` is the one place this is written in the product. The channel builds
one :class:`~bot.pacing.Pacer` from it and one :class:`~bot.pacing.RetryPolicy`, shared by
replies and the outbox drainer (see :mod:`bot.pacing`).

:class:`TelegramLimiter` is python-telegram-bot's rate-limiter hook: every Bot API request
passes through it (``getUpdates`` excepted). A reply waits for its chat's budget and the
overall one; a ``429`` pauses the chat for ``retry_after`` and the request is tried again;
``5xx`` answers, timeouts and dropped connections are retried with exponential backoff.
Errors that retrying cannot fix (400, 403, 401) go straight to the caller. An outbox message
comes from its drainer (``rate_limit_args=OUTBOX``): it is paced like any message (each part
of it) but tried once, and whatever happens goes back to the drainer, which owns its retries.

A timeout can hide a request Telegram did carry out, so retrying it may, rarely, deliver a
message twice; losing answers is the worse failure for a newcomer asking something.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

from bot.pacing import Budget, ChannelLimits, Clock, Pacer, RetryPolicy

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]

PLATFORM = "telegram"

TELEGRAM_LIMITS = ChannelLimits(
    overall=30,
    overall_window=1.0,
    private_burst=3,
    private_interval=1.0,
    group=20,
    group_window=60.0,
    margin=0.05,
)
"""Telegram's limits for bots: 30 messages a second, about one a second per private chat
after a burst of three, 20 a minute per group; plus 50 ms on every window and interval for
the jitter between our clock and Telegram's."""

#: ``rate_limit_args`` of a request from the outbox drainer: paced, but never retried here.
#: (python-telegram-bot drops a falsy value, so it cannot be spelled 0.)
OUTBOX = -1


class LimiterClosedError(Exception):
    """A request that would have waited past the shutdown grace period; it is dropped."""


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


def pacer_key(chat: int | str) -> str:
    """How the pacer (and the core) name a Telegram chat: ``telegram:<id>``."""
    return f"{PLATFORM}:{chat}"


def is_group_key(key: str) -> bool:
    """Whether a ``telegram:<id>`` chat is a group or channel (paced per minute)."""
    number = key.partition(":")[2]
    try:
        return int(number) <= 0
    except ValueError:
        return True


def telegram_pacer(limits: ChannelLimits = TELEGRAM_LIMITS, clock: Clock = time.monotonic) -> Pacer:
    """The one pacer of a Telegram channel."""
    return Pacer(limits, clock, is_group_key)


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
        limits: ChannelLimits = TELEGRAM_LIMITS,
        retry: RetryPolicy | None = None,
        *,
        clock: Clock = time.monotonic,
        pacer: Pacer | None = None,
    ) -> None:
        self.pacer = pacer or telegram_pacer(limits, clock)
        self.retry = retry or RetryPolicy()
        self._clock = self.pacer.clock
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
        """Wait for the budget, make the request, retry what retrying can fix.

        A request of the outbox drainer (``OUTBOX``) is paced and tried once: the drainer
        owns its retries.
        """
        once = rate_limit_args == OUTBOX
        found = chat_of(data)
        chat = pacer_key(found) if found is not None else None
        counted = is_message_method(endpoint)
        floods = self.retry.flood_retries
        failures = 0
        while True:
            spent = await self._admit(chat, counted)
            try:
                return await callback(*args, **kwargs)
            except TelegramError as error:
                if not isinstance(error, TimedOut):  # Telegram answered: nothing was sent
                    self.pacer.give_back(spent)
                if once:
                    raise
                if isinstance(error, RetryAfter):
                    if floods is not None and floods <= 0:
                        raise
                    floods = None if floods is None else floods - 1
                    seconds = self.retry.retry_after(retry_seconds(error))
                    log.info("Telegram asked to slow down for %.1f s (%s)", seconds, endpoint)
                    self.pacer.pause(chat if counted else None, seconds)
                    continue
                if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
                    raise
                failures += 1
                if failures >= self.retry.reply_attempts:
                    raise
                delay = self.retry.backoff(failures)
                log.warning(
                    "%s failed (%s); retry %d in %.1f s",
                    endpoint, type(error).__name__, failures, delay,
                )  # fmt: skip
                await self._sleep(delay)

    async def _admit(self, chat: str | None, counted: bool) -> list[Budget]:
        """Wait until the chat (and the bot as a whole) may send one more message.

        Gives the budgets that were charged, so a request Telegram refused can be refunded.
        """
        while True:
            wait = self.pacer.wait_for(chat, counted=counted)
            if wait <= 0:
                return self.pacer.take(chat) if counted else []
            await self._sleep(wait)

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
