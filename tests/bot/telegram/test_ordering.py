"""Updates run concurrently across chats and strictly in order within one chat."""

from __future__ import annotations

import asyncio
import datetime as dtm

from telegram import Chat, Message, Update, User

from bot.telegram.ordering import PerChatOrder, chat_key

WHEN = dtm.datetime(2026, 11, 23, tzinfo=dtm.UTC)


def update(number: int, chat: int) -> Update:
    sender = User(abs(chat), "U", is_bot=False)
    kind = Chat.PRIVATE if chat > 0 else Chat.GROUP
    return Update(number, message=Message(number, WHEN, Chat(chat, kind), from_user=sender))


async def test_same_chat_in_order_other_chats_alongside() -> None:
    processor = PerChatOrder(16)
    log: list[tuple[str, int, int]] = []

    async def work(number: int, chat: int, pause: float) -> None:
        log.append(("start", chat, number))
        await asyncio.sleep(pause)
        log.append(("end", chat, number))

    jobs = [(1, 1001, 0.1), (2, 1001, 0.0), (3, 2002, 0.0), (4, 1001, 0.0)]
    await asyncio.gather(
        *(processor.process_update(update(n, c), work(n, c, p)) for n, c, p in jobs)
    )
    same_chat = [entry for entry in log if entry[1] == 1001]
    assert same_chat == [
        ("start", 1001, 1), ("end", 1001, 1), ("start", 1001, 2), ("end", 1001, 2),
        ("start", 1001, 4), ("end", 1001, 4),
    ]  # fmt: skip
    assert log.index(("end", 2002, 3)) < log.index(("end", 1001, 1))
    assert processor.chats_in_progress == 0


def test_updates_are_keyed_by_chat() -> None:
    assert chat_key(update(1, -100)) == -100
    assert chat_key(Update(2)) is None
    assert chat_key(object()) is None
