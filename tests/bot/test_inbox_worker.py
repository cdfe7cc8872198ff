"""Inbox workers of two instances on one database: each chat in order, once, and taken over.

In one process: two :class:`InboxWorker` objects stand for two instances (the end-to-end kill
test with real processes is tests/bot/test_two_instances.py). The clock is a fixed one the
test moves on to let a dead instance's claim run out.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.inbox_worker import InboxWorker
from bot.storage.database import Database
from bot.storage.inbox import InboxItem, SqlInbox, reply_key
from bot.storage.outbox import REPLY, OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Reply, UserId
from tests.bot.storage.conftest import backend_database
from tests.fakes import FixedClock

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
HOLD = timedelta(seconds=30)
CHATS = 40
PER_CHAT = 4


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with backend_database(request.param, tmp_path) as database:
        yield database


def answer(chat: str, update_id: int, index: int) -> OutgoingMessage:
    key = reply_key("telegram", update_id, index)
    reply = Reply(f"{update_id}.{index}", "en")
    return OutgoingMessage(key, ChatId(chat), UserId(chat), reply, NOW, category=REPLY)


class Recorder:
    """A handler that notes which instance handled which update, and answers it twice."""

    def __init__(self) -> None:
        self.handled: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.chats: dict[int, str] = {}

    def handler(self, instance: str) -> Callable[[InboxItem], Awaitable[list[OutgoingMessage]]]:
        async def handle(item: InboxItem) -> list[OutgoingMessage]:
            chat = self.chats[item.update_id]
            self.handled[chat].append((instance, item.update_id))
            await asyncio.sleep(0)  # another chat's turn: handling is not atomic
            return [answer(chat, item.update_id, n) for n in range(2)]

        return handle


async def store_all(inbox: SqlInbox, recorder: Recorder) -> None:
    update_id = 0
    for _ in range(PER_CHAT):
        for chat_number in range(CHATS):
            update_id += 1
            chat = f"telegram:{chat_number}"
            recorder.chats[update_id] = chat
            assert await inbox.store("telegram", update_id, chat, "{}", NOW)


async def work_off(*workers: InboxWorker) -> None:
    while sum([await worker.claim_more() for worker in workers]):
        await asyncio.gather(*(worker.join() for worker in workers))
    await asyncio.gather(*(worker.join() for worker in workers))


async def test_two_workers_answer_every_chat_in_order_once(database: Database) -> None:
    inbox, outbox, recorder = SqlInbox(database.sessions), SqlOutbox(database.sessions), Recorder()
    clock = FixedClock(NOW)
    one, two = (  # neither takes every chat at once
        InboxWorker(
            inbox, "telegram", recorder.handler(name), clock, max_active=4, max_chats=10, hold=HOLD
        )
        for name in ("one", "two")
    )
    await store_all(inbox, recorder)
    await work_off(one, two)
    assert await inbox.backlog(NOW) == {}
    for chat, handled in recorder.handled.items():
        ids = [update_id for _, update_id in handled]
        assert ids == sorted(ids), chat
        assert len(ids) == PER_CHAT, chat
    instances = {instance for handled in recorder.handled.values() for instance, _ in handled}
    assert instances == {"one", "two"}  # both took a share
    assert (await outbox.counts())["pending"] == CHATS * PER_CHAT * 2
    assert one.stats.ran + two.stats.ran == CHATS * PER_CHAT


async def test_a_dead_instances_chats_are_taken_over_after_the_claim(database: Database) -> None:
    inbox, recorder = SqlInbox(database.sessions), Recorder()
    clock = FixedClock(NOW)
    await store_all(inbox, recorder)
    assert await inbox.claim("telegram:0", "dead", NOW, HOLD)  # then it was killed
    alive = InboxWorker(inbox, "telegram", recorder.handler("alive"), clock, hold=HOLD)
    await work_off(alive)
    assert "telegram:0" not in recorder.handled
    assert len(recorder.handled) == CHATS - 1
    clock.now = NOW + HOLD + timedelta(seconds=1)
    await work_off(alive)
    assert [u for _, u in recorder.handled["telegram:0"]] == [1, 41, 81, 121]
    assert await inbox.backlog(clock.now) == {}


async def test_an_update_the_core_fails_on_is_removed_unanswered(database: Database) -> None:
    inbox, outbox = SqlInbox(database.sessions), SqlOutbox(database.sessions)

    async def broken(_item: InboxItem) -> list[OutgoingMessage]:
        raise RuntimeError("a bug")

    worker = InboxWorker(inbox, "telegram", broken, FixedClock(NOW))
    await inbox.store("telegram", 1, "telegram:1", "{}", NOW)
    await work_off(worker)
    assert worker.stats.failed == 1
    assert await inbox.backlog(NOW) == {}
    assert await outbox.counts() == {}
