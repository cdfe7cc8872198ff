"""One contract for /forget: the SQL store (SQLite, PostgreSQL) and the fakes end the same.

The flows' tests erase through ``tests/wiring.py``'s :class:`InMemoryDataRights`; it must
delete what :func:`bot.storage.erasure.forget_user` deletes — above all every outbox row to
the person or carrying their words (the forwards of their requests, each copy of a broadcast
they sent, the sent ones too) — and name others' role records the same way. Read back only
through the ports, so both sides are held to what the flows can see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.broadcasts import SqlBroadcastStore
from bot.storage.catalog_store import CatalogStore
from bot.storage.data_rights import SqlDataRights
from bot.storage.database import Database
from bot.storage.erasure import FORGOTTEN
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from catalog.model import ActivityId
from handlers.coordination.permissions import Invite, Role
from handlers.coordination.requests import ContactRequest, RequestKind
from handlers.core.events import ChatId, Profile, Reply, UserId
from handlers.core.ports import (
    BroadcastStore,
    OutgoingMessage,
    ProfileStore,
    RequestStore,
    StaffStore,
    SubscriptionStore,
)
from handlers.newcomers.data_rights import DataRights
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.broadcast_state import Broadcast
from tests.bot.storage.catalogues import full_catalogue
from tests.fakes import (
    InMemoryBroadcasts,
    InMemoryCalendarFeeds,
    InMemoryDialogues,
    InMemoryOutbox,
    InMemoryProfiles,
    InMemoryRequests,
    InMemoryStaff,
    InMemorySubscriptions,
)
from tests.wiring import InMemoryDataRights

NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
LEAVER = UserId("telegram:987654321")
READER = UserId("telegram:4444")
COORDINATOR = UserId("telegram:7777")
DESK = ChatId("telegram:-1002222")
ORGANISATION = "seurakunta"
ACTIVITY = ActivityId("kielikahvila")


@dataclass
class World:
    """One implementation's stores, its erasure, and what reads the outbox back."""

    profiles: ProfileStore
    subscriptions: SubscriptionStore
    requests: RequestStore
    staff: StaffStore
    broadcasts: BroadcastStore
    rights: DataRights
    enqueue: Callable[[list[OutgoingMessage]], Awaitable[object]]
    deliver: Callable[[str], Awaitable[None]]
    remaining: Callable[[list[str]], Awaitable[set[str]]]


def fake_world() -> World:
    outbox, broadcasts = InMemoryOutbox(), InMemoryBroadcasts()
    profiles, subscriptions = InMemoryProfiles(), InMemorySubscriptions()
    requests, staff = InMemoryRequests(), InMemoryStaff()
    rights = InMemoryDataRights(
        profiles, subscriptions, requests, staff, InMemoryDialogues(), outbox, broadcasts,
        InMemoryCalendarFeeds(),
    )

    async def deliver(key: str) -> None:
        outbox.deliver(key, "9001")

    async def remaining(keys: list[str]) -> set[str]:
        return {key for key in keys if key in outbox.entries}

    return World(
        profiles, subscriptions, requests, staff, broadcasts, rights,
        lambda messages: outbox.enqueue(messages, NOW), deliver, remaining,
    )  # fmt: skip


async def sql_world(database: Database) -> World:
    sessions = database.sessions
    await CatalogStore(sessions).apply(full_catalogue())
    outbox = SqlOutbox(sessions)

    async def deliver(key: str) -> None:
        claimed = await outbox.claim("telegram", NOW, 100, "t", timedelta(minutes=2))
        for message in claimed:
            if message.key == key:
                assert await outbox.mark_sent(message.id, "t", NOW, "9001")
        await outbox.recover(NOW + timedelta(hours=1))  # the others wait again

    async def remaining(keys: list[str]) -> set[str]:
        return set(await outbox.states(keys))

    return World(
        SqlProfileStore(sessions), SqlSubscriptionStore(sessions), SqlRequestStore(sessions),
        SqlStaffStore(sessions), SqlBroadcastStore(sessions), SqlDataRights(sessions),
        lambda messages: outbox.enqueue(messages, NOW), deliver, remaining,
    )  # fmt: skip


@pytest.fixture(params=["fake", "sql"])
async def world(request: pytest.FixtureRequest, database: Database) -> AsyncIterator[World]:
    """The fakes once (on the SQLite run), the SQL store on every backend."""
    if request.param == "fake":
        if database.engine.dialect.name != "sqlite":
            pytest.skip("the fake runs once")
        yield fake_world()
        return
    yield await sql_world(database)


