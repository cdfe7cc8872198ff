"""The webhook inbox on each backend: stored once, claimed per chat, answered with its removal.

Also the outbox's side of it: a chat's replies are taken in order across drainers and retries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.database import Database
from bot.storage.inbox import InboxItem, SqlInbox, reply_key
from bot.storage.outbox import REPLY, OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Document, Reply, UserId

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
HOLD = timedelta(seconds=30)


def answer(update_id: int, index: int, chat: str = "telegram:7") -> OutgoingMessage:
    return OutgoingMessage(
        reply_key("telegram", update_id, index),
        ChatId(chat),
        UserId(chat),
        Reply(f"answer {update_id}.{index}", "fi"),
        NOW,
        category=REPLY,
    )


async def test_an_update_posted_twice_is_stored_once(database: Database) -> None:
    inbox = SqlInbox(database.sessions)
    assert await inbox.store("telegram", 5, "telegram:7", "{}", NOW)
    assert not await inbox.store("telegram", 5, "telegram:7", "{}", NOW)
    assert await inbox.store("matrix", 5, "matrix:!room", "{}", NOW)  # another channel's 5
    assert await inbox.backlog(NOW + timedelta(seconds=4)) == {
        "matrix": (1, 4.0),
        "telegram": (1, 4.0),
    }


async def test_a_chat_is_held_by_one_instance_until_its_claim_runs_out(database: Database) -> None:
    inbox = SqlInbox(database.sessions)
    await inbox.store("telegram", 2, "telegram:7", "b", NOW)
    await inbox.store("telegram", 1, "telegram:8", "a", NOW)
    await inbox.store("telegram", 3, "telegram:7", "c", NOW)
    assert await inbox.waiting_chats("telegram", "one", NOW, 10) == ["telegram:7", "telegram:8"]
    assert await inbox.claim("telegram:7", "one", NOW, HOLD)
    assert not await inbox.claim("telegram:7", "two", NOW, HOLD)
    assert await inbox.waiting_chats("telegram", "two", NOW, 10) == ["telegram:8"]
    later = NOW + HOLD + timedelta(seconds=1)  # "one" died: its chat is free again
    assert await inbox.waiting_chats("telegram", "two", later, 10) == ["telegram:7", "telegram:8"]
    assert await inbox.claim("telegram:7", "two", later, HOLD)
    assert not await inbox.claim("telegram:7", "one", later, HOLD)
    assert [item.payload for item in await inbox.rows("telegram:7", 10)] == ["b", "c"]
    await inbox.release("telegram:7", "one")  # not its holder: nothing changes
    assert not await inbox.claim("telegram:7", "one", later, HOLD)
    await inbox.release("telegram:7", "two")
    assert await inbox.claim("telegram:7", "one", later, HOLD)


async def test_answering_enqueues_the_replies_and_removes_the_update_together(
    database: Database,
) -> None:
    inbox, outbox = SqlInbox(database.sessions), SqlOutbox(database.sessions)
    await inbox.store("telegram", 9, "telegram:7", '{"text": "private"}', NOW)
    [item] = await inbox.rows("telegram:7", 10)
    assert await inbox.complete(item, [answer(9, 0), answer(9, 1)], NOW) == [
        "reply:telegram:9:0",
        "reply:telegram:9:1",
    ]
    assert await inbox.rows("telegram:7", 10) == []
    # Handled again (the first instance died before its removal was seen): nothing new.
    assert await inbox.complete(InboxItem(item.id, 9, ""), [answer(9, 0), answer(9, 1)], NOW) == []
    assert (await outbox.counts())["pending"] == 2


async def test_a_chats_replies_are_taken_in_order_across_drainers_and_retries(
    database: Database,
) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([answer(1, 0), answer(1, 1), answer(2, 0, "telegram:8")], NOW)
    first = await outbox.claim("telegram", NOW, 1, "one", HOLD, (REPLY,))
    assert [m.key for m in first] == ["reply:telegram:1:0"]
    # While 1:0 is being sent, another drainer may not overtake it with 1:1.
    second = await outbox.claim("telegram", NOW, 10, "two", HOLD, (REPLY,))
    assert [m.key for m in second] == ["reply:telegram:2:0"]
    # 1:0 failed for now and waits for a retry: 1:1 still waits behind it.
    await outbox.mark_retry(first[0].id, "one", NOW + timedelta(seconds=5), "timeout")
    assert await outbox.claim("telegram", NOW, 10, "two", HOLD, (REPLY,)) == []
    later = NOW + timedelta(seconds=5)
    retried = await outbox.claim("telegram", later, 1, "two", HOLD, (REPLY,))
    assert [m.key for m in retried] == ["reply:telegram:1:0"]
    await outbox.mark_sent(retried[0].id, "two", later)
    assert [m.key for m in await outbox.claim("telegram", later, 10, "two", HOLD)] == [
        "reply:telegram:1:1"
    ]


async def test_released_rows_go_back_uncounted_and_other_drainers_skip_replies(
    database: Database,
) -> None:
    outbox = SqlOutbox(database.sessions)
    reminder = OutgoingMessage(
        "reminder:1", ChatId("telegram:7"), UserId("telegram:7"), Reply("r", "fi"), NOW,
        category="reminder",
    )  # fmt: skip
    await outbox.enqueue([answer(1, 0), reminder], NOW)
    taken = await outbox.claim("telegram", NOW, 10, "leader", HOLD, skip=(REPLY,))
    assert [m.key for m in taken] == ["reminder:1"]
    [reply] = await outbox.claim("telegram", NOW, 10, "mine", HOLD, (REPLY,))
    assert await outbox.release([reply.id], "mine") == 1
    [again] = await outbox.claim("telegram", NOW, 10, "mine", HOLD, (REPLY,))
    assert again.attempts == 1


def test_a_reply_with_its_file_survives_the_outbox() -> None:
    from bot.storage.outbox import decode_reply, encode_reply

    reply = Reply("Raportti", "fi", document=Document("tray.pdf", "application/pdf", b"%PDF\0"))
    assert decode_reply(encode_reply(reply)) == reply
