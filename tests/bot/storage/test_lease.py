"""The scheduler lease on each backend: one holder, renewal, expiry, release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.database import Database
from bot.storage.lease import SqlLease

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TERM = timedelta(seconds=30)


async def test_one_holder_at_a_time_until_it_lapses(database: Database) -> None:
    lease = SqlLease(database.sessions, "reminders")
    assert await lease.acquire("a", NOW, TERM)
    assert not await lease.acquire("b", NOW + timedelta(seconds=10), TERM)
    assert await lease.acquire("a", NOW + timedelta(seconds=10), TERM)  # renewal
    assert not await lease.acquire("b", NOW + timedelta(seconds=39), TERM)
    assert await lease.holder(NOW + timedelta(seconds=39)) == "a"
    assert await lease.acquire("b", NOW + timedelta(seconds=41), TERM)  # a stopped renewing
    assert not await lease.acquire("a", NOW + timedelta(seconds=42), TERM)
    assert await lease.holder(NOW + timedelta(seconds=42)) == "b"


async def test_release_hands_over_at_once_and_only_by_the_holder(database: Database) -> None:
    lease = SqlLease(database.sessions, "reminders")
    assert await lease.acquire("a", NOW, TERM)
    assert not await lease.release("b", NOW)
    assert await lease.release("a", NOW)
    assert await lease.holder(NOW) is None
    assert await lease.acquire("b", NOW, TERM)


async def test_leases_of_different_names_are_independent(database: Database) -> None:
    assert await SqlLease(database.sessions, "reminders").acquire("a", NOW, TERM)
    assert await SqlLease(database.sessions, "broadcasts").acquire("b", NOW, TERM)


async def test_racing_first_acquirers_get_one_lease(database: Database) -> None:
    import asyncio

    lease = SqlLease(database.sessions, "reminders")
    results = await asyncio.gather(*(lease.acquire(f"h{i}", NOW, TERM) for i in range(5)))
    assert results.count(True) == 1


async def test_only_the_holder_records_how_far_its_work_got(database: Database) -> None:
    lease = SqlLease(database.sessions, "reminders")
    assert await lease.done_until() is None  # no row yet
    assert await lease.acquire("a", NOW, TERM)
    assert await lease.done_until() is None  # nothing recorded yet
    assert await lease.record("a", NOW + timedelta(hours=6))
    assert not await lease.record("b", NOW + timedelta(hours=9))
    assert await lease.acquire("b", NOW + timedelta(minutes=5), TERM)  # a lapsed
    assert await lease.done_until() == NOW + timedelta(hours=6)  # b carries on from there
    assert not await lease.record("a", NOW + timedelta(hours=7))
    assert await SqlLease(database.sessions, "other").done_until() is None
