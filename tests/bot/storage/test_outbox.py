"""The outbox table on each backend: idempotent enqueue, exclusive claims, outcomes, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import bot.storage.outbox as outbox_module
from bot.storage.database import Database
from bot.storage.outbox import OutgoingMessage, SqlOutbox, State, decode_reply, encode_reply
from handlers.core.events import Action, ActionKind, ChatId, Reply, UserId

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HOLD = timedelta(minutes=2)


def message(
    key: str, user: str = "telegram:1", due: datetime = NOW, **extra: object
) -> OutgoingMessage:
    reply = Reply(f"text {key}", "fi", (Action(ActionKind.STOP_REMINDERS, "Lopeta", "7"),))
    return OutgoingMessage(key, ChatId(user), UserId(user), reply, due, **extra)  # type: ignore[arg-type]


def test_payload_round_trips_with_actions_and_unicode() -> None:
    reply = Reply(
        "Muistutus: kielikahvila ☕ «عربي»", "ar", (Action(ActionKind.SHOW, "Lisää", "x"),)
    )
    assert decode_reply(encode_reply(reply)) == reply


async def test_enqueue_is_idempotent_on_the_key(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    assert await outbox.enqueue([message("a"), message("b")], NOW) == ["a", "b"]
    assert await outbox.enqueue([message("b"), message("c")], NOW) == ["c"]
    assert (await outbox.counts())["pending"] == 3


async def test_enqueue_many_in_chunks(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    keys = [f"k{i}" for i in range(1_234)]
    assert (
        len(await outbox.enqueue([message(k, f"telegram:{i}") for i, k in enumerate(keys)], NOW))
        == 1_234
    )
    assert len(await outbox.enqueue([message(k) for k in keys], NOW)) == 0


async def test_a_row_is_claimed_by_one_sender_only_and_only_when_due(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("now"), message("later", due=NOW + timedelta(hours=1))], NOW)
    first = await outbox.claim("telegram", NOW, 10, "one", HOLD)
    second = await outbox.claim("telegram", NOW, 10, "two", HOLD)
    assert [m.key for m in first] == ["now"]
    assert first[0].attempts == 1
    assert first[0].reply.actions[0].argument == "7"
    assert second == []
    assert await outbox.claim("matrix", NOW + timedelta(hours=2), 10, "m", HOLD) == []
    assert await outbox.next_due("telegram") == NOW + timedelta(hours=1)


async def test_only_the_claimer_records_the_outcome(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("a")], NOW)
    [claimed] = await outbox.claim("telegram", NOW, 10, "one", HOLD)
    assert not await outbox.mark_sent(claimed.id, "intruder", NOW)
    assert await outbox.mark_sent(claimed.id, "one", NOW)
    assert not await outbox.mark_sent(claimed.id, "one", NOW)  # already finished
    assert await outbox.states(["a"]) == {"a": "sent"}


async def test_retry_waits_until_its_time(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("a")], NOW)
    [claimed] = await outbox.claim("telegram", NOW, 10, "one", HOLD)
    await outbox.mark_retry(claimed.id, "one", NOW + timedelta(seconds=30), "timeout")
    assert await outbox.claim("telegram", NOW + timedelta(seconds=29), 10, "two", HOLD) == []
    [again] = await outbox.claim("telegram", NOW + timedelta(seconds=30), 10, "two", HOLD)
    assert again.attempts == 2


async def test_a_dead_senders_claims_are_recovered_after_the_hold(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("a"), message("b", "telegram:2")], NOW)
    await outbox.claim("telegram", NOW, 10, "dead", HOLD)
    assert await outbox.recover(NOW + HOLD - timedelta(seconds=1)) == 0
    assert await outbox.recover(NOW + HOLD + timedelta(seconds=1)) == 2
    rows = await outbox.claim("telegram", NOW + HOLD + timedelta(seconds=1), 10, "new", HOLD)
    assert sorted(m.key for m in rows) == ["a", "b"]
    assert not await outbox.mark_sent(rows[0].id, "dead", NOW)  # the dead one cannot finish it


async def test_a_live_senders_renewed_claims_are_not_recovered(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    three = [message("a"), message("b", "telegram:2"), message("c", "telegram:3")]
    await outbox.enqueue(three, NOW)
    claimed = await outbox.claim("telegram", NOW, 2, "busy", HOLD)
    await outbox.claim("telegram", NOW, 10, "other", HOLD)
    assert await outbox.mark_sent(claimed[0].id, "busy", NOW)
    assert await outbox.renew("busy", NOW + 2 * HOLD) == 1  # only what it still holds
    later = NOW + HOLD + timedelta(seconds=1)
    assert await outbox.recover(later) == 1  # the other's claim ran out; the renewed one not
    assert await outbox.mark_sent(claimed[1].id, "busy", later)


async def test_dropped_rows_are_counted_with_their_reason_and_never_claimed(
    database: Database,
) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("late", dropped="started"), message("ok")], NOW)
    counts = await outbox.counts()
    assert counts["dropped"] == 1
    assert counts["dropped:started"] == 1
    assert [m.key for m in await outbox.claim("telegram", NOW, 10, "t", HOLD)] == ["ok"]


async def test_blocked_user_rows_are_dropped_and_forgotten_user_rows_deleted(
    database: Database,
) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue([message("a1"), message("a2"), message("b1", "telegram:2")], NOW)
    assert await outbox.drop_user(UserId("telegram:1"), "blocked") == 2
    assert await outbox.forget_user(UserId("telegram:2")) == 1
    assert await outbox.states(["a1", "a2", "b1"]) == {"a1": "dropped", "a2": "dropped"}


async def test_withdraw_pending_spares_sent_rows_and_other_categories(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [
            message("r1", category="reminder", activity="club"),
            message("r2", category="reminder", activity="club"),
            message("n1", category="new_activity", activity="club"),
            message("o1", category="reminder", activity="other"),
        ],
        NOW,
    )
    [first, *_] = await outbox.claim("telegram", NOW, 1, "t", HOLD)
    await outbox.mark_sent(first.id, "t", NOW)
    removed = await outbox.withdraw_pending(activities=["club"], categories=["reminder"])
    assert removed == 1
    assert set(await outbox.states(["r1", "r2", "n1", "o1"])) == {first.key, "n1", "o1"}


async def test_prune_keeps_keys_of_occurrences_not_yet_past(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    later = NOW + timedelta(days=3)
    await outbox.enqueue(
        [message("old", expires_at=NOW), message("future", expires_at=later), message("plain")],
        NOW,
    )
    for claimed in await outbox.claim("telegram", NOW, 10, "t", HOLD):
        await outbox.mark_final(claimed.id, "t", State.SENT, "")
    assert await outbox.prune(NOW + timedelta(days=1)) == 2
    assert set(await outbox.states(["old", "future", "plain"])) == {"future"}


async def test_a_large_batch_by_copy_keeps_the_enqueue_contract(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``COPY_AT_LEAST`` rows PostgreSQL takes them by COPY: same keys back, same rows."""
    monkeypatch.setattr(outbox_module, "COPY_AT_LEAST", 2)
    outbox = SqlOutbox(database.sessions)
    later = NOW + timedelta(hours=3)
    first = [message("a", activity="club", category="reminder"), message("b", due=later)]
    assert sorted(await outbox.enqueue(first, NOW)) == ["a", "b"]
    again = [message("b"), message("c", "telegram:2"), message("c", "telegram:2")]
    assert await outbox.enqueue(again, NOW) == ["c"]
    assert (await outbox.counts())["pending"] == 3
    claimed = await outbox.claim("telegram", later, 10, "t", HOLD)
    assert [(c.key, c.due_at, c.reply) for c in claimed] == [
        ("a", NOW, message("a").reply),
        ("c", NOW, message("c").reply),
        ("b", later, message("b").reply),
    ]


