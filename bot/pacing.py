"""One limiter and one retry policy per channel, shared by its replies and its outbox.

A platform states its sending limits once (:data:`bot.telegram.limits.TELEGRAM_LIMITS`,
:data:`bot.matrix.limits.MATRIX_LIMITS`, :data:`bot.email.EMAIL_LIMITS`) as
:class:`ChannelLimits`. Each running channel owns one :class:`Pacer` built from them and one
:class:`RetryPolicy`; its replies and the outbox drainer of that channel use those same two
objects, so every message is charged once against one set of budgets and retried by one loop:

- every message is charged where it leaves (Telegram: python-telegram-bot's rate-limiter
  hook, each part of a long message included; Matrix: the channel's send), replies and
  outbox messages alike;
- a reply is retried there, :attr:`RetryPolicy.reply_attempts` times, because someone is
  waiting for it;
- the outbox drainer asks the same pacer which due message may go now (so one busy chat does
  not hold up the others), and the channel tries it once; the drainer records the outcome
  and the row is tried again later (:meth:`RetryPolicy.backoff`), up to
  :attr:`RetryPolicy.attempts` times, since the database keeps it meanwhile. A channel that
  does not pace by itself (e-mail, the terminal, a test's fake) has the drainer charge.

A ``retry_after`` from the platform pauses the pacer (the chat, or the whole channel), so
both paths respect it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
"""Seconds on a monotonic clock (``time.monotonic``, or a test's fake)."""

_EPSILON = 1e-7


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """A platform's sending limits, as it states them.

    ``overall`` messages in any ``overall_window`` seconds for the whole channel; a private
    chat ``private_burst`` at once, then one per ``private_interval`` seconds; a group
    ``group`` messages in any ``group_window`` seconds. ``margin`` seconds are added to every
    window and interval, to absorb jitter between our clock and the platform's.
    ``concurrency``: sends in flight at once (the outbox drainer's).
    """

    overall: int
    overall_window: float = 1.0
    private_burst: int = 1
    private_interval: float = 0.0
    group: int = 1_000_000
    group_window: float = 1.0
    margin: float = 0.0
    concurrency: int = 8

    @classmethod
    def unlimited(cls, concurrency: int = 8) -> ChannelLimits:
        """Limits that never hold anything back (tests about something else, fast fakes)."""
        big = 1_000_000_000
        return cls(big, 1.0, big, 0.0, big, 1.0, 0.0, concurrency)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try a failed send again, for replies and outbox messages alike.

    Transient failures (network, 5xx, time-outs) back off exponentially from ``first`` up to
    ``longest`` seconds. A reply gives up after ``reply_attempts`` tries (someone is waiting);
    an outbox row after ``attempts`` (it waits in the database, so it can ride out an outage
    of some minutes). ``retry_after`` from the platform is honoured (plus ``flood_margin``;
    ``default_retry_after`` when it gives none, at most ``longest_retry_after``); a reply
    waits out at most ``flood_retries`` of them (``None``: as many as it takes).
    """

    first: float = 0.5
    longest: float = 300.0
    attempts: int = 12
    reply_attempts: int = 5
    flood_retries: int | None = 5
    flood_margin: float = 0.1
    default_retry_after: float = 2.0
    longest_retry_after: float = 600.0

    def backoff(self, failures: int) -> float:
        """The wait after the ``failures``-th failure in a row (1-based)."""
        return float(min(self.first * 2 ** max(failures - 1, 0), self.longest))

    def retry_after(self, seconds: float | None) -> float:
        """The wait the platform asked for, bounded, defaulted and with the margin."""
        if seconds is None:
            return self.default_retry_after
        return min(max(seconds, 0.0), self.longest_retry_after) + self.flood_margin


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
            if self.interval <= 0:
                self.tokens = float(self.capacity)
            else:
                gained = (now - self.updated) / self.interval
                self.tokens = min(self.capacity, self.tokens + gained)
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill(now)
        if self.tokens >= 1 - _EPSILON or self.interval <= 0:
            return 0.0
        return (1 - self.tokens) * self.interval

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


def never_a_group(chat: str) -> bool:
    """For platforms whose chats are all paced alike."""
    return False


class Pacer:
    """The channel's budgets: overall, per chat, per group, and pauses after ``retry_after``.

    Chats are named as the core names them (``telegram:123``, ``matrix:!room``);
    ``is_group`` tells which are groups. :meth:`wait_for` only looks; :meth:`take` charges,
    and a charge for a message the platform refused can be given back.
    """

    def __init__(
        self,
        limits: ChannelLimits,
        clock: Clock = time.monotonic,
        is_group: Callable[[str], bool] = never_a_group,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.is_group = is_group
        margin = limits.margin
        self._overall = SlidingWindow(limits.overall, limits.overall_window + margin)
        self._private: dict[str, TokenBucket] = {}
        self._groups: dict[str, SlidingWindow] = {}
        self._paused: dict[str | None, float] = {}

    def wait_for(self, chat: str | None, *, counted: bool = True) -> float:
        """Seconds until a message to ``chat`` may go (0: now); charges nothing.

        ``counted=False`` for requests that are not messages (they only respect pauses).
        """
        now = self.clock()
        waits = [
            self._paused.get(None, 0.0) - now,
            self._paused.get(chat, 0.0) - now if chat is not None else 0.0,
        ]
        if counted:
            waits += [budget.wait(now) for budget in self._budgets(chat, now)]
        longest = max(waits)
        # Whole microseconds (what a clock can advance by), never a float crumb that rounds to 0.
        return 0.0 if longest <= _EPSILON else int(longest * 1e6 + 1 - _EPSILON) / 1e6

    def take(self, chat: str | None) -> list[Budget]:
        """Charge one message to ``chat``; gives the budgets charged (to give them back)."""
        now = self.clock()
        budgets = self._budgets(chat, now)
        for budget in budgets:
            budget.take(now)
        return budgets

    @staticmethod
    def give_back(budgets: list[Budget]) -> None:
        """Refund a message the platform refused (it was not delivered)."""
        for budget in budgets:
            budget.give_back()

    def pause(self, chat: str | None, seconds: float) -> None:
        """Hold a chat (``None``: the whole channel) for ``seconds``; forget pauses long over."""
        now = self.clock()
        if len(self._paused) >= 1024:
            for key in [key for key, until in self._paused.items() if until <= now]:
                del self._paused[key]
        self._paused[chat] = max(self._paused.get(chat, 0.0), now + seconds)

    def _budgets(self, chat: str | None, now: float) -> list[Budget]:
        if chat is None:
            return [self._overall]
        limits = self.limits
        if self.is_group(chat):
            window = self._groups.get(chat)
            if window is None:
                _forget_idle(self._groups, now)
                window = self._groups[chat] = SlidingWindow(
                    limits.group, limits.group_window + limits.margin
                )
            return [self._overall, window]
        bucket = self._private.get(chat)
        if bucket is None:
            _forget_idle(self._private, now)
            interval = limits.private_interval + limits.margin if limits.private_interval else 0.0
            bucket = self._private[chat] = TokenBucket.full(limits.private_burst, interval, now)
        return [self._overall, bucket]


def _forget_idle(budgets: dict[str, TokenBucket] | dict[str, SlidingWindow], now: float) -> None:
    """Drop budgets of quiet chats now and then, so memory stays bounded."""
    if len(budgets) < 1024:
        return
    for key in [key for key, budget in budgets.items() if budget.idle(now)]:
        del budgets[key]


@dataclass(frozen=True)
class Pacing:
    """A channel's one pacer and one retry policy, handed to its outbox drainer.

    ``charged_by_channel``: the channel charges the pacer itself as messages leave (Telegram,
    Matrix), so the drainer only looks; otherwise the drainer charges.
    """

    pacer: Pacer
    retry: RetryPolicy
    charged_by_channel: bool = False

    @classmethod
    def of(
        cls,
        limits: ChannelLimits,
        retry: RetryPolicy | None = None,
        clock: Clock = time.monotonic,
    ) -> Pacing:
        """Pacing for a channel that has no replies of its own (e-mail)."""
        return cls(Pacer(limits, clock), retry or RetryPolicy())
