"""A real conversation core (demo catalogue, SQLite profiles) behind the Telegram channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pytest
from telegram import CallbackQuery, Update

from bot.bootstrap import build_assistant
from bot.pacing import RetryPolicy
from bot.storage.database import Database, database_url
from bot.storage.profiles import SqlProfileStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramChannel, TelegramOptions, WebhookConfig
from catalog.model import Catalogue
from handlers.core.conversation import Conversation
from handlers.core.events import Profile, UserId
from handlers.newcomers.assistant import Assistant
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.records import SentMessage
from tests.telegram_server.server import FakeTelegramServer
from tests.telegram_server.state import PendingCallback
from tests.wiring import sql_conversation

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)  # a Monday with a full week ahead

#: Short waits so faults and retries take milliseconds, not seconds.
FAST = TelegramOptions(
    poll_timeout=1.0,
    request_timeout=2.0,
    retry=RetryPolicy(reply_attempts=4, first=0.05, longest=0.2),
    stop_grace=0.2,
)


@pytest.fixture(scope="session")
def assistant(demo: Catalogue) -> Assistant:
    return build_assistant(demo)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(database_url(tmp_path, None))
    yield database
    await database.close()


@pytest.fixture
def profiles(database: Database) -> SqlProfileStore:
    return SqlProfileStore(database.sessions)


@pytest.fixture
def conversation(assistant: Assistant, database: Database) -> Conversation:
    return sql_conversation(assistant, database.sessions, lambda: NOW)


@dataclass
class Clock:
    """Wall-clock time for the callback codec that a test can move forward."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def codec_clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(codec_clock: Clock) -> CallbackCodec:
    return CallbackCodec(b"tarjotin-test-secret-0123456789ab", clock=codec_clock)


@dataclass
class Bot:
    """A running Telegram channel and the fake Telegram it talks to."""

    server: FakeTelegramServer
    channel: TelegramChannel
    conversation: Conversation
    profiles: SqlProfileStore
    codec: CallbackCodec

    def texts(self, chat: int) -> list[str]:
        """What the user saw (text after HTML parsing), message by message."""
        return [m.plain_text or "" for m in self.server.sent_messages(chat)]

    async def replies(
        self, chat: int, count: int, timeout: float = 10.0  # noqa: ASYNC109 - a test's budget
    ) -> list[SentMessage]:
        """Wait for ``count`` messages in total to ``chat``; give them all."""
        return await self.server.wait_for_messages(chat, count, timeout=timeout)

    async def press(self, user: int, message: SentMessage, label: str, **kwargs: Any) -> None:
        """Press the button labelled ``label`` under ``message``."""
        [data] = [b["callback_data"] for b in message.buttons if b["text"] == label]
        self.server.user_presses_button(user, message.message_id, data, **kwargs)

    def press_forged(self, user: int, message: SentMessage, data: str) -> None:
        """A client that sends callback data no button of the message has."""
        world = self.server.world
        stored = world.message(message.chat_id, message.message_id)
        query = CallbackQuery(
            id=f"forged-{world.serial()}",
            from_user=world.users[user],
            chat_instance="forged",
            message=stored,
            data=data,
        )
        world.callbacks[query.id] = PendingCallback(query, time.monotonic())
        self.server.queue.push(Update(self.server.queue.next_id(), callback_query=query))

    async def profile(self, user: int) -> Profile | None:
        return await self.profiles.get(UserId(f"telegram:{user}"))

    async def onboard(self, user: int, language: str, network: str) -> None:
        await self.profiles.save(
            Profile(UserId(f"telegram:{user}"), language=language, network=network)
        )


async def eventually(
    check: Callable[[], Awaitable[bool]],
    timeout: float = 5.0,  # noqa: ASYNC109 - a test's waiting budget
    what: str = "condition",
) -> None:
    """Wait until an async check holds (for state the fake server does not see)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class BotFactory(Protocol):
    def __call__(
        self,
        *,
        options: TelegramOptions = ...,
        webhook: WebhookConfig | None = ...,
        **server_options: Any,
    ) -> Awaitable[Bot]: ...


@pytest.fixture
async def bot_factory(
    fake_telegram_factory: FakeTelegramFactory,
    conversation: Conversation,
    profiles: SqlProfileStore,
    codec: CallbackCodec,
) -> AsyncIterator[BotFactory]:
    """Start fake Telegram servers with a channel polling each; stop the channels after."""
    channels: list[TelegramChannel] = []

    async def make(
        *,
        options: TelegramOptions = FAST,
        webhook: WebhookConfig | None = None,
        **server_options: Any,
    ) -> Bot:
        server = await fake_telegram_factory(**server_options)
        channel = TelegramChannel(
            conversation, server.token, codec=codec, api_url=server.url,
            webhook=webhook, options=options,
        )  # fmt: skip
        await channel.start()
        channels.append(channel)
        return Bot(server, channel, conversation, profiles, codec)

    yield make
    for channel in reversed(channels):
        await channel.stop()


@pytest.fixture
async def bot(bot_factory: BotFactory) -> Bot:
    return await bot_factory()
