"""The subscriptions table on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.database import Database
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from catalog.model import ActivityId
from handlers.core.events import ChatId, Profile, UserId
from handlers.newcomers.reminder_timing import TWO_HOURS_BEFORE, Lead, Subscription

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ANA = UserId("telegram:1")
BO = UserId("matrix:@bo:example.org")


@pytest.fixture
def store(database: Database) -> SqlSubscriptionStore:
    return SqlSubscriptionStore(database.sessions)


def club(user: UserId = ANA, **extra: object) -> Subscription:
    return Subscription(user, ChatId(str(user)), NOW, activity=ActivityId("club"), **extra)  # type: ignore[arg-type]


async def test_add_round_trips_and_assigns_ids(store: SqlSubscriptionStore) -> None:
    stored = await store.add(club())
    kind = await store.add(
        Subscription(ANA, ChatId("telegram:1"), NOW, kind="language_club", network="espoo")
    )
    assert stored.id is not None
    assert kind.id != stored.id
    assert await store.get(stored.id) == stored
    assert await store.for_user(ANA) == [stored, kind]
    assert stored.created_at == NOW


async def test_adding_the_same_target_updates_the_lead_times(store: SqlSubscriptionStore) -> None:
    first = await store.add(club())
    leads = (TWO_HOURS_BEFORE, Lead(before=timedelta(days=1)))
    second = await store.add(club(leads=leads))
    assert second.id == first.id
    assert (await store.for_user(ANA))[0].leads == leads


async def test_remove_only_the_owners_subscription(store: SqlSubscriptionStore) -> None:
    mine = await store.add(club())
    assert mine.id is not None
    assert await store.remove(BO, mine.id) is None
    assert await store.remove(ANA, mine.id) == mine
    assert await store.remove(ANA, mine.id) is None


async def test_remove_all_and_subscribers_with_their_language(
    database: Database, store: SqlSubscriptionStore
) -> None:
    await SqlProfileStore(database.sessions).save(Profile(ANA, "fi", "espoo", active=False))
    await store.add(club())
    await store.add(club(BO))
    subscribers = {s.subscription.user: s for s in await store.subscribers()}
    assert (subscribers[ANA].language, subscribers[ANA].active) == ("fi", False)
    assert (subscribers[BO].language, subscribers[BO].active) == (None, True)
    assert [s.subscription.user for s in await store.subscribers([BO])] == [BO]
    assert await store.remove_all(ANA) == 1
    assert [s.user for s in await store.all()] == [BO]


async def test_subscriber_parts_are_the_subscribers_a_page_at_a_time(
    store: SqlSubscriptionStore,
) -> None:
    for number in range(7):
        await store.add(club(UserId(f"telegram:{10 + number}")))
    await store.add(
        Subscription(ANA, ChatId("telegram:1"), NOW, kind="language_club", network="espoo")
    )
    await store.add(Subscription(BO, ChatId("m"), NOW, activity=ActivityId("elsewhere")))
    whole = await store.subscribers_of([ActivityId("club")], ["language_club"], ["espoo"])
    parts = [
        part
        async for part in store.subscriber_parts(
            [ActivityId("club")], ["language_club"], ["espoo"], size=3
        )
    ]
    assert [len(part) for part in parts] == [3, 3, 1, 1]  # the club's seven, then the kind's
    assert sorted(s.subscription.id or 0 for p in parts for s in p) == [
        s.subscription.id for s in whole
    ]
    assert [p async for p in store.subscriber_parts([ActivityId("nothing")])] == []
