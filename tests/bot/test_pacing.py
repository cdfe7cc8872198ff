"""One limiter and one retry loop per message: replies and the outbox share a channel's pacer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter

from bot.pacing import ChannelLimits, Pacer, RetryPolicy
from bot.telegram.limits import OUTBOX, TELEGRAM_LIMITS, TelegramLimiter, is_group_key


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Telegram:
    """Fails as scripted, then succeeds; counts calls."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": endpoint}


async def request(limiter: TelegramLimiter, telegram: Telegram, chat: int, args: int | None) -> Any:
    data = {"chat_id": chat}
    return await limiter.process_request(
        telegram, ("sendMessage", data), {}, "sendMessage", data, args
    )


def test_telegrams_limits_are_its_stated_ones() -> None:
    limits = TELEGRAM_LIMITS
    assert (limits.overall, limits.overall_window) == (30, 1.0)
    assert (limits.private_burst, limits.private_interval) == (3, 1.0)
    assert (limits.group, limits.group_window) == (20, 60.0)
    assert is_group_key("telegram:-100123")
    assert not is_group_key("telegram:42")


def test_a_chats_budget_is_one_for_everything_sent_to_it() -> None:
    clock = Clock()
    pacer = Pacer(replace(TELEGRAM_LIMITS, margin=0.0), clock, is_group_key)
    for _ in range(3):  # the outbox drainer admits three reminders to one chat
        assert pacer.wait_for("telegram:42") == 0.0
        pacer.take("telegram:42")
    assert pacer.wait_for("telegram:42") == pytest.approx(1.0)  # a reply now waits too
    assert pacer.wait_for("telegram:43") == 0.0
    pacer.pause(None, 5.0)  # a retry_after seen by either holds both
    assert pacer.wait_for("telegram:43") == pytest.approx(5.0)
    clock.now += 5.0
    assert pacer.wait_for("telegram:43") == 0.0


async def test_an_outbox_message_is_paced_like_a_reply_but_never_retried_here() -> None:
    clock = Clock()
    limiter = TelegramLimiter(replace(TELEGRAM_LIMITS, margin=0.0), clock=clock)
    telegram = Telegram()
    for _ in range(3):  # three reminders (or the parts of a long one) to one chat
        assert await request(limiter, telegram, 42, OUTBOX) == {"ok": "sendMessage"}
    assert limiter.pacer.wait_for("telegram:42") == pytest.approx(1.0)  # a reply now waits
    flooded = Telegram(RetryAfter(3))
    with pytest.raises(RetryAfter):
        await request(limiter, flooded, 7, OUTBOX)
    broken = Telegram(NetworkError("Bad Gateway (502)"))
    with pytest.raises(NetworkError):
        await request(limiter, broken, 8, OUTBOX)
    assert (flooded.calls, broken.calls) == (1, 1)  # the drainer owns the retries
    assert limiter.pacer.wait_for("telegram:7") == 0.0  # refused: its charge was given back


async def test_a_reply_is_retried_by_the_one_policy() -> None:
    policy = RetryPolicy(first=0.001, longest=0.002, reply_attempts=3)
    limiter = TelegramLimiter(ChannelLimits.unlimited(), policy)
    telegram = Telegram(NetworkError("Bad Gateway (502)"), NetworkError("Bad Gateway (502)"))
    assert await request(limiter, telegram, 42, None) == {"ok": "sendMessage"}
    assert telegram.calls == 3


def test_one_backoff_curve_a_reply_stops_early_an_outbox_row_rides_out_an_outage() -> None:
    policy = RetryPolicy()
    waits = [policy.backoff(n) for n in range(1, policy.attempts)]
    assert waits[:3] == [0.5, 1.0, 2.0]
    assert max(waits) <= policy.longest
    assert sum(waits[: policy.reply_attempts - 1]) < 10  # someone is waiting for a reply
    assert sum(waits) > 120  # a reminder survives a few minutes of Telegram being away
    assert policy.retry_after(None) == policy.default_retry_after
    assert policy.retry_after(10**6) == policy.longest_retry_after + policy.flood_margin
