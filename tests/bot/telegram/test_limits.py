"""Flood budgets and retries of the rate limiter, with tiny real-time limits."""

from __future__ import annotations

import asyncio
import datetime as dtm
import itertools
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.pacing import RetryPolicy, SlidingWindow, TokenBucket
from bot.telegram.limits import (
    TELEGRAM_LIMITS,
    LimiterClosedError,
    TelegramLimiter,
    chat_of,
    is_message_method,
    is_private,
)

#: Budgets so large that only retries can make a request wait.
ROOMY = replace(TELEGRAM_LIMITS, private_burst=100)
QUICK_RETRY = RetryPolicy(reply_attempts=4, first=0.02, longest=0.05, flood_retries=3,
                          flood_margin=0.0)  # fmt: skip


class Telegram:
    """A callback that fails as scripted, then succeeds; it records when it was called."""

    def __init__(self, failures: Sequence[Exception] = ()) -> None:
        self.failures = list(failures)
        self.calls: list[float] = []

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(time.monotonic())
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": endpoint}


async def send(limiter: TelegramLimiter, telegram: Telegram, chat: int | None,
               endpoint: str = "sendMessage") -> Any:  # fmt: skip
    data = {} if chat is None else {"chat_id": chat}
    return await limiter.process_request(telegram, (endpoint, data), {}, endpoint, data, None)


def test_sliding_window_allows_size_per_length() -> None:
    window = SlidingWindow(2, 10.0)
    for now in (0.0, 1.0):
        assert window.wait(now) == 0.0
        window.take(now)
    assert window.wait(2.0) == pytest.approx(8.0)
    assert window.wait(10.0) == 0.0


def test_token_bucket_allows_a_burst_then_one_per_interval() -> None:
    bucket = TokenBucket.full(3, 1.0, now=0.0)
    for _ in range(3):
        assert bucket.wait(0.0) == 0.0
        bucket.take(0.0)
    assert bucket.wait(0.0) == pytest.approx(1.0)
    assert bucket.wait(0.5) == pytest.approx(0.5)
    assert bucket.wait(1.0) == 0.0
    assert not bucket.idle(1.0)
    assert bucket.idle(10.0)


def test_which_requests_count_as_messages() -> None:
    counted = ["sendMessage", "editMessageText", "copyMessage", "sendPhoto"]
    assert [is_message_method(m) for m in counted] == [True] * 4
    free = ["sendChatAction", "answerCallbackQuery", "getMe", "setMyCommands"]
    assert [is_message_method(m) for m in free] == [False] * 4
    assert [chat_of({"chat_id": "-1001"}), chat_of({"chat_id": "@news"}), chat_of({})] == [
        -1001, "@news", None
    ]
    assert [is_private(1001), is_private(-1001), is_private("@news")] == [True, False, False]


async def test_private_chat_gets_a_burst_then_a_steady_pace() -> None:
    limits = replace(TELEGRAM_LIMITS, private_burst=2, private_interval=0.1, margin=0.0)
    limiter, telegram = TelegramLimiter(limits, QUICK_RETRY), Telegram()
    await asyncio.gather(*(send(limiter, telegram, 1001) for _ in range(5)))
    gaps = [b - a for a, b in itertools.pairwise(telegram.calls)]
    assert gaps[0] < 0.05
    assert all(gap >= 0.09 for gap in gaps[1:]), gaps


async def test_chats_do_not_wait_for_each_other() -> None:
    limits = replace(TELEGRAM_LIMITS, private_burst=1, private_interval=10.0, margin=0.0)
    limiter, telegram = TelegramLimiter(limits, QUICK_RETRY), Telegram()
    started = time.monotonic()
    await asyncio.gather(*(send(limiter, telegram, chat) for chat in range(1, 21)))
    assert time.monotonic() - started < 1.0


async def test_groups_get_their_window_and_the_bot_its_overall_rate() -> None:
    limits = replace(
        TELEGRAM_LIMITS, overall=4, overall_window=0.2, group=2, group_window=0.3, margin=0.0
    )
    limiter, telegram = TelegramLimiter(limits, QUICK_RETRY), Telegram()
    await asyncio.gather(*(send(limiter, telegram, -100) for _ in range(3)))
    assert telegram.calls[2] - telegram.calls[0] >= 0.29
    telegram.calls.clear()
    await asyncio.gather(*(send(limiter, telegram, chat) for chat in range(1, 9)))
    assert telegram.calls[4] - telegram.calls[0] >= 0.19


