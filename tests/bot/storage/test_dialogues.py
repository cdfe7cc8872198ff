"""Dialogues on each backend: one per user, replaced, cleared, data kept as JSON."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage.database import Database
from bot.storage.dialogues import SqlDialogueStore, decode_data, encode_data
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import UserId

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ANA = UserId("telegram:1")
BO = UserId("matrix:@bo:example.org")


def test_data_round_trips_with_unicode_and_order() -> None:
    data = {"z": "ääkköset ☕", "a": "«عربي»", "draft": 'line\n"two"'}
    decoded = decode_data(encode_data(data))
    assert decoded == data
    assert list(decoded) == ["z", "a", "draft"]


async def test_a_dialogue_is_saved_replaced_and_cleared(database: Database) -> None:
    store = SqlDialogueStore(database.sessions)
    assert await store.get(ANA) is None
    first = Dialogue(ANA, DialogueName.CONTACT, "consent", NOW, {"activity": "kielikahvila"})
    await store.save(first)
    assert await store.get(ANA) == first
    moved = first.at("message", NOW + timedelta(minutes=3), draft="Hei! Voinko tulla?")
    await store.save(moved)
    assert await store.get(ANA) == moved
    assert (await store.get(ANA)).data == {  # type: ignore[union-attr]
        "activity": "kielikahvila",
        "draft": "Hei! Voinko tulla?",
    }
    await store.clear(ANA)
    assert await store.get(ANA) is None
    await store.clear(ANA)  # clearing nothing is fine


async def test_users_have_their_own_dialogues(database: Database) -> None:
    store = SqlDialogueStore(database.sessions)
    await store.save(Dialogue(ANA, DialogueName.CONTACT, "consent", NOW))
    await store.save(Dialogue(BO, DialogueName.VOLUNTEER, "pick", NOW, {"op": "cancel"}))
    await store.clear(ANA)
    assert await store.get(ANA) is None
    found = await store.get(BO)
    assert found is not None
    assert (found.flow, found.step, found.data) == ("volunteer", "pick", {"op": "cancel"})
    assert found.updated_at == NOW


async def test_two_saves_at_once_leave_one_of_them(database: Database) -> None:
    store = SqlDialogueStore(database.sessions)
    one = Dialogue(ANA, DialogueName.CONTACT, "consent", NOW)
    two = Dialogue(ANA, DialogueName.JOIN, "form", NOW + timedelta(seconds=1))
    await asyncio.gather(store.save(one), store.save(two))
    assert await store.get(ANA) in (one, two)
