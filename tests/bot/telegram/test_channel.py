"""The channel's life cycle: menus, polling, webhook, the builder, stopping on SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.http_server import HttpServer
from bot.metrics import Metrics
from bot.runner import run_channels
from bot.telegram import build_telegram_channel
from bot.telegram.callbacks import SECRET_FILE, CallbackCodec
from bot.telegram.channel import TelegramChannel, WebhookConfig, api_root
from bot.telegram.commands import command_lists, telegram_language_codes
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.conversation import Conversation
from tests.bot.telegram.conftest import FAST, NOW, Bot, BotFactory
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.webhook import SECRET_HEADER

ANA = 1001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_menus_exist_for_every_language_telegram_can_name(conversation: Conversation) -> None:
    lists = command_lists(conversation.flows.commands, conversation.speaker, "en")
    codes = telegram_language_codes()
    assert "fi-x-plain" in SUPPORTED_LANGUAGES
    assert "fi-x-plain" not in codes
    assert set(lists) == {*codes, ""}
    assert len(codes) == len(SUPPORTED_LANGUAGES) - 1


async def test_the_command_menu_is_registered_in_every_language(bot: Bot) -> None:
    for code in (*telegram_language_codes(), ""):
        registered = bot.server.registered_commands(code)
        speaker = bot.conversation.speaker(code or "en")
        advertised = bot.conversation.flows.advertised
        assert registered == [
            {"command": spec.name, "description": speaker.gettext(spec.description or "")}
            for spec in advertised
        ]
        names = [command["command"] for command in registered]
        assert {"remind", "reminders"} <= set(names)
        assert len({command["description"] for command in registered}) == len(names)


def test_api_url_may_be_given_with_or_without_bot() -> None:
    for given in ("http://localhost:8081", "http://localhost:8081/", "http://localhost:8081/bot"):
        assert api_root(given) == "http://localhost:8081"


async def test_stopping_ends_long_polling(bot_factory: BotFactory) -> None:
    bot = await bot_factory()
    await bot.server.wait_for(lambda: bot.server.long_polling, what="a long poll")
    await bot.channel.stop()
    assert not bot.server.long_polling
    bot.server.user_sends_text(ANA, "/help")
    await asyncio.sleep(0.2)
    assert bot.server.sent_messages(ANA) == []
    assert len(bot.server.pending_updates()) == 1  # kept by Telegram for the next start


async def test_webhook_mode_checks_the_secret(bot_factory: BotFactory) -> None:
    port = free_port()
    hook = WebhookConfig(f"http://127.0.0.1:{port}/telegram/hook", "127.0.0.1", port, "s3cr3t")
    bot = await bot_factory(webhook=hook)
    assert hook.path == "telegram/hook"
    bot.server.user_starts(ANA, language_code="sv")
    [menu] = await bot.replies(ANA, 1)
    assert len(menu.buttons) == len(SUPPORTED_LANGUAGES)
    assert bot.server.delivered_updates()[0]["message"]["text"] == "/start"
    assert not bot.server.long_polling
    update = {"update_id": 999, "message": bot.server.delivered_updates()[0]["message"]}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}):
            async with http.post(hook.url, json=update, headers=headers) as response:
                assert response.status == 403
    await asyncio.sleep(0.1)
    assert len(bot.server.sent_messages(ANA)) == 1


async def test_run_starts_the_configured_channel_and_sigterm_stops_it(
    fake_telegram_factory: FakeTelegramFactory, conversation: Conversation, tmp_path: Path
) -> None:
    server = await fake_telegram_factory()
    settings = Settings(
        data_dir=tmp_path,
        telegram_token=SecretStr(server.token),
        telegram_api_url=server.url,
    )
    channel = build_telegram_channel(settings, conversation)
    assert (tmp_path / SECRET_FILE).is_file()
    running = asyncio.create_task(run_channels([channel]))
    server.user_starts(ANA, language_code="fi")
    await server.wait_for_messages(ANA, 1, timeout=10)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(running, 10)
    assert not server.long_polling
    assert not channel.application.running


def test_the_builder_needs_a_token(conversation: Conversation, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TARJOTIN_TELEGRAM_TOKEN"):
        build_telegram_channel(Settings(data_dir=tmp_path), conversation)


def test_the_builder_reads_webhook_settings(conversation: Conversation, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        telegram_token=SecretStr("123:abc"),
        telegram_webhook_url="https://bot.example.org/tg",
        telegram_webhook_listen="0.0.0.0",
        telegram_webhook_port=8080,
        telegram_webhook_secret=SecretStr("from-settings"),
    )
    hook = build_telegram_channel(settings, conversation).webhook
    assert hook == WebhookConfig("https://bot.example.org/tg", "0.0.0.0", 8080, "from-settings")
    without_secret = settings.model_copy(update={"telegram_webhook_secret": None})
    generated = build_telegram_channel(without_secret, conversation).webhook
    assert generated is not None
    assert len(generated.secret) >= 32
    assert generated.secret not in repr(generated)


# tornado (under python-telegram-bot's webhook) leaks the socket it failed to bind.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_failed_start_leaves_nothing_running(
    fake_telegram_factory: FakeTelegramFactory, conversation: Conversation, tmp_path: Path
) -> None:
    server = await fake_telegram_factory()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = int(busy.getsockname()[1])
    settings = Settings(
        data_dir=tmp_path, telegram_token=SecretStr(server.token), telegram_api_url=server.url,
        telegram_webhook_url=f"http://127.0.0.1:{port}/hook", telegram_webhook_port=port,
    )  # fmt: skip
    channel = build_telegram_channel(settings, conversation)
    with busy, pytest.raises(Exception, match=r"(?i)address|in use|errno"):
        await channel.start()
    assert not channel.application.running
    gc.collect()  # let the leaked socket be reported here, where it is ignored


async def test_a_webhook_can_take_updates_on_the_shared_http_server(
    fake_telegram_factory: FakeTelegramFactory, conversation: Conversation, codec: CallbackCodec
) -> None:
    server = await fake_telegram_factory()
    port = free_port()
    hook = WebhookConfig(f"http://127.0.0.1:{port}/tg/hook", secret="s3cr3t")
    channel = TelegramChannel(
        conversation, server.token, codec=codec, api_url=server.url, webhook=hook, options=FAST
    )
    http = HttpServer("127.0.0.1", port, metrics=Metrics(lambda: NOW))
    channel.mount(http)
    await http.start()
    try:
        await channel.start()
        server.user_starts(ANA, language_code="sv")
        [menu] = await server.wait_for_messages(ANA, 1, timeout=10)
        assert len(menu.buttons) == len(SUPPORTED_LANGUAGES)
        assert not server.long_polling
        update = {"update_id": 999, "message": server.delivered_updates()[0]["message"]}
        async with aiohttp.ClientSession() as client:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with client.post(hook.url, json=update, headers=headers) as response:
                    assert response.status == 403
            headers = {SECRET_HEADER: "s3cr3t"}
            async with client.post(hook.url, data=b"[1, 2]", headers=headers) as response:
                assert response.status == 400
            async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
        await asyncio.sleep(0.1)
        assert len(server.sent_messages(ANA)) == 1
    finally:
        await channel.stop()
        await http.stop()
