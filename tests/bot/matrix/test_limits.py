"""Rate limits are waited out as the server asks; hiccups are retried; hopeless calls are not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import ClientConnectionError
from nio import RoomSendError, RoomSendResponse

from bot.matrix.limits import (
    MATRIX_RETRY,
    GaveUpError,
    Stats,
    Verdict,
    call_with_retries,
    verdict,
)

POLICY = replace(MATRIX_RETRY, reply_attempts=4, first=0.5, longest=1.5)


class Recorder:
    """A fake sleep that records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def scripted(*outcomes: Any) -> Callable[[], Awaitable[Any]]:
    """An attempt that returns (or raises) the given outcomes one after another."""
    queue = list(outcomes)

    async def attempt() -> Any:
        outcome = queue.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return attempt


def sent() -> RoomSendResponse:
    return RoomSendResponse("$sent", "!room:x")


def limited(milliseconds: int | None) -> RoomSendError:
    return RoomSendError("Too Many Requests", "M_LIMIT_EXCEEDED", milliseconds)


def with_status(error: RoomSendError, status: int) -> RoomSendError:
    error.transport_response = SimpleNamespace(status=status)
    return error


async def test_rate_limits_are_waited_out_as_long_as_the_server_asks() -> None:
    sleep, stats = Recorder(), Stats()
    attempt = scripted(limited(1200), limited(None), limited(10**9), sent())
    response = await call_with_retries("send", attempt, policy=POLICY, stats=stats, sleep=sleep)
    assert response.event_id == "$sent"
    assert sleep.waits == [1.2, POLICY.default_retry_after, POLICY.longest_retry_after]
    assert stats.rate_limited == 3
    assert stats.waited_seconds == pytest.approx(sum(sleep.waits))
    assert stats.given_up == 0


async def test_transient_failures_back_off_and_then_succeed() -> None:
    sleep, stats = Recorder(), Stats()
    server_error = with_status(RoomSendError("oops", None), 502)
    attempt = scripted(ClientConnectionError(), TimeoutError(), server_error, sent())
    response = await call_with_retries("send", attempt, policy=POLICY, stats=stats, sleep=sleep)
    assert response.event_id == "$sent"
    assert sleep.waits == [0.5, 1.0, 1.5]
    assert stats.transient_failures == 3


async def test_transient_failures_give_up_after_the_policys_attempts() -> None:
    sleep, stats = Recorder(), Stats()
    attempt = scripted(*[ClientConnectionError() for _ in range(POLICY.reply_attempts)])
    with pytest.raises(GaveUpError, match="send to !room"):
        await call_with_retries("send to !room", attempt, policy=POLICY, stats=stats, sleep=sleep)
    assert len(sleep.waits) == POLICY.reply_attempts - 1
    assert stats.given_up == 1


async def test_a_permanent_error_is_not_retried() -> None:
    sleep, stats = Recorder(), Stats()
    forbidden = with_status(RoomSendError("not in room", "M_FORBIDDEN"), 403)
    with pytest.raises(GaveUpError, match="M_FORBIDDEN"):
        await call_with_retries(
            "send", scripted(forbidden), policy=POLICY, stats=stats, sleep=sleep
        )
    assert sleep.waits == []
    returned = await call_with_retries(
        "send", scripted(forbidden), policy=POLICY, stats=stats, sleep=sleep,
        raise_on_permanent=False,
    )
    assert returned is forbidden


def test_verdicts() -> None:
    assert verdict(sent()) is Verdict.DONE
    assert verdict(limited(5)) is Verdict.RATE_LIMITED
    assert verdict(with_status(RoomSendError("slow down", None), 429)) is Verdict.RATE_LIMITED
    assert verdict(with_status(RoomSendError("bad gateway", None), 502)) is Verdict.TRANSIENT
    assert verdict(with_status(RoomSendError("no", "M_NOT_FOUND"), 404)) is Verdict.PERMANENT


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [POLICY.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]
