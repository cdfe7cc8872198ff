"""The outbox drainer with a fake sender and a fake clock: limits, retries, blocked users."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits, RetryPolicy
from bot.storage.database import Database, database_url
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Reply, UserId
from handlers.core.ports import SendOutcome
from tests.fakes import FakeSleep, FixedClock, RecordingSender

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LIMITS = ChannelLimits(overall=30, private_interval=1.0, concurrency=4)


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[SqlOutbox]:
    database = await Database.open(database_url(tmp_path, None))
    try:
        yield SqlOutbox(database.sessions)
    finally:
        await database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def message(key: str, chat: str, **extra: object) -> OutgoingMessage:
    return OutgoingMessage(key, ChatId(chat), UserId(chat), Reply(key, "en"), START, **extra)  # type: ignore[arg-type]


def drainer(
    outbox: SqlOutbox, sender: RecordingSender, clock: FixedClock, **extra: object
) -> OutboxDrainer:
    return OutboxDrainer(
        outbox,
        sender,
        "telegram",
        clock,
        sleep=FakeSleep(clock),
        **({"limits": LIMITS} | extra),  # type: ignore[arg-type]
    )


async def drain(worker: OutboxDrainer, rounds: int = 200) -> None:
    for _ in range(rounds):
        if not await worker.drain_once():
            due = await worker.outbox.next_due(worker.channel)
            if due is None:
                return
            worker.clock.advance(seconds=max(0.0, (due - worker.clock()).total_seconds()))  # type: ignore[attr-defined]


async def test_rate_limits_overall_and_per_chat_are_respected(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    messages = [message(f"m{i}", f"telegram:{i % 40}") for i in range(200)]
    messages += [message(f"same{i}", "telegram:busy") for i in range(5)]
    await outbox.enqueue(messages, START)
    sender = RecordingSender(clock)
    await drain(drainer(outbox, sender, clock))
    assert Counter(key for _, _, key, _ in sender.delivered) == Counter(m.key for m in messages)
    times = [when for when, _, _, _ in sender.delivered]
    for when in times:  # never more than the limit in any one second
        in_second = [t for t in times if when <= t < when + timedelta(seconds=1)]
        assert len(in_second) <= LIMITS.overall
    per_chat: dict[str, list[datetime]] = defaultdict(list)
    for when, chat, _, _ in sender.delivered:
        per_chat[chat].append(when)
    for stamps in per_chat.values():
        gaps = [b - a for a, b in pairwise(stamps)]
        assert all(gap >= timedelta(seconds=LIMITS.private_interval) for gap in gaps)
    elapsed = (times[-1] - times[0]).total_seconds()
    assert 205 / LIMITS.overall - 2 <= elapsed  # at the rate


async def test_transient_failures_back_off_then_succeed(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    await outbox.enqueue([message("flaky", "telegram:1")], START)
    sender = RecordingSender(
        clock,
        {
            "flaky": [
                SendOutcome.transient("502"),
                SendOutcome.transient("502"),
                SendOutcome.delivered(),
            ]
        },
    )
    retry = RetryPolicy(first=5.0, attempts=5)
    await drain(drainer(outbox, sender, clock, retry=retry))
    stamps = [when for when, _, _ in sender.attempts]
    assert [(b - a).total_seconds() for a, b in pairwise(stamps)] == [5, 10]
    assert await outbox.states(["flaky"]) == {"flaky": "sent"}


async def test_too_many_transient_failures_end_as_failed(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    await outbox.enqueue([message("down", "telegram:1")], START)
    sender = RecordingSender(clock, {"down": [SendOutcome.transient("502")]})
    await drain(drainer(outbox, sender, clock, retry=RetryPolicy(attempts=3)))
    assert len(sender.attempts) == 3
    assert await outbox.states(["down"]) == {"down": "failed"}


async def test_retry_after_pauses_the_whole_channel(outbox: SqlOutbox, clock: FixedClock) -> None:
    await outbox.enqueue([message("a", "telegram:1"), message("b", "telegram:2")], START)
    sender = RecordingSender(clock, {"a": [SendOutcome.retry_after(7), SendOutcome.delivered()]})
    await drain(drainer(outbox, sender, clock))
    sent = {key: when for when, _, key, _ in sender.delivered}
    assert sent["a"] - START >= timedelta(seconds=7)
    assert await outbox.states(["a", "b"]) == {"a": "sent", "b": "sent"}


async def test_a_blocked_user_gets_nothing_more_and_the_conversation_is_told(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    later = START + timedelta(hours=1)
    await outbox.enqueue(
        [
            message("first", "telegram:1"),
            OutgoingMessage(
                "second", ChatId("telegram:1"), UserId("telegram:1"), Reply("x", "en"), later
            ),
            message("other", "telegram:2"),
        ],
        START,
    )
    told: list[UserId] = []

    async def on_blocked(user: UserId) -> None:
        told.append(user)

    sender = RecordingSender(clock, {"first": [SendOutcome.blocked()]})
    await drain(drainer(outbox, sender, clock, on_blocked=on_blocked))
    assert told == [UserId("telegram:1")]
    assert await outbox.states(["first", "second", "other"]) == {
        "first": "blocked",
        "second": "dropped",
        "other": "sent",
    }


async def test_a_message_past_its_expiry_is_dropped_not_sent(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    await outbox.enqueue(
        [message("late", "telegram:1", expires_at=START - timedelta(minutes=1))], START
    )
    sender = RecordingSender(clock)
    worker = drainer(outbox, sender, clock)
    await drain(worker)
    assert sender.attempts == []
    assert worker.stats.expired == 1
    assert (await outbox.counts())["dropped:started"] == 1


async def test_a_sender_that_raises_is_retried_not_fatal(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    class Broken(RecordingSender):
        async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
            if not self.attempts:
                self.attempts.append((self.clock.now, chat, idempotency_key))
                raise RuntimeError("adapter bug")
            return await super().send(chat, reply, idempotency_key)

    await outbox.enqueue([message("a", "telegram:1")], START)
    sender = Broken(clock)
    await drain(drainer(outbox, sender, clock))
    assert [key for _, _, key, _ in sender.delivered] == ["a"]


async def test_a_batch_slower_than_the_hold_keeps_its_claim_and_is_sent_once(
    outbox: SqlOutbox, clock: FixedClock
) -> None:
    """Each send takes longer than the whole claim; another instance recovers between sends."""
    hold = timedelta(seconds=0.15)
    recovered: list[int] = []

    class Slow(RecordingSender):
        async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
            clock.advance(seconds=0.2)
            await asyncio.sleep(0.2)  # real time: the claim's heartbeat runs meanwhile
            recovered.append(await outbox.recover(clock()))
            return await super().send(chat, reply, idempotency_key)

    keys = [f"k{i}" for i in range(4)]
    await outbox.enqueue([message(key, f"telegram:{i}") for i, key in enumerate(keys)], START)
    sender = Slow(clock)
    worker = drainer(
        outbox, sender, clock, hold=hold, limits=ChannelLimits(overall=30, concurrency=1)
    )
    assert await worker.drain_once() == len(keys)
    assert [key for _, _, key, _ in sender.delivered] == keys
    assert recovered == [0] * len(keys)
    assert worker.stats.lost_claims == 0
    assert set((await outbox.states(keys)).values()) == {"sent"}
