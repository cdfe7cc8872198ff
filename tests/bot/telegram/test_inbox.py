"""Storing a webhook update: acknowledged only once stored, 503 (Telegram retries) otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from telegram import Chat, Update
from telegram.ext import ExtBot

from bot.storage.database import SessionSource
from bot.storage.inbox import SqlInbox
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.inbox import TelegramInbox, chat_of
from tests.fakes import FixedClock

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class RecordingInbox(SqlInbox):
    """Keeps what it is given, or fails like an unreachable database."""

    def __init__(self, *, failing: bool) -> None:
        super().__init__(cast(SessionSource, None))
        self.failing = failing
        self.stored: list[tuple[str, int, str, str]] = []

    async def store(
        self, channel: str, update_id: int, chat: str, payload: str, now: datetime
    ) -> bool:
        if self.failing:
            raise ConnectionRefusedError("the database is away")
        self.stored.append((channel, update_id, chat, payload))
        return True


def telegram_inbox(inbox: SqlInbox) -> TelegramInbox:
    adapter = cast(TelegramAdapter, object())  # storing never reaches the adapter
    return TelegramInbox(inbox, adapter, lambda: cast(ExtBot[Any], None), FixedClock(NOW))


async def test_an_update_is_acknowledged_once_stored() -> None:
    inbox = RecordingInbox(failing=False)
    data = {"update_id": 5}
    response = await telegram_inbox(inbox).store(Update(5), data)
    assert response.status == 200
    assert inbox.stored == [("telegram", 5, "telegram:update:5", '{"update_id":5}')]


async def test_an_update_that_could_not_be_stored_is_refused_so_telegram_posts_it_again() -> None:
    response = await telegram_inbox(RecordingInbox(failing=True)).store(Update(5), {})
    assert response.status == 503


def test_updates_are_ordered_by_their_chat() -> None:
    private = Update.de_json(
        {
            "update_id": 7,
            "message": {
                "message_id": 1, "date": 0, "text": "hei",
                "chat": {"id": 42, "type": Chat.PRIVATE},
                "from": {"id": 42, "is_bot": False, "first_name": "A"},
            },
        },
        None,
    )  # fmt: skip
    assert chat_of(private) == "telegram:42"
    assert chat_of(Update(8)) == "telegram:update:8"  # nobody's: ordered with nothing
