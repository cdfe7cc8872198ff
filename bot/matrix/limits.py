"""Sending through rate limits and hiccups without dropping a reply.

The nio client is configured never to retry by itself (``max_limit_exceeded=0``,
``max_timeouts=0``), so every call comes back here:

* ``M_LIMIT_EXCEEDED`` (or HTTP 429): wait ``retry_after_ms`` (a default when the server gives
  none, capped so a broken value cannot park the bot for hours), pause the channel's pacer so
  the outbox waits too, and try again, as long as it takes: the homeserver decides the pace,
  and the reply is never dropped;
* a transient failure (connection error, timeout, HTTP 5xx): back off exponentially and try
  again, :attr:`~bot.pacing.RetryPolicy.reply_attempts` times;
* anything else (forbidden, unknown room, bad request): give up at once, since retrying
  cannot help.

Each message is sent with one transaction id for all its attempts, so a retry after a lost
answer never posts the message twice. The limits and the retry policy are the channel's one
pair (:mod:`bot.pacing`), shared with its outbox drainer: :data:`MATRIX_LIMITS`,
:data:`MATRIX_RETRY`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiohttp import ClientError
from nio import ErrorResponse

from bot.pacing import ChannelLimits, RetryPolicy

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Verdict(Enum):
    """What to do after one attempt."""

    DONE = "done"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


MATRIX_LIMITS = ChannelLimits(
    overall=10, overall_window=2.0, private_burst=3, private_interval=0.5, margin=0.0
)
"""A cautious default for a homeserver's ``rc_message`` (a bot exempt from it can raise it):
5 messages a second with bursts of 10, a room two a second after a burst of three."""

MATRIX_RETRY = RetryPolicy(
    first=0.5, longest=30.0, attempts=30, reply_attempts=8, flood_retries=None, flood_margin=0.0
)
"""The homeserver decides the pace: a rate limit is waited out as often as it comes; a
transient failure backs off to 30 s at most (a reply tries 8 times, an outbox row 30, about
13 minutes)."""


def retry_after_ms(response: Any) -> float | None:
    """The server's ``retry_after_ms`` in seconds, when it gave one."""
    value = getattr(response, "retry_after_ms", None)
    return value / 1000 if isinstance(value, int | float) and value > 0 else None


@dataclass
class Stats:
    """Counters a test, a benchmark or an operator can read."""

    rate_limited: int = 0
    waited_seconds: float = 0.0
    transient_failures: int = 0
    given_up: int = 0


class GaveUpError(Exception):
    """A call failed for good; the message names the call and the last error, never content."""


def http_status(response: Any) -> int | None:
    """The HTTP status behind a nio response, when known."""
    transport = getattr(response, "transport_response", None)
    status = getattr(transport, "status", None)
    return status if isinstance(status, int) else None


def verdict(response: Any) -> Verdict:
    """Classify a nio response (an ``ErrorResponse`` is a failure, anything else success)."""
    if not isinstance(response, ErrorResponse):
        return Verdict.DONE
    status = http_status(response)
    if response.status_code == "M_LIMIT_EXCEEDED" or status == 429:
        return Verdict.RATE_LIMITED
    if status is not None and status >= 500:
        return Verdict.TRANSIENT
    if status is None and response.status_code in (None, "M_UNKNOWN"):
        return Verdict.TRANSIENT
    return Verdict.PERMANENT


TRANSIENT_ERRORS = (ClientError, TimeoutError, ConnectionError)


async def call_with_retries(
    what: str,
    attempt: Callable[[], Awaitable[Any]],
    *,
    policy: RetryPolicy,
    stats: Stats,
    sleep: Sleep = asyncio.sleep,
    raise_on_permanent: bool = True,
    pause: Callable[[float], None] | None = None,
) -> Any:
    """Run ``attempt`` until it succeeds; return its response or raise :class:`GaveUpError`.

    ``what`` names the call in logs (``send``, ``join``: never a room, a user or a text). With
    ``raise_on_permanent=False`` a permanent error response is returned for the caller to read.
    ``pause`` is told each wait the server asked for (the channel's pacer holds the outbox too).
    """
    failures = 0
    floods = policy.flood_retries
    while True:
        try:
            response = await attempt()
        except TRANSIENT_ERRORS as error:
            outcome, detail, response = Verdict.TRANSIENT, type(error).__name__, None
        else:
            outcome, detail = verdict(response), str(getattr(response, "status_code", ""))
        if outcome is Verdict.DONE:
            return response
        if outcome is Verdict.RATE_LIMITED and (floods is None or floods > 0):
            floods = None if floods is None else floods - 1
            wait = policy.retry_after(retry_after_ms(response))
            if pause is not None:
                pause(wait)
            stats.rate_limited += 1
            stats.waited_seconds += wait
            log.info("%s: rate limited, retrying in %.1f s", what, wait)
            await sleep(wait)
            continue
        if outcome is Verdict.TRANSIENT and failures + 1 < policy.reply_attempts:
            failures += 1
            stats.transient_failures += 1
            wait = policy.backoff(failures)
            log.warning("%s: %s, retrying in %.1f s", what, detail or "failure", wait)
            await sleep(wait)
            continue
        if outcome is Verdict.PERMANENT and not raise_on_permanent:
            return response
        stats.given_up += 1
        raise GaveUpError(f"{what}: {detail or outcome.value}")
