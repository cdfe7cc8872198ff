"""Two ReminderService instances on one database, in real short time: one leads, one takes over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from bot.scheduling import (
    Leadership,
    PlanReport,
    ReminderPlanner,
    ReminderService,
    ScheduleSource,
)
from bot.storage.database import Database, database_url
from bot.storage.lease import SqlLease
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.storage.reminders import SqlSubscriptionStore
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.core.events import ChatId, Reply, UserId
from handlers.core.i18n import Translator
from tests.fakes import FixedClock, RecordingSender, RunningClock

FAST = ChannelLimits.unlimited()
#: The lease lasts long enough that a loaded machine does not lose it between renewals (every
#: tick); the later messages fall due well after the first instance is killed.
LEASE_SECONDS = 2.0
LATE_SECONDS = 3.0


#: A fixed day in the demo catalogue's season, then real time (leases and drainers really wait).
now = RunningClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))


class Mortal(Leadership):
    """Dies without giving the lease back, as after kill -9."""

    async def resign(self) -> None:
        return None


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(database_url(tmp_path, None))
    try:
        yield database
    finally:
        await database.close()


def service(database: Database, demo: Catalogue, name: str, leadership: type[Leadership]):  # type: ignore[no-untyped-def]
    outbox = SqlOutbox(database.sessions)
    source = ScheduleSource(demo, OccurrenceIndex(demo))
    planner = ReminderPlanner(
        SqlSubscriptionStore(database.sessions), outbox, Translator(), lambda: source, now
    )
    sender = RecordingSender(FixedClock(now()))
    drainer = OutboxDrainer(outbox, sender, "telegram", now, limits=FAST, idle_poll=0.05)
    lease = leadership(
        SqlLease(database.sessions, "reminders"),
        now,
        holder=name,
        duration=timedelta(seconds=LEASE_SECONDS),
    )
    return ReminderService(planner, [drainer], lease, tick=timedelta(seconds=0.1)), sender


async def test_one_instance_sends_and_a_standby_takes_over_after_it_dies(
    database: Database, demo: Catalogue
) -> None:
    outbox = SqlOutbox(database.sessions)
    start = now()
    early = [f"early{i}" for i in range(5)]
    late = [f"late{i}" for i in range(5)]
    await outbox.enqueue(
        [
            OutgoingMessage(
                key,
                ChatId(f"telegram:{i}"),
                UserId(f"telegram:{i}"),
                Reply(key, "en"),
                start if key.startswith("early") else start + timedelta(seconds=LATE_SECONDS),
            )
            for i, key in enumerate(early + late)
        ],
        start,
    )
    first, first_sent = service(database, demo, "first", Mortal)
    second, second_sent = service(database, demo, "second", Leadership)
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_task = asyncio.create_task(first.run(first_stop))
    await asyncio.sleep(0.1)
    second_task = asyncio.create_task(second.run(second_stop))
    for _ in range(50):  # until the first has sent what was due (a loaded machine is slow)
        await asyncio.sleep(0.1)
        if len(first_sent.delivered) == len(early):
            break
    assert first.leadership.leading
    assert not second.leadership.leading
    first_task.cancel()  # killed: no orderly release
    await asyncio.gather(first_task, return_exceptions=True)
    for _ in range(150):
        await asyncio.sleep(0.1)
        if len(second_sent.delivered) == len(late):
            break
    second_stop.set()
    await second_task
    assert sorted(k for _, _, k, _ in first_sent.delivered) == sorted(early)
    assert sorted(k for _, _, k, _ in second_sent.delivered) == sorted(late)


async def test_a_new_leader_plans_from_where_the_last_one_recorded(
    database: Database, demo: Catalogue
) -> None:
    lease = SqlLease(database.sessions, "reminders")
    mark = now() + timedelta(hours=1)
    assert await lease.acquire("old", now(), timedelta(seconds=LEASE_SECONDS))
    assert await lease.record("old", mark)
    assert await lease.release("old", now())
    successor, _ = service(database, demo, "new", Leadership)
    assert await successor.leadership.step()
    planner: ReminderPlanner = successor.planner
    starts: list[datetime | None] = []
    plan = planner.plan

    async def watched() -> PlanReport:
        starts.append(planner.planned_until)
        return await plan()

    planner.plan = watched  # type: ignore[method-assign]
    stop = asyncio.Event()
    stop.set()  # plan once, then stop leading
    await successor.lead(stop)
    assert starts == [mark]
    recorded = await lease.done_until()
    assert recorded == successor.planner.planned_until
    assert recorded is not None
    assert recorded > mark
