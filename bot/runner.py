"""``tarjotin run``: start every configured channel and keep running until stopped.

With no channel configured it opens the terminal chat instead, so the product can be tried
without any token. SIGTERM and SIGINT stop the channels cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.channels import Channel

log = logging.getLogger(__name__)


Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A background job that runs until the event is set (the reminder service is one)."""


async def run_channels(
    channels: Sequence[Channel],
    stop: asyncio.Event | None = None,
    services: Sequence[Service] = (),
) -> None:
    """Start the channels and services, wait for a stop signal (or ``stop``), then stop all.

    Services are started after the channels (they send through them) and stopped first.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not POSIX
            pass
    started: list[Channel] = []
    running: list[asyncio.Task[None]] = []
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
            log.info("channel %s started", channel.name)
        running = [asyncio.create_task(service(stop)) for service in services]
        await stop.wait()
    finally:
        stop.set()
        for outcome in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("a background service failed: %s", type(outcome).__name__)
        for channel in reversed(started):
            try:
                await channel.stop()
            except Exception:  # one channel's failure must not keep the others running
                log.exception("channel %s failed to stop cleanly", channel.name)
            log.info("channel %s stopped", channel.name)
        for signum in handled:
            loop.remove_signal_handler(signum)
