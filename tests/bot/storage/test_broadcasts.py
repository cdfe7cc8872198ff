"""Broadcasts on each backend: stored with their versions, updated, listed while under way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.storage.broadcasts import SqlBroadcastStore, decode_versions, encode_versions
from bot.storage.database import Database
from handlers.core.events import ChatId, UserId
from handlers.volunteers.broadcast_state import Broadcast, BroadcastState

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
VOLUNTEER = UserId("telegram:300")


def broadcast(activity: str | None = "kielikahvila", **extra: object) -> Broadcast:
    return Broadcast(
        id=None,
        sender=VOLUNTEER,
        sender_chat=ChatId("telegram:300"),
        organisation="seurakunta",
        language="fi",
        text="Tänään kahvila alkaa puoli tuntia myöhemmin.",
        created_at=NOW,
        activity=activity,
        **extra,  # type: ignore[arg-type]
    )


def test_versions_round_trip_in_order() -> None:
    versions = (("uk", "Сьогодні кав'ярня почнеться пізніше."), ("ar", "«اليوم» يبدأ لاحقًا"))
    assert decode_versions(encode_versions(versions)) == versions
    assert decode_versions(encode_versions(())) == ()


async def test_a_broadcast_round_trips_and_gets_an_id(database: Database) -> None:
    store = SqlBroadcastStore(database.sessions)
    wanted = broadcast(versions=(("en", "Starts later today."), ("uk", "Почнеться пізніше.")))
    stored = await store.create(wanted)
    assert stored.id is not None
    assert stored == replace(wanted, id=stored.id)
    assert await store.get(stored.id) == stored
    assert stored.batch == f"broadcast:{stored.id}"
    organisation_wide = await store.create(broadcast(activity=None))
    assert organisation_wide.id != stored.id
    assert await store.get(organisation_wide.id or 0) == organisation_wide


async def test_updates_and_the_list_of_broadcasts_under_way(database: Database) -> None:
    store = SqlBroadcastStore(database.sessions)
    first = await store.create(broadcast())
    second = await store.create(broadcast(activity=None))
    third = await store.create(broadcast())
    assert await store.sending() == [first, second, third]
    counted = replace(first, recipients=42)
    await store.update(counted)
    await store.update(replace(second, state=BroadcastState.STOPPED, recipients=3))
    await store.update(replace(third, state=BroadcastState.DONE))
    assert await store.sending() == [counted]
    stopped = await store.get(second.id or 0)
    assert stopped is not None
    assert (stopped.state, stopped.recipients, stopped.text) == (
        BroadcastState.STOPPED,
        3,
        second.text,
    )
    assert await store.get(999) is None
