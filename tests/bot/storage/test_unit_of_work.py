"""One contract for every unit of work: the SQL one (SQLite, PostgreSQL) and the fake.

A unit commits everything written through its stores at once, or nothing; its hooks run only
after a commit; the directory it hands out finds an activity's subscribers by activity and by
kind in a network. ``tests/fakes.py``'s :class:`InMemoryUnitsOfWork` must behave the same,
since the flows' tests rely on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest

from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.unit_of_work import SqlUnitsOfWork
from catalog.model import ActivityId, OccurrenceChange
from handlers.core.dialogue import Dialogue
from handlers.core.events import ChatId, Profile, Reply, UserId
from handlers.core.ports import OutgoingMessage, SubscriberDirectory, UnitOfWorkFactory
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.broadcast_state import Broadcast
from handlers.volunteers.steps import FLOW
from tests.bot.storage.catalogues import full_catalogue
from tests.fakes import (
    InMemoryCatalogueEditor,
    InMemoryDialogues,
    InMemoryOutbox,
    InMemoryProfiles,
    InMemorySubscriberDirectory,
    InMemorySubscriptions,
    InMemoryUnitsOfWork,
)

NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
ACTIVITY = ActivityId("kielikahvila")
VOLUNTEER = UserId("telegram:9")
READER = UserId("telegram:1")
CHANGE = OccurrenceChange(ACTIVITY, datetime(2026, 8, 18, 17, 0), cancelled=True)


class World(Protocol):
    """One implementation with what the contract reads back from outside the unit."""

    @property
    def units(self) -> UnitOfWorkFactory: ...
    @property
    def directory(self) -> SubscriberDirectory: ...
    @property
    def woken(self) -> int: ...
    @property
    def reloaded(self) -> int: ...

    async def subscribe(self, subscription: Subscription, language: str) -> None: ...
    async def save_dialogue(self, dialogue: Dialogue) -> None: ...
    async def dialogue(self, user: UserId) -> Dialogue | None: ...
    async def queued(self) -> set[str]: ...
    async def changes(self) -> list[OccurrenceChange]: ...


@dataclass
class FakeWorld:
    subscriptions: InMemorySubscriptions = field(default_factory=InMemorySubscriptions)
    profiles: InMemoryProfiles = field(default_factory=InMemoryProfiles)
    dialogues: InMemoryDialogues = field(default_factory=InMemoryDialogues)
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)

    def __post_init__(self) -> None:
        self.directory = InMemorySubscriberDirectory(self.subscriptions, self.profiles)
        self.editor = InMemoryCatalogueEditor(full_catalogue())
        self.fake = InMemoryUnitsOfWork(
            dialogues=self.dialogues,
            outbox=self.outbox,
            directory=self.directory,
            editor=self.editor,
        )
        self.units: UnitOfWorkFactory = self.fake

    @property
    def woken(self) -> int:
        return self.fake.woken

    @property
    def reloaded(self) -> int:
        return self.fake.catalogue_changes

    async def subscribe(self, subscription: Subscription, language: str) -> None:
        self.profiles.profiles[subscription.user] = Profile(subscription.user, language, None)
        await self.subscriptions.add(subscription)

    async def save_dialogue(self, dialogue: Dialogue) -> None:
        await self.dialogues.save(dialogue)

    async def dialogue(self, user: UserId) -> Dialogue | None:
        return await self.dialogues.get(user)

    async def queued(self) -> set[str]:
        return set(self.outbox.entries)

    async def changes(self) -> list[OccurrenceChange]:
        return list(self.editor.changes.values())


class SqlWorld:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.woken = 0
        self.reloaded = 0
        self.directory = SqlSubscriptionStore(database.sessions)
        self.units = SqlUnitsOfWork(
            database.sessions, on_enqueued=self._wake, on_catalogue_changed=self._reload
        )

    def _wake(self) -> None:
        self.woken += 1

    async def _reload(self) -> None:
        self.reloaded += 1

    async def subscribe(self, subscription: Subscription, language: str) -> None:
        await SqlProfileStore(self.database.sessions).save(
            Profile(subscription.user, language, None)
        )
        await self.directory.add(subscription)

    async def save_dialogue(self, dialogue: Dialogue) -> None:
        await SqlDialogueStore(self.database.sessions).save(dialogue)

    async def dialogue(self, user: UserId) -> Dialogue | None:
        return await SqlDialogueStore(self.database.sessions).get(user)

    async def queued(self) -> set[str]:
        return set(await SqlOutbox(self.database.sessions).states([*KEYS, "other"]))

    async def changes(self) -> list[OccurrenceChange]:
        return await CatalogStore(self.database.sessions).occurrence_changes()


KEYS = [f"notice:{n}" for n in range(3)]


@pytest.fixture(params=["fake", "sql"])
async def world(request: pytest.FixtureRequest, database: Database) -> AsyncIterator[World]:
    """The fake once (on the SQLite run), the SQL unit on every backend."""
    if request.param == "fake":
        if database.engine.dialect.name != "sqlite":
            pytest.skip("the fake runs once")
        yield FakeWorld()
        return
    await CatalogStore(database.sessions).apply(full_catalogue())
    yield SqlWorld(database)


def notices() -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            key, ChatId(f"telegram:{n}"), UserId(f"telegram:{n}"), Reply(key, "fi"), NOW
        )
        for n, key in enumerate(KEYS)
    ]


def dialogue() -> Dialogue:
    return Dialogue(VOLUNTEER, FLOW, "confirm-change", NOW, {"op": "cancel"})


async def test_a_committed_unit_stores_the_change_its_messages_and_the_dialogues_end(
    world: World,
) -> None:
    await world.save_dialogue(dialogue())
    async with world.units() as unit:
        await unit.catalogue.change_occurrence(CHANGE, VOLUNTEER)
        assert await unit.outbox.enqueue(notices(), NOW) == KEYS
        await unit.dialogues.clear(VOLUNTEER)
        created = await unit.broadcasts.create(
            Broadcast(None, VOLUNTEER, ChatId("telegram:9"), "seurakunta", "fi", "Hei", NOW)
        )
        assert await unit.broadcasts.get(created.id or 0) == created  # read in the unit
        assert world.woken == world.reloaded == 0
        await unit.commit()
    assert await world.queued() == set(KEYS)
    assert [(c.activity, c.cancelled) for c in await world.changes()] == [(ACTIVITY, True)]
    assert await world.dialogue(VOLUNTEER) is None
    assert (world.woken, world.reloaded) == (1, 1)


async def test_an_error_before_the_commit_leaves_nothing(world: World) -> None:
    await world.save_dialogue(dialogue())

    async def crash_before_commit() -> None:
        async with world.units() as unit:
            await unit.catalogue.change_occurrence(CHANGE, VOLUNTEER)
            await unit.outbox.enqueue(notices(), NOW)
            await unit.dialogues.clear(VOLUNTEER)
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        await crash_before_commit()
    assert await world.queued() == set()
    assert await world.changes() == []
    assert await world.dialogue(VOLUNTEER) == dialogue()
    assert (world.woken, world.reloaded) == (0, 0)


async def test_leaving_without_commit_leaves_nothing(world: World) -> None:
    async with world.units() as unit:
        await unit.outbox.enqueue(notices(), NOW)
    assert await world.queued() == set()
    assert world.woken == 0


async def test_a_refused_change_takes_the_messages_written_before_it_along(world: World) -> None:
    unknown = OccurrenceChange(ActivityId("no-such-activity"), NOW.replace(tzinfo=None))

    async def refused() -> None:
        async with world.units() as unit:
            await unit.outbox.enqueue(notices(), NOW)
            await unit.catalogue.change_occurrence(unknown, VOLUNTEER)
            await unit.commit()

    with pytest.raises(LookupError):
        await refused()
    assert await world.queued() == set()


async def test_a_unit_commits_once_and_only_inside_its_block(world: World) -> None:
    unit = world.units()
    with pytest.raises(RuntimeError):
        await unit.commit()
    async with world.units() as unit:
        await unit.commit()
        with pytest.raises(RuntimeError):
            await unit.commit()


async def test_subscribers_are_found_by_activity_and_by_kind_in_a_network(world: World) -> None:
    since = NOW - timedelta(days=1)

    def user(n: int) -> UserId:
        return UserId(f"telegram:{n}")

    await world.subscribe(
        Subscription(user(1), ChatId("telegram:1"), since, activity=ACTIVITY), "fi"
    )
    await world.subscribe(
        Subscription(
            user(2), ChatId("telegram:2"), since, kind="language_club", network="nurmijarvi"
        ),
        "ar",
    )
    await world.subscribe(
        Subscription(user(3), ChatId("telegram:3"), since, kind="language_club", network="espoo"),
        "uk",
    )
    await world.subscribe(
        Subscription(user(4), ChatId("telegram:4"), since, kind="sports", network="nurmijarvi"),
        "fi",
    )
    await world.subscribe(
        Subscription(user(5), ChatId("telegram:5"), since, activity=ActivityId("other")), "fi"
    )
    found = await world.directory.subscribers_of([ACTIVITY], ["language_club"], ["nurmijarvi"])
    assert [(s.subscription.user, s.language) for s in found] == [(user(1), "fi"), (user(2), "ar")]
    assert await world.directory.subscribers_of([], [], []) == []
    async with world.units() as unit:  # the unit's directory reads the same
        assert (
            await unit.subscribers.subscribers_of([ACTIVITY], ["language_club"], ["nurmijarvi"])
            == found
        )


async def test_followers_are_counted_per_language_once_each(world: World) -> None:
    since = NOW - timedelta(days=1)

    def user(n: int) -> UserId:
        return UserId(f"telegram:{n}")

    def chat(n: int) -> ChatId:
        return ChatId(f"telegram:{n}")

    def clubs(n: int) -> Subscription:
        return Subscription(user(n), chat(n), since, kind="language_club", network="nurmijarvi")

    await world.subscribe(Subscription(user(1), chat(1), since, activity=ACTIVITY), "fi")
    await world.subscribe(clubs(2), "ar")
    await world.subscribe(Subscription(user(6), chat(6), since, activity=ACTIVITY), "fi")
    await world.subscribe(clubs(6), "fi")
    await world.subscribe(
        Subscription(user(3), chat(3), since, kind="language_club", network="espoo"), "uk"
    )
    await world.subscribe(
        Subscription(user(5), chat(5), since, activity=ActivityId("other")), "fi"
    )
    pairs = [("language_club", "nurmijarvi")]
    assert await world.directory.languages_of_followers([ACTIVITY], pairs) == {"fi": 2, "ar": 1}
    assert await world.directory.languages_of_followers([ACTIVITY], []) == {"fi": 2}
    assert await world.directory.languages_of_followers([], []) == {}