async def test_answers_to_button_presses_are_not_held_back() -> None:
    limits = replace(TELEGRAM_LIMITS, private_burst=1, private_interval=10.0, margin=0.0)
    limiter, telegram = TelegramLimiter(limits, QUICK_RETRY), Telegram()
    await send(limiter, telegram, 1001)
    started = time.monotonic()
    await send(limiter, telegram, None, "answerCallbackQuery")
    await send(limiter, telegram, 1001, "sendChatAction")
    assert time.monotonic() - started < 0.1


async def test_retry_after_is_honoured() -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    telegram = Telegram([RetryAfter(dtm.timedelta(seconds=0.15)), RetryAfter(0)])
    assert await send(limiter, telegram, 1001) == {"ok": "sendMessage"}
    assert len(telegram.calls) == 3
    assert telegram.calls[1] - telegram.calls[0] >= 0.14


async def test_retry_after_holds_the_chat_for_everyone() -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    first = Telegram([RetryAfter(dtm.timedelta(seconds=0.2))])
    second = Telegram()
    task = asyncio.create_task(send(limiter, first, 1001))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await send(limiter, second, 1001)
    assert time.monotonic() - started >= 0.1
    await task


async def test_too_many_429s_give_up() -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    telegram = Telegram([RetryAfter(0)] * 4)
    with pytest.raises(RetryAfter):
        await send(limiter, telegram, 1001)
    assert len(telegram.calls) == 4


async def test_server_errors_and_timeouts_are_retried_with_backoff() -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    telegram = Telegram([NetworkError("Bad Gateway (502)"), TimedOut(), NetworkError("500")])
    assert await send(limiter, telegram, 1001) == {"ok": "sendMessage"}
    gaps = [b - a for a, b in itertools.pairwise(telegram.calls)]
    assert [gap >= wanted for gap, wanted in zip(gaps, (0.015, 0.035, 0.045), strict=True)] == [
        True, True, True
    ]


async def test_network_errors_give_up_after_the_attempts() -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    telegram = Telegram([TimedOut()] * 10)
    with pytest.raises(TimedOut):
        await send(limiter, telegram, 1001)
    assert len(telegram.calls) == QUICK_RETRY.reply_attempts


@pytest.mark.parametrize("error", [BadRequest("message is too long"), Forbidden("blocked")])
async def test_errors_retrying_cannot_fix_are_raised_at_once(error: Exception) -> None:
    limiter = TelegramLimiter(ROOMY, QUICK_RETRY)
    telegram = Telegram([error])
    with pytest.raises(type(error)):
        await send(limiter, telegram, 1001)
    assert len(telegram.calls) == 1


async def test_closing_drops_long_waits_and_keeps_short_ones() -> None:
    limits = replace(TELEGRAM_LIMITS, private_burst=1, private_interval=30.0, margin=0.0)
    limiter, telegram = TelegramLimiter(limits, QUICK_RETRY), Telegram()
    await send(limiter, telegram, 1001)
    waiting = asyncio.create_task(send(limiter, telegram, 1001))
    quick = replace(TELEGRAM_LIMITS, private_burst=1, private_interval=0.1, margin=0.0)
    short = TelegramLimiter(quick, QUICK_RETRY)
    await send(short, telegram, 2002)
    soon = asyncio.create_task(send(short, telegram, 2002))
    await asyncio.sleep(0.02)
    started = time.monotonic()
    limiter.close(grace=1.0)
    short.close(grace=1.0)
    with pytest.raises(LimiterClosedError):
        await waiting
    assert await soon == {"ok": "sendMessage"}
    assert time.monotonic() - started < 0.5
    assert (limiter.dropped, short.dropped) == (1, 0)


async def test_refused_requests_give_their_budget_back_but_timeouts_do_not() -> None:
    limits = replace(TELEGRAM_LIMITS, private_burst=1, private_interval=0.3, margin=0.0)
    limiter = TelegramLimiter(limits, QUICK_RETRY)
    refused = Telegram([NetworkError("Bad Gateway (502)"), RetryAfter(0), BadRequest("no")])
    with pytest.raises(BadRequest):
        await send(limiter, refused, 1001)
    assert refused.calls[-1] - refused.calls[0] < 0.2  # no waiting for the chat's budget
    timed_out = Telegram([TimedOut()])
    await send(limiter, timed_out, 2002)
    assert timed_out.calls[1] - timed_out.calls[0] >= 0.29  # it may have been sent: charged