async def test_keys_of_names_what_a_re_plan_need_not_write_again(database: Database) -> None:
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [
            message("r1", category="reminder", activity="club"),
            message("r2", category="reminder", activity="club", dropped="missed"),
            message("n1", category="new_activity", activity="club"),
            message("o1", category="reminder", activity="other"),
        ],
        NOW,
    )
    await outbox.withdraw_pending(activities=["club"], categories=["reminder"])
    assert await outbox.keys_of(["club"], ["reminder"]) == {"r2"}
    assert await outbox.keys_of([], ["reminder"]) == set()


async def test_digests_are_withdrawn_and_named_by_subscription(database: Database) -> None:
    """Day digests name no activity of theirs: a re-plan finds them by subscription."""
    outbox = SqlOutbox(database.sessions)
    await outbox.enqueue(
        [
            message("d-clubs", category="digest", subscription=1),
            message("d-sports", category="digest", subscription=2),
            message("d-out", category="digest", subscription=1, dropped="started"),
            message("r1", category="reminder", activity="club", subscription=1),
        ],
        NOW,
    )
    removed = await outbox.withdraw_pending(subscriptions=[1], categories=["digest"])
    assert removed == 1
    assert set(await outbox.states(["d-clubs", "d-sports", "d-out", "r1"])) == {
        "d-sports",
        "d-out",
        "r1",
    }
    assert await outbox.keys_of([], ["digest"], subscriptions=[1]) == {"d-out"}
    assert await outbox.keys_of(["club"], ["reminder"], subscriptions=[2]) == {"r1"}


async def test_withdrawing_and_naming_take_long_lists_in_chunks(database: Database) -> None:
    """More values than one statement may bind (PostgreSQL: 32,767; SQLite: 32,766)."""
    outbox = SqlOutbox(database.sessions)
    count = 40_000
    await outbox.enqueue(
        [message(f"d{n}", category="digest", subscription=n) for n in range(0, count, 1_000)],
        NOW,
    )
    numbers = list(range(count))
    assert len(await outbox.keys_of([], ["digest"], subscriptions=numbers)) == 40
    assert await outbox.withdraw_pending(subscriptions=numbers, categories=["digest"]) == 40
    users = [f"telegram:{n}" for n in range(count)]
    assert await outbox.withdraw_pending(users=users, activities=users) == 0
