"""Crashes while reminding, through the real Telegram adapter and the fake Bot API over HTTP.

Two failures of the process that sends reminders, both on a real SQLite outbox:

- ``kill -9`` in the middle of a burst, three times, then a restart that finishes it: every
  user gets their reminder; Telegram has no idempotency key, so a reminder arrives twice
  exactly when the kill caught it in the window (Telegram had accepted it, the ``sent`` mark
  was not committed): see :mod:`tests.bot.crash_harness`;
- the leading instance dies without giving its lease back; the standby takes over and sends
  the rest: each user hears exactly once.

The fake server runs in this test process and enforces Telegram's flood limits (30 messages
a second); the drainer process only has its URL and the bot token.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scheduling import Leadership
from bot.storage.database import Database, database_url
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.limits import TELEGRAM_LIMITS
from catalog.model import Catalogue
from handlers.core.events import Action, ActionKind, ChatId, Reply, UserId
from tests.bot.channel_crash_worker import (
    DEFAULT_SECRET,
    Connection,
    sender_conversation,
    telegram_sender,
)
from tests.bot.crash_harness import (
    expected_deliveries,
    kill_mid_burst,
    now,
    reminder_service,
    reopen,
    run_until_empty,
    start_worker,
)
from tests.bot.test_reminder_service import Mortal
from tests.telegram_server.server import FakeTelegramServer

MESSAGES = 300
KILLS = 3
#: Rows put back as a kill inside the window leaves them, so the window is always exercised.
REOPENED = 5
FIRST_USER = 10_001
CAFE = "louhela-kielikahvila"


@pytest.fixture
async def outbox_database(tmp_path: Path) -> AsyncIterator[tuple[str, Database]]:
    url = database_url(tmp_path / "outbox", None)
    (tmp_path / "outbox").mkdir()
    database = await Database.open(url)
    try:
        yield url, database
    finally:
        await database.close()


def reminder_key(user: int) -> str:
    return f"reminder:telegram:{user}:{CAFE}:2027-03-23T17:00:evening"


def reminder(user: int, key: str, due_offset: timedelta = timedelta()) -> OutgoingMessage:
    """One user's reminder; its text is its key, its button stops the reminders."""
    stop = Action(ActionKind.STOP_REMINDERS, "Stop these reminders", CAFE)
    chat = f"telegram:{user}"
    return OutgoingMessage(
        key, ChatId(chat), UserId(chat), Reply(key, "en", (stop,)), now() + due_offset
    )


def shown(server: FakeTelegramServer) -> Counter[str]:
    """What the users saw: how many times each text arrived."""
    return Counter(m.plain_text or "" for m in server.sent_messages())


def assert_each_reached_its_user(server: FakeTelegramServer, users: dict[str, int]) -> None:
    """Every message went to the user of its key, with a button bound to that user."""
    codec = CallbackCodec(bytes.fromhex(DEFAULT_SECRET))
    for message in server.sent_messages():
        assert message.chat_id == users[message.plain_text or ""]
        [data] = message.callback_data
        decoded = codec.decode(data, message.chat_id)
        assert (decoded.action, decoded.argument) == (ActionKind.STOP_REMINDERS, CAFE)


