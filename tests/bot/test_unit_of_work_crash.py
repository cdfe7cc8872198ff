"""kill -9 while volunteers change sessions: each change is stored with all its notices, or not.

The worker (:mod:`tests.bot.unit_of_work_crash_worker`) cancels and moves sessions of an
activity with 300 subscribers, each change through the real confirming step. It is killed
with SIGKILL at random moments, restarted, killed again; after every kill, and at the end:

- every stored change has a queued notice for each of its subscribers, and its volunteer's
  dialogue is over;
- every queued notice belongs to a stored change (no notice of a change that did not happen);
- a volunteer whose change is not stored still has their dialogue (they can confirm again).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.models import OutboxRow
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from handlers.core.events import ChatId, Profile, UserId
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.notices import notice_key
from tests.bot.storage.catalogues import full_catalogue
from tests.bot.unit_of_work_crash_worker import ACTIVITY, CHANGES, NOW, sessions, volunteer

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 300
KILLS = 8
LANGUAGES = ("fi", "ar", "uk", "fa", "en", "sv")


def start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bot.unit_of_work_crash_worker", url, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def seed(database: Database) -> list[UserId]:
    await CatalogStore(database.sessions).apply(full_catalogue())
    subscriptions = SqlSubscriptionStore(database.sessions)
    profiles = SqlProfileStore(database.sessions)
    users = [UserId(f"telegram:{1000 + n}") for n in range(SUBSCRIBERS)]
    for number, user in enumerate(users):
        await profiles.save(Profile(user, LANGUAGES[number % len(LANGUAGES)], "nurmijarvi"))
        chat, since = ChatId(str(user)), NOW - timedelta(days=1)
        if number % 10 == 0:  # some follow the kind in the network instead
            await subscriptions.add(
                Subscription(user, chat, since, kind="language_club", network="nurmijarvi")
            )
        else:
            await subscriptions.add(Subscription(user, chat, since, activity=ACTIVITY))
    return users


async def check(database: Database, users: list[UserId]) -> int:
    """Assert the invariant; returns how many changes are stored."""
    changes = await CatalogStore(database.sessions).occurrence_changes()
    async with database.sessions() as session:
        queued = set((await session.scalars(select(OutboxRow.idempotency_key))).all())
    wanted: set[str] = set()
    for change in changes:
        keys = {notice_key(user, change) for user in users}
        assert keys <= queued, f"{len(keys - queued)} notices of a stored change are missing"
        wanted |= keys
    assert queued == wanted, f"{len(queued - wanted)} notices of changes never stored"
    changed = {change.original_start for change in changes}
    dialogues = SqlDialogueStore(database.sessions)
    for number, occurrence in enumerate(sessions(full_catalogue())):
        dialogue = await dialogues.get(volunteer(number))
        if occurrence.original_start in changed:
            assert dialogue is None, "a stored change left its dialogue open"
    return len(changes)


async def test_kill_9_leaves_each_change_with_all_its_notices_or_neither(tmp_path: Path) -> None:
    url = database_url(tmp_path, None)
    database = await Database.open(url)
    users = await seed(database)
    log = tmp_path / "worker.log"
    log.touch()
    chance = random.Random(17)
    caught_inside = 0
    stored = 0
    try:
        for _ in range(KILLS):
            worker = start_worker(url, log)
            lines = len(log.read_text().splitlines())
            # Wait until it is changing sessions, then kill it somewhere in the next change.
            for _ in range(3000):
                if len(log.read_text().splitlines()) > lines or worker.poll() is not None:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(chance.uniform(0.0, 0.25))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            last = log.read_text().splitlines()[-1]
            caught_inside += last.startswith("begin")
            stored = await check(database, users)
        worker = start_worker(url, log)
        assert worker.wait(timeout=120) == 0
        assert await check(database, users) == CHANGES
    finally:
        await database.close()
    # The kills must have hit the window the unit of work exists for, not only the gaps.
    print(
        f"kills inside a unit: {caught_inside} of {KILLS}; changes stored before the end: {stored}"
    )
    assert caught_inside >= KILLS // 2, (caught_inside, stored)
