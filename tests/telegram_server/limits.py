"""Telegram's flood control: overall, per private chat and per group message limits.

Telegram documents about 30 messages a second overall, one a second per private
chat (short bursts tolerated) and 20 a minute per group, and answers 429 with an
integer ``retry_after``. :class:`FloodControl` enforces the same with a clock the
test can drive, so limits are checked without sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimits:
    """How many messages Telegram accepts; windows are in seconds of the clock."""

    global_per_window: int = 30
    global_window: float = 1.0
    private_burst: int = 3
    private_interval: float = 1.0
    group_per_window: int = 20
    group_window: float = 60.0
    enabled: bool = True

    @classmethod
    def off(cls) -> RateLimits:
        """Give limits that never refuse, for tests about something else."""
        return cls(enabled=False)


@dataclass
class ManualClock:
    """A monotonic clock that moves only when a test says so."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


def _seconds_to_wait(seconds: float) -> int:
    """Round a wait up to whole seconds, at least one, as Telegram reports it."""
    return max(1, math.ceil(seconds - 1e-9))


@dataclass
class _Window:
    """Send times within a sliding window."""

    size: int
    length: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.length:
            self.times.popleft()
        if len(self.times) < self.size:
            return 0.0
        return self.times[0] + self.length - now

    def add(self, now: float) -> None:
        self.times.append(now)


@dataclass
class _Bucket:
    """A token bucket: ``capacity`` quick sends, then one per ``interval``."""

    capacity: int
    interval: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) / self.interval)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) * self.interval

    def add(self, now: float) -> None:
        self.tokens -= 1


class FloodControl:
    """Decides whether one more message may go out now, and how long to wait if not."""

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._global = _Window(limits.global_per_window, limits.global_window)
        self._private: dict[int, _Bucket] = {}
        self._groups: dict[int, _Window] = {}

    def acquire(self, chat_id: int, *, is_private: bool) -> int | None:
        """Count a message to ``chat_id``; give ``retry_after`` seconds instead if refused."""
        if not self._limits.enabled:
            return None
        now = self._clock()
        chat = self._private_bucket(chat_id, now) if is_private else self._group_window(chat_id)
        wait = max(self._global.wait(now), chat.wait(now))
        if wait > 0:
            return _seconds_to_wait(wait)
        self._global.add(now)
        chat.add(now)
        return None

    def _private_bucket(self, chat_id: int, now: float) -> _Bucket:
        limits = self._limits
        return self._private.setdefault(
            chat_id,
            _Bucket(limits.private_burst, limits.private_interval, limits.private_burst, now),
        )

    def _group_window(self, chat_id: int) -> _Window:
        limits = self._limits
        return self._groups.setdefault(
            chat_id, _Window(limits.group_per_window, limits.group_window)
        )
