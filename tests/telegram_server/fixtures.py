"""Pytest fixtures that start fake Telegram servers and stop them after the test.

Import them into a ``conftest.py``::

    from tests.telegram_server.fixtures import fake_telegram, fake_telegram_factory
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any, Protocol

import pytest

from tests.telegram_server.server import FakeTelegramServer


class FakeTelegramFactory(Protocol):
    """Starts a fake Telegram server with the given options (see FakeTelegramServer)."""

    def __call__(self, **options: Any) -> Awaitable[FakeTelegramServer]: ...


@pytest.fixture
async def fake_telegram_factory() -> AsyncIterator[FakeTelegramFactory]:
    """Give a factory of started servers; every server it made is stopped at teardown."""
    servers: list[FakeTelegramServer] = []

    async def make(**options: Any) -> FakeTelegramServer:
        server = FakeTelegramServer(**options)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in reversed(servers):
        await server.stop()


@pytest.fixture
async def fake_telegram(fake_telegram_factory: FakeTelegramFactory) -> FakeTelegramServer:
    """Give a started server with default options (real Telegram limits, real clock)."""
    return await fake_telegram_factory()