def note(key: str, to: UserId | ChatId, text: str, batch: str | None = None) -> OutgoingMessage:
    chat, user = ChatId(str(to)), UserId(str(to))
    return OutgoingMessage(key, chat, user, Reply(text, "fi"), NOW, batch=batch)


async def populate(w: World) -> tuple[list[str], int, int]:
    """The leaver everywhere, the reader's own things beside.

    Returns every outbox key and the ids of the leaver's and the reader's broadcasts.
    """
    for user in (LEAVER, READER):
        await w.profiles.save(Profile(user, "uk", "nurmijarvi"))
        await w.subscriptions.add(Subscription(user, ChatId(str(user)), NOW, activity=ACTIVITY))
    request = await w.requests.create(
        ContactRequest(
            None, "", RequestKind.CONTACT, LEAVER, ChatId(str(LEAVER)), "nurmijarvi", "uk",
            "Salainen kysymys", NOW, name="Leena",
        )
    )  # fmt: skip
    mine = await w.broadcasts.create(
        Broadcast(None, LEAVER, ChatId(str(LEAVER)), ORGANISATION, "fi", "Tiedote", NOW)
    )
    theirs = await w.broadcasts.create(
        Broadcast(None, READER, ChatId(str(READER)), ORGANISATION, "fi", "Toinen", NOW)
    )
    messages = [
        note("reminder:leaver", LEAVER, "Muistutus"),
        note("forward", DESK, "Salainen kysymys", request.batch),
        note("mine:sent", READER, "Tiedote", mine.batch),
        note("mine:waiting", COORDINATOR, "Tiedote", mine.batch),
        note("theirs:to-leaver", LEAVER, "Toinen", theirs.batch),
        note("theirs:to-reader", READER, "Toinen", theirs.batch),
        note("reminder:reader", READER, "Muistutus"),
    ]
    await w.enqueue(messages)
    await w.deliver("mine:sent")
    await w.deliver("forward")
    # Roles: the coordinator makes the leaver an organiser, who invites the reader (used)
    # and someone else (never used).
    week_on = NOW + timedelta(days=7)
    await w.staff.create_invite(
        Invite("to-leaver", Role.ORGANISER, ORGANISATION, COORDINATOR, NOW, week_on)
    )
    assert await w.staff.redeem("to-leaver", LEAVER, NOW) is not None
    for code in ("to-reader", "unused"):
        invite = Invite(code, Role.VOLUNTEER, ORGANISATION, LEAVER, NOW, week_on)
        await w.staff.create_invite(invite)
    assert await w.staff.redeem("to-reader", READER, NOW) is not None
    assert mine.id is not None
    assert theirs.id is not None
    return [m.key for m in messages], mine.id, theirs.id


async def test_forget_deletes_every_row_carrying_the_persons_words_sent_or_not(
    world: World,
) -> None:
    keys, broadcast_of_leaver, broadcast_of_reader = await populate(world)
    assert await world.remaining(keys) == set(keys)
    assert await world.broadcasts.get(broadcast_of_leaver) is not None

    await world.rights.forget(LEAVER)

    assert await world.remaining(keys) == {"theirs:to-reader", "reminder:reader"}
    data = await world.rights.data_of(LEAVER)
    assert data.profile is None
    assert (data.subscriptions, data.requests, data.grants, data.queued_messages) == ((), (), (), 0)
    assert await world.broadcasts.get(broadcast_of_leaver) is None
    assert await world.broadcasts.get(broadcast_of_reader) is not None
    reader = await world.rights.data_of(READER)
    assert reader.profile is not None
    assert len(reader.subscriptions) == 1
    assert reader.queued_messages == 2  # their reminder and broadcast; not the leaver's


async def test_forget_names_the_person_forgotten_in_others_role_records(world: World) -> None:
    await populate(world)

    await world.rights.forget(LEAVER)

    [grant] = await world.staff.grants_of(READER)
    assert grant.granted_by == FORGOTTEN
    events = await world.staff.events([ORGANISATION])
    assert [(e.action, e.actor, e.subject) for e in events] == [
        ("invite", COORDINATOR, None),
        ("grant", FORGOTTEN, FORGOTTEN),
        ("invite", FORGOTTEN, None),
        ("invite", FORGOTTEN, None),
        ("grant", READER, READER),
    ]
    assert not await world.staff.grants_of(LEAVER)
    assert await world.staff.redeem("unused", READER, NOW) is None  # their unused invite went