async def test_kill_9_mid_burst_loses_nothing_and_repeats_only_the_window(
    outbox_database: tuple[str, Database], fake_telegram: FakeTelegramServer
) -> None:
    url, database = outbox_database
    outbox = SqlOutbox(database.sessions)
    server = fake_telegram
    users = {reminder_key(user): user for user in range(FIRST_USER, FIRST_USER + MESSAGES)}
    for user in users.values():
        server.user_starts(user)  # a bot may only write to users who opened it
    await outbox.enqueue([reminder(user, key) for key, user in users.items()], now())
    keys = list(users)
    connection = {"api_url": server.url, "token": server.token, "hold": 1.0}

    async def start(mode: str = "forever") -> asyncio.subprocess.Process:
        return await start_worker(url, "telegram", connection, mode)

    async def delivered() -> Counter[str]:
        return shown(server)

    async def accepted() -> int:  # the moment the server accepts: the window is open
        return len(server.sent_messages())

    kills = await kill_mid_burst(
        start,
        outbox,
        delivered,
        keys,
        kills=KILLS,
        step=MESSAGES // (KILLS + 2),
        progress=accepted,
        poll=0.001,
    )
    before_restart = shown(server)
    assert 0 < len(before_restart) < MESSAGES  # the kills really hit the middle of the burst
    sent = [k for k, state in (await outbox.states(keys)).items() if state == "sent"]
    reopened = sent[:REOPENED]
    await reopen(database, reopened)
    await run_until_empty(lambda: start("until-empty"))

    final = shown(server)
    assert set(final) == set(keys)  # nobody missed their reminder
    windows = [kill.window for kill in kills]
    assert final == expected_deliveries(keys, [*windows, reopened])
    assert all(len(window) <= TELEGRAM_LIMITS.concurrency for window in windows)
    assert (await outbox.counts()).get("sent") == MESSAGES
    assert_each_reached_its_user(server, users)
    refused = [c for c in server.calls("sendMessage") if c.status != 200]
    print(
        f"telegram: {MESSAGES} reminders, {len(kills)} kills "
        f"(sent at kills {[k.sent_at_kill for k in kills]}), "
        f"left sending {[len(k.sending) for k in kills]}, "
        f"caught in the window {[len(k.window) for k in kills]}, reopened {len(reopened)}, "
        f"delivered twice {sum(1 for c in final.values() if c > 1)}, "
        f"refused calls {len(refused)}"
    )


async def test_a_standby_takes_over_when_the_leader_dies_and_each_user_hears_once(
    outbox_database: tuple[str, Database], fake_telegram: FakeTelegramServer, demo: Catalogue
) -> None:
    _, database = outbox_database
    outbox = SqlOutbox(database.sessions)
    server = fake_telegram
    early = {reminder_key(user): user for user in range(FIRST_USER, FIRST_USER + 20)}
    late = {reminder_key(user): user for user in range(FIRST_USER + 20, FIRST_USER + 40)}
    for user in (*early.values(), *late.values()):
        server.user_starts(user)
    await outbox.enqueue(
        [reminder(user, key) for key, user in early.items()]
        + [reminder(user, key, timedelta(seconds=2.5)) for key, user in late.items()],
        now(),
    )
    connection = Connection("telegram", {"api_url": server.url, "token": server.token})
    conversation = sender_conversation(database)
    async with (
        telegram_sender(connection, conversation) as (first_sender, _),
        telegram_sender(connection, conversation) as (second_sender, _),
    ):
        first = reminder_service(
            database, demo, "first", Mortal, first_sender, "telegram", TELEGRAM_LIMITS
        )
        second = reminder_service(
            database, demo, "second", Leadership, second_sender, "telegram", TELEGRAM_LIMITS
        )
        first_stop, second_stop = asyncio.Event(), asyncio.Event()
        first_task = asyncio.create_task(first.run(first_stop))
        await asyncio.sleep(0.1)
        second_task = asyncio.create_task(second.run(second_stop))
        await server.wait_for(lambda: len(server.sent_messages()) >= len(early), timeout=10)
        assert first.leadership.leading
        assert not second.leadership.leading
        first_task.cancel()  # killed: the lease is not given back
        await asyncio.gather(first_task, return_exceptions=True)
        assert set(shown(server)) == set(early)  # nothing late went out before its time
        total = len(early) + len(late)
        await server.wait_for(lambda: len(server.sent_messages()) >= total, timeout=15)
        await asyncio.sleep(0.3)  # anything extra would arrive now
        second_stop.set()
        await second_task
    assert shown(server) == Counter({key: 1 for key in [*early, *late]})
    assert_each_reached_its_user(server, {**early, **late})
    assert first.drainers[0].stats.sent == len(early)
    assert second.drainers[0].stats.sent == len(late)
