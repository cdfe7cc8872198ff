"""The users table keeps only language, network, a waiting question and the active flag."""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.profiles import SqlProfileStore
from handlers.core.events import Profile, UserId

ANA = UserId("telegram:1001")


async def test_new_user_has_no_profile(database: Database) -> None:
    assert await SqlProfileStore(database.sessions).get(ANA) is None


async def test_profile_round_trips_and_updates(database: Database) -> None:
    store = SqlProfileStore(database.sessions)
    await store.save(Profile(ANA, language="ar", pending="نادي"))
    assert await store.get(ANA) == Profile(ANA, language="ar", pending="نادي")
    await store.save(Profile(ANA, language="ar", network="espoo", active=False))
    assert await store.get(ANA) == Profile(ANA, language="ar", network="espoo", active=False)
    assert await store.count() == 1


async def test_delete_leaves_no_row(database: Database) -> None:
    store = SqlProfileStore(database.sessions)
    other = UserId("matrix:@b:localhost")
    await store.save(Profile(ANA, language="fi"))
    await store.save(Profile(other, language="so"))
    await store.delete(ANA)
    assert await store.get(ANA) is None
    assert await store.get(other) == Profile(other, language="so")
    assert await store.count() == 1
