"""Updates run concurrently across chats and strictly in order within one chat."""

from __future__ import annotations

import asyncio
import datetime as dtm

from telegram import Chat, Message, Update, User

from bot.intake import FairIntake, Weight
from bot.telegram.ordering import PerChatOrder, chat_key, weight_of

WHEN = dtm.datetime(2026, 11, 23, tzinfo=dtm.UTC)


def update(number: int, chat: int, text: str | None = None) -> Update:
    sender = User(abs(chat), "U", is_bot=False)
    kind = Chat.PRIVATE if chat > 0 else Chat.GROUP
    message = Message(number, WHEN, Chat(chat, kind), from_user=sender, text=text)
    return Update(number, message=message)


async def test_same_chat_in_order_other_chats_alongside() -> None:
    processor = PerChatOrder(FairIntake(max_active=16), 16)
    log: list[tuple[str, int, int]] = []

    async def work(number: int, chat: int, pause: float) -> None:
        log.append(("start", chat, number))
        await asyncio.sleep(pause)
        log.append(("end", chat, number))

    jobs = [(1, 1001, 0.1), (2, 1001, 0.0), (3, 2002, 0.0), (4, 1001, 0.0)]
    await asyncio.gather(
        *(processor.process_update(update(n, c), work(n, c, p)) for n, c, p in jobs)
    )
    await processor.intake.join()
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


def test_only_a_private_chats_plain_text_may_be_coalesced() -> None:
    assert weight_of(update(1, 1001, "is there football on monday?")) is Weight.QUESTION
    assert weight_of(update(2, 1001, "/start")) is Weight.KEEP
    assert weight_of(update(3, -100, "hello group")) is Weight.KEEP
    assert weight_of(update(4, 1001)) is Weight.KEEP  # a sticker, a photo, a contact
    assert weight_of(Update(5)) is Weight.KEEP


async def test_an_update_dropped_unrun_is_closed_not_leaked() -> None:
    processor = PerChatOrder(FairIntake(bound=1, hard_cap=2), 4)
    started: list[int] = []

    async def work(number: int) -> None:
        started.append(number)

    for number in range(5):  # the cap refuses three; their coroutines must be closed
        await processor.process_update(update(number, -100, "/cmd"), work(number))
    assert processor.intake.stats.refused == 3
    await processor.shutdown()  # unrun coroutines are closed: no "never awaited" warning
    assert set(started) <= {0, 1}
