"""Outbox batches on each backend: tally, withdraw, and finding a row by its platform message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from bot.storage.database import Database
from bot.storage.models import OutboxRow
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Reply, UserId
from handlers.core.ports import SendOutcome
from tests.fakes import FakeSleep, FixedClock, RecordingSender

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HOLD = timedelta(minutes=2)


def message(key: str, chat: str = "telegram:1", batch: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        key, ChatId(chat), UserId(chat), Reply(f"text {key}", "fi"), NOW, batch=batch
    )


async def test_enqueue_stores_the_batch_and_tally_counts_each_state(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [
            message("b1", "telegram:1", "broadcast:1"),
            message("b2", "telegram:2", "broadcast:1"),
            message("b3", "telegram:3", "broadcast:1"),
            message("other", "telegram:4", "broadcast:2"),
            message("loose", "telegram:5"),
        ],
        NOW,
    )
    claimed = await outbox.claim("telegram", NOW, 2, "t", HOLD)
    assert [m.key for m in claimed] == ["b1", "b2"]
    await outbox.mark_sent(claimed[0].id, "t", NOW)
    assert await outbox.tally("broadcast:1") == {"sent": 1, "sending": 1, "pending": 1}
    assert await outbox.tally("broadcast:2") == {"pending": 1}
    assert await outbox.tally("broadcast:9") == {}


async def test_withdraw_batch_deletes_only_the_batchs_pending_rows(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [
            message("b1", "telegram:1", "broadcast:1"),
            message("b2", "telegram:2", "broadcast:1"),
            message("b3", "telegram:3", "broadcast:1"),
            message("other", "telegram:4", "broadcast:2"),
        ],
        NOW,
    )
    claimed = await outbox.claim("telegram", NOW, 1, "t", HOLD)
    assert await outbox.withdraw_batch("broadcast:1") == 2
    assert await outbox.tally("broadcast:1") == {"sending": 1}
    assert await outbox.tally("broadcast:2") == {"pending": 1}
    assert await outbox.mark_sent(claimed[0].id, "t", NOW)  # the one under way still finishes
    assert await outbox.withdraw_batch("broadcast:1") == 0


async def test_the_platform_message_id_leads_back_to_the_row(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [message("fwd", "telegram:-100", "request:1"), message("plain", "telegram:-200")], NOW
    )
    first, second = await outbox.claim("telegram", NOW, 10, "t", HOLD)
    assert await outbox.mark_sent(first.id, "t", NOW, platform_message_id="77")
    assert await outbox.mark_sent(second.id, "t", NOW)
    assert await outbox.key_for_platform_message(ChatId("telegram:-100"), "77") == "fwd"
    # The same message number in another chat is another message.
    assert await outbox.key_for_platform_message(ChatId("telegram:-200"), "77") is None
    assert await outbox.key_for_platform_message(ChatId("telegram:-100"), "78") is None
    # A row sent without an id is never matched by an empty one.
    assert await outbox.key_for_platform_message(ChatId("telegram:-200"), "") is None
    async with database.sessions() as session:
        stored = (await session.scalars(select(OutboxRow.platform_message_id))).all()
    assert sorted(stored, key=str) == ["77", None]


async def test_the_drainer_keeps_the_platform_message_id(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    clock = FixedClock(NOW)
    sender = RecordingSender(clock, script={"fwd": [SendOutcome.delivered("4242")]})
    await outbox.enqueue([message("fwd", "telegram:-100", "request:3")], NOW)
    drainer = OutboxDrainer(
        outbox,
        sender,
        "telegram",
        clock,
        limits=ChannelLimits(overall=30, private_interval=1.0),
        sleep=FakeSleep(clock),
    )
    assert await drainer.drain_once() == 1
    assert await outbox.tally("request:3") == {"sent": 1}
    assert await outbox.key_for_platform_message(ChatId("telegram:-100"), "4242") == "fwd"
