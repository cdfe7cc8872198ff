"""Webhook delivery: POST each pending update to the bot, as Telegram does.

Telegram sends updates as JSON with the ``X-Telegram-Bot-Api-Secret-Token``
header, keeps an update pending until the bot answers 2xx, retries failures
with growing pauses and reports the last error in getWebhookInfo. Delivery here
is one update at a time, in order, so tests stay deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.telegram_server.updates import UpdateQueue
from tests.telegram_server.waiting import Notifier

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookSettings:
    """What setWebhook configured."""

    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the fake tries: pauses between attempts and the per-request timeout."""

    retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0)
    timeout: float = 10.0


class WebhookDelivery:
    """Delivers pending updates to the configured webhook in a background task."""

    def __init__(
        self,
        queue: UpdateQueue,
        notifier: Notifier,
        policy: DeliveryPolicy,
        wall_clock: Callable[[], float],
    ) -> None:
        self._queue = queue
        self._notifier = notifier
        self._policy = policy
        self._wall_clock = wall_clock
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.settings: WebhookSettings | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: list[dict[str, Any]] = []
        self.attempts = 0

    async def open(self) -> None:
        """Create the HTTP client the deliveries use."""
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Stop delivering and close the HTTP client."""
        await self._stop_task()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def configure(self, settings: WebhookSettings | None) -> None:
        """Point deliveries at ``settings.url``, or stop them when ``None``."""
        await self._stop_task()
        self.settings = settings
        if settings is not None:
            self._task = asyncio.create_task(self._run(settings), name="fake-telegram-webhook")

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, settings: WebhookSettings) -> None:
        while True:
            pending = self._queue.peek(1)
            if not pending:
                await self._notifier.changed().wait()
                continue
            update = pending[0]
            await self._deliver(settings, update)
            self._queue.remove(update["update_id"])

    async def _deliver(self, settings: WebhookSettings, update: dict[str, Any]) -> bool:
        """Try an update until it is accepted or the retries run out."""
        for delay in (0.0, *self._policy.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            self.attempts += 1
            self._notifier.notify()
            error = await self._post(settings, update)
            if error is None:
                self.delivered.append(update)
                self._notifier.notify()
                return True
            self.last_error_date = int(self._wall_clock())
            self.last_error_message = error
            self._notifier.notify()
        return False

    async def _post(self, settings: WebhookSettings, update: dict[str, Any]) -> str | None:
        """POST one update; give Telegram's wording of the failure, or ``None``."""
        assert self._session is not None, "open() the delivery first"
        headers = {"Content-Type": "application/json"}
        if settings.secret_token:
            headers[SECRET_HEADER] = settings.secret_token
        timeout = aiohttp.ClientTimeout(total=self._policy.timeout)
        try:
            async with self._session.post(
                settings.url, data=json.dumps(update), headers=headers, timeout=timeout
            ) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"
