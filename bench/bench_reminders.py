"""Reminders at scale: ``python -m bench.bench_reminders [--subscriptions N] [--burst M]``.

Measures, on SQLite in a temporary directory (or on ``--database-url``, a throw-away
PostgreSQL database whose schema is emptied first) with the demo catalogue (or, with
``--activities N``, a generated national one):

- start-up scheduling: the first planning pass over N subscriptions (90 % to single
  activities, 10 % to a kind in the user's network), which writes the next six hours of
  reminders to the outbox, and the peak memory it needs;
- re-planning one activity after a change (what a volunteer's cancellation costs), the
  activity with the most subscribers;
- outbox throughput and lateness: a burst of M reminders all due at once, drained through a
  fake Telegram that answers 429 past the fake Bot API server's own statement of the limits
  (30 messages in any second; a private chat three at once, then one a second). The drainer
  should reach at least 90 % of 30/s, no 429.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.generator import generate_catalogue_model
from bot.bootstrap import demo_catalogue_path
from bot.outbox_drainer import OutboxDrainer
from bot.scheduling import ReminderPlanner, ScheduleSource
from bot.storage.database import Database, database_url
from bot.storage.models import OutboxRow, SubscriptionRow, UserRow
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.storage.reminders import SqlSubscriptionStore
from bot.telegram.limits import telegram_pacer
from catalog.model import ActivityId
from catalog.occurrences import OccurrenceIndex
from catalog.parse import load_catalogue
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.events import ChatId, Reply, UserId
from handlers.core.i18n import Translator
from handlers.core.ports import SendOutcome
from handlers.newcomers.reminder_timing import DEFAULT_LEADS
from tests.telegram_server.limits import FloodControl, RateLimits


class StrictTelegram:
    """A fake Bot API with the fake server's own statement of Telegram's flood limits.

    30 messages in any second, a private chat three at once then one a second
    (:class:`tests.telegram_server.limits.FloodControl`, not the product's constants); a
    message past them gets a 429.
    """

    def __init__(self) -> None:
        self.flood = FloodControl(RateLimits(), time.monotonic)
        self.sent: list[tuple[float, str]] = []
        self.refused = 0

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Accept, or answer 429 when a limit would be broken."""
        await asyncio.sleep(0.02)  # a network round trip
        wait = self.flood.acquire(int(chat.partition(":")[2]), is_private=True)
        if wait is not None:
            self.refused += 1
            return SendOutcome.retry_after(wait)
        self.sent.append((time.monotonic(), idempotency_key))
        return SendOutcome.delivered()


async def seed(
    database: Database, count: int, activity_ids: Sequence[str], networks: Sequence[str]
) -> None:
    rng = random.Random(7)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    codes = ",".join(lead.code for lead in DEFAULT_LEADS)
    users: list[dict[str, Any]] = []
    subscriptions: list[dict[str, Any]] = []
    for number in range(count):
        user = f"telegram:{number}"
        users.append(
            {
                "id": user,
                "language": rng.choice(SUPPORTED_LANGUAGES),
                "network_id": rng.choice(networks),
                "pending": None,
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
        if number % 10:
            target: dict[str, Any] = {
                "activity_id": rng.choice(activity_ids),
                "kind": None,
                "network_id": None,
            }
            name = f"a:{target['activity_id']}"
        else:
            target = {
                "activity_id": None,
                "kind": "language_club",
                "network_id": users[-1]["network_id"],
            }
            name = f"k:{target['network_id']}:language_club"
        subscriptions.append(
            {
                "user_id": user,
                "chat_id": user,
                "target": name,
                "leads": codes,
                "created_at": created,
                **target,
            }
        )
    async with database.sessions.begin() as session:
        for start in range(0, count, 5_000):
            await session.execute(insert(UserRow), users[start : start + 5_000])
            await session.execute(insert(SubscriptionRow), subscriptions[start : start + 5_000])
    if database.engine.dialect.name == "postgresql":
        # What autovacuum does to a live database after such a load: without statistics the
        # planner guesses (a broadcast's count took 1.2 s instead of 0.7 s at 1,000,000).
        async with database.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE users, subscriptions"))


async def empty_database(url: str) -> None:
    """Drop everything in a throw-away PostgreSQL database (the benchmark starts from zero)."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def reusable(url: str, count: int) -> bool:
    """Whether a previous run left exactly ``count`` seeded subscriptions to reuse.

    Seeding 1,000,000 takes minutes; with ``--reuse-seed`` a run keeps them and empties only
    the outbox.
    """
    if not REUSE_SEED:
        return False
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(text("SELECT count(*) FROM subscriptions"))
    except Exception:  # no such table yet: a fresh database
        return False
    finally:
        await engine.dispose()
    return bool(found == count)


REUSE_SEED = False

#: How often the busiest activity is re-planned (its median is reported).
REPLAN_ROUNDS = 5


async def bench_planning(count: int, directory: Path, url: str | None, activities: int) -> None:
    if activities:
        catalogue = generate_catalogue_model(activities, seed=1)
    else:
        catalogue = load_catalogue(demo_catalogue_path())
    zone = ZoneInfo(catalogue.timezone)
    if url is not None and not await reusable(url, count):
        await empty_database(url)
    database = await Database.open(database_url(directory, url))
    dated = [a.id for a in catalogue.activities if not a.is_ongoing]
    started = time.perf_counter()
    if url is not None and await reusable(url, count):
        print("reusing the seeded subscriptions (outbox emptied)")
        async with database.sessions.begin() as session:
            await session.execute(delete(OutboxRow))
    else:
        await seed(database, count, dated, [n.id for n in catalogue.networks])
    print(f"database                    {database.engine.dialect.name}")
    print(f"catalogue                   {len(catalogue.activities):,} activities")
    print(f"seeding                     {time.perf_counter() - started:.1f} s")
    index = OccurrenceIndex(catalogue)
    source = ScheduleSource(catalogue, index)
    now = datetime(2026, 11, 24, 12, 0, tzinfo=zone)  # a Tuesday noon
    outbox = SqlOutbox(database.sessions)
    planner = ReminderPlanner(
        SqlSubscriptionStore(database.sessions), outbox, Translator(), lambda: source, lambda: now
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    report = await planner.plan()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"subscriptions               {count:,}")
    print(
        f"first planning pass         {elapsed:.2f} s ({cpu:.1f} s CPU in this process), "
        f"peak RSS {rss_after / 1024:.0f} MiB (+{(rss_after - rss_before) / 1024:.0f} MiB "
        "while planning)"
    )
    print(f"  rows written              {report.enqueued:,} to send, {report.dropped:,} dropped")
    started = time.perf_counter()
    again = await planner.plan()
    print(
        f"next tick (nothing new)     {time.perf_counter() - started:.2f} s, {again.enqueued} rows"
    )
    for outage in (timedelta(hours=1), timedelta(hours=12)):
        # A restart: a new leader carries on from the end of the last window planned in full.
        later = now + outage
        successor = ReminderPlanner(
            SqlSubscriptionStore(database.sessions),
            outbox,
            Translator(),
            lambda: source,
            lambda at=later: at,
        )
        successor.planned_until = planner.planned_until
        started = time.perf_counter()
        after = await successor.plan()
        print(
            f"restart after {outage.total_seconds() / 3600:>2.0f} h down     "
            f"{time.perf_counter() - started:.2f} s, {after.enqueued:,} to send, "
            f"{after.dropped:,} missed"
        )
    async with database.sessions() as session:
        busiest, followers = (
            await session.execute(
                select(SubscriptionRow.activity_id, func.count())
                .where(SubscriptionRow.activity_id.is_not(None))
                .group_by(SubscriptionRow.activity_id)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).one()
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(REPLAN_ROUNDS):  # the median: one run on a shared machine is noise
        started, cpu = time.perf_counter(), time.process_time()
        again = await planner.replan_activities([ActivityId(str(busiest))])
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    print(
        f"re-plan one activity        {statistics.median(walls):.2f} s median of "
        f"{REPLAN_ROUNDS} ({min(walls):.2f}–{max(walls):.2f} s; "
        f"{statistics.median(cpus):.2f} s CPU; {busiest}: {followers:,} subscribers, "
        f"{again.considered:,} reminders, {again.enqueued:,} written again)"
    )
    async with database.sessions() as session:
        pending = (
            await session.execute(
                select(OutboxRow.activity_id, func.count())
                .where(OutboxRow.state == "pending", OutboxRow.activity_id.is_not(None))
                .group_by(OutboxRow.activity_id)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).first()
    if pending is not None:  # the worst case: every reminder of the activity written again
        started, cpu = time.perf_counter(), time.process_time()
        again = await planner.replan_activities([ActivityId(str(pending[0]))])
        print(
            f"re-plan the most pending    {time.perf_counter() - started:.2f} s "
            f"({time.process_time() - cpu:.2f} s CPU; {pending[0]}: {again.subscribers:,} "
            f"subscribers, {again.enqueued:,} reminders written again)"
        )
    await database.close()


async def bench_outbox(burst: int, directory: Path) -> None:
    database = await Database.open(database_url(directory, None))
    outbox = SqlOutbox(database.sessions)
    due = datetime.now(UTC)
    chats = max(1, burst // 3)  # several reminders to the same chat, as with kind subscribers
    await outbox.enqueue(
        [
            OutgoingMessage(
                f"k{i}",
                ChatId(f"telegram:{1 + i % chats}"),
                UserId(f"telegram:{1 + i % chats}"),
                Reply("Reminder", "en"),
                due,
            )
            for i in range(burst)
        ],
        due,
    )
    platform = StrictTelegram()
    drainer = OutboxDrainer(
        outbox, platform, "telegram", lambda: datetime.now(UTC), pacer=telegram_pacer()
    )
    started = time.monotonic()
    while len(platform.sent) < burst:
        if not await drainer.drain_once():
            await asyncio.sleep(0.01)
    elapsed = platform.sent[-1][0] - started
    lateness = [moment - started for moment, _ in platform.sent]
    rate = burst / elapsed
    print(f"outbox burst                {burst} messages to {chats} chats in {elapsed:.1f} s")
    print(
        f"  throughput                {rate:.1f} msg/s ({rate / 30:.0%} of 30/s), "
        f"429s: {platform.refused}"
    )
    print(
        f"  lateness                  p50 {statistics.median(lateness):.1f} s, "
        f"p99 {statistics.quantiles(lateness, n=100)[98]:.1f} s, max {max(lateness):.1f} s"
    )
    await database.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=900)
    parser.add_argument("--activities", type=int, default=0, help="0: the demo catalogue")
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database")
    parser.add_argument("--reuse-seed", action="store_true", help="keep N seeded rows")
    arguments = parser.parse_args()
    global REUSE_SEED
    REUSE_SEED = arguments.reuse_seed
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        await bench_planning(
            arguments.subscriptions, Path(first), arguments.database_url, arguments.activities
        )
        if arguments.burst:
            await bench_outbox(arguments.burst, Path(second))


if __name__ == "__main__":
    asyncio.run(main())
