"""Console sign-in links and sessions on each backend: hashes only, one use, expiry, sign-out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage.console_sessions import SESSION_VALID, SqlConsoleSessions, secret_hash
from bot.storage.database import Database
from bot.storage.erasure import forget_user
from bot.storage.models import ConsoleLinkRow, ConsoleSessionRow
from handlers.core.events import UserId

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
VALID = timedelta(minutes=15)
ANNA = UserId("telegram:100")


async def test_only_hashes_of_the_link_and_the_cookie_are_stored(database: Database) -> None:
    store = SqlConsoleSessions(database.sessions)
    token = await store.issue(ANNA, NOW, VALID)
    opened = await store.redeem(token, NOW + timedelta(minutes=1))
    assert opened is not None
    async with database.sessions() as session:
        links = list((await session.scalars(select(ConsoleLinkRow.token_hash))).all())
        cookies = list((await session.scalars(select(ConsoleSessionRow.token_hash))).all())
    assert links == [secret_hash(token)]
    assert cookies == [secret_hash(opened.cookie)]
    assert token not in links
    assert opened.cookie not in cookies


async def test_a_link_opens_one_session_once_and_only_within_its_minutes(
    database: Database,
) -> None:
    store = SqlConsoleSessions(database.sessions)
    token = await store.issue(ANNA, NOW, VALID)
    opened = await store.redeem(token, NOW + timedelta(minutes=14))
    assert opened is not None
    assert opened.session.user == ANNA
    assert opened.session.expires_at == NOW + timedelta(minutes=14) + SESSION_VALID
    assert await store.redeem(token, NOW + timedelta(minutes=14)) is None  # replayed
    late = await store.issue(ANNA, NOW, VALID)
    assert await store.redeem(late, NOW + VALID) is None  # expired
    assert await store.redeem("guessed", NOW) is None


async def test_two_browsers_racing_for_one_link_get_one_session(database: Database) -> None:
    store = SqlConsoleSessions(database.sessions)
    token = await store.issue(ANNA, NOW, VALID)
    results = await asyncio.gather(*(store.redeem(token, NOW) for _ in range(4)))
    assert len([r for r in results if r is not None]) == 1


async def test_a_session_ends_at_its_expiry_or_at_sign_out(database: Database) -> None:
    store = SqlConsoleSessions(database.sessions)
    first = await store.redeem(await store.issue(ANNA, NOW, VALID), NOW)
    second = await store.redeem(await store.issue(ANNA, NOW, VALID), NOW)
    assert first is not None
    assert second is not None
    assert first.session.csrf != second.session.csrf
    found = await store.session(first.cookie, NOW + SESSION_VALID - timedelta(seconds=1))
    assert found == first.session
    assert await store.session(first.cookie, NOW + SESSION_VALID) is None
    await store.end(second.cookie)
    assert await store.session(second.cookie, NOW) is None
    assert await store.session("forged", NOW) is None


async def test_forget_deletes_the_persons_links_and_sessions(database: Database) -> None:
    store = SqlConsoleSessions(database.sessions)
    opened = await store.redeem(await store.issue(ANNA, NOW, VALID), NOW)
    waiting = await store.issue(ANNA, NOW, VALID)
    other = await store.redeem(await store.issue(UserId("telegram:7"), NOW, VALID), NOW)
    assert opened is not None
    assert other is not None
    changed = await forget_user(database.sessions, ANNA)
    assert changed["console_links"] == 2
    assert changed["console_sessions"] == 1
    assert await store.session(opened.cookie, NOW) is None
    assert await store.redeem(waiting, NOW) is None
    assert await store.session(other.cookie, NOW) == other.session
