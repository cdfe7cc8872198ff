"""Fixtures for the Matrix channel: the real demo assistant, bots and people on Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import build_assistant
from bot.matrix.channel import MatrixChannel, MatrixConfig
from bot.matrix.limits import MATRIX_RETRY
from bot.matrix.login import Account
from catalog.model import Catalogue
from handlers.core.conversation import Conversation
from handlers.newcomers.assistant import Assistant
from tests.bot.matrix.people import Person
from tests.fakes import FixedClock
from tests.matrix_server.fixtures import UserFactory
from tests.matrix_server.synapse import MatrixUser, SynapseServer
from tests.wiring import fake_conversation, sql_conversation

HELSINKI = ZoneInfo("Europe/Helsinki")
#: A Monday inside the demo catalogue's season.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)

BotStarter = Callable[..., Awaitable[MatrixChannel]]
PersonStarter = Callable[..., Awaitable[Person]]


@pytest.fixture(scope="session")
def demo_assistant(demo: Catalogue) -> Assistant:
    """The real assistant (real understanding) over the demo catalogue, built once."""
    return build_assistant(demo)


def conversation_over(
    assistant: Assistant, sessions: async_sessionmaker[AsyncSession]
) -> Conversation:
    """A conversation core over one database, with a clock standing on a demo Monday."""
    return sql_conversation(assistant, sessions, FixedClock(MONDAY))


@pytest.fixture
def conversation(demo_assistant: Assistant) -> Conversation:
    return fake_conversation(demo_assistant, FixedClock(MONDAY))


def bot_config(synapse: SynapseServer, user: MatrixUser, data_dir: Path) -> MatrixConfig:
    """A channel configuration with a short long-poll, so stopping is quick."""
    return MatrixConfig(
        account=Account(synapse.base_url, user.user_id, password=user.password),
        data_dir=data_dir,
        sync_timeout_ms=1_000,
        retry=replace(MATRIX_RETRY, first=0.2, longest=2.0),
        decrypt_grace_seconds=0.5,
    )


@pytest.fixture
async def start_bot(synapse: SynapseServer) -> AsyncIterator[BotStarter]:
    """Start channels for a test; every one still running is stopped at its end."""
    running: list[MatrixChannel] = []

    async def start(
        user: MatrixUser, data_dir: Path, conversation: Conversation, **overrides: Any
    ) -> MatrixChannel:
        config = replace(bot_config(synapse, user, data_dir), **overrides)
        channel = MatrixChannel(config, conversation)
        await channel.start()
        running.append(channel)
        return channel

    yield start
    for channel in running:
        await channel.stop()


@pytest.fixture
async def person(
    synapse: SynapseServer, matrix_user: UserFactory, tmp_path: Path
) -> AsyncIterator[PersonStarter]:
    """Log in human-like clients (encrypted with ``encrypted=True``); closed at the end."""
    opened: list[Person] = []

    async def log_in(prefix: str = "person", *, encrypted: bool = False) -> Person:
        user = matrix_user(prefix)
        store = tmp_path / f"store-{user.localpart}" if encrypted else None
        someone = await Person.log_in(synapse, user, store)
        opened.append(someone)
        return someone

    yield log_in
    for someone in opened:
        await someone.close()
