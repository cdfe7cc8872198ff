"""Waiting for the bot without sleeping: a change signal tests and long polls await."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Notifier:
    """Wakes every waiter whenever the fake's state changes."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake everyone waiting now; later waiters wait for the next change."""
        if self._event is not None:
            self._event.set()
            self._event = None

    def changed(self) -> asyncio.Event:
        """Give an event that is set at the next change."""
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``predicate`` holds or ``seconds`` pass; tell which."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed().wait(), remaining)
            except TimeoutError:
                return predicate()
        return True
