"""kill -9 during a burst of reminders, then restarts: nothing lost, duplicates only in the window.

The window (see :mod:`bot.outbox_drainer`): a message the platform accepted whose ``sent`` mark was
not
yet committed. Each key delivered twice must have been ``sending`` when a kill happened, and at
most ``concurrency`` keys are in flight at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.storage.database import Database, database_url
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Reply, UserId
from tests.fakes import CRASH_TEST_START, shared_clock

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 600
KILLS = 3
CONCURRENCY = 4
#: The test's clock, shared with the drainer processes it starts.
CLOCK = shared_clock(CRASH_TEST_START)


def start_worker(url: str, log: Path, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bot.outbox_crash_worker", url, str(log), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **CLOCK.environment()},
    )


async def sending_keys(outbox: SqlOutbox, keys: list[str]) -> set[str]:
    return {key for key, state in (await outbox.states(keys)).items() if state == "sending"}


async def test_kill_9_mid_burst_loses_nothing_and_duplicates_only_in_flight(tmp_path: Path) -> None:
    url = database_url(tmp_path, None)
    database = await Database.open(url)
    outbox = SqlOutbox(database.sessions)
    now = CLOCK()
    keys = [f"reminder:telegram:{i}:club:2027-03-28T17:00:before-120m" for i in range(MESSAGES)]
    await outbox.enqueue(
        [
            OutgoingMessage(
                k, ChatId(f"telegram:{i}"), UserId(f"telegram:{i}"), Reply(k, "en"), now
            )
            for i, k in enumerate(keys)
        ],
        now,
    )
    log = tmp_path / "delivered.log"
    log.touch()
    in_flight_at_kills: set[str] = set()
    kills = 0
    for _ in range(KILLS):
        worker = start_worker(url, log, "forever")
        before = len(log.read_text().splitlines())
        for _ in range(400):  # kill once it is well into the burst
            await asyncio.sleep(0.02)
            if len(log.read_text().splitlines()) >= before + MESSAGES // (KILLS + 2):
                break
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        in_flight_at_kills |= await sending_keys(outbox, keys)
    before_restart = set(log.read_text().splitlines())
    assert 0 < len(before_restart) < MESSAGES  # the kills really hit the middle of the burst
    final = start_worker(url, log, "until-empty")
    assert final.wait(timeout=120) == 0
    delivered = Counter(log.read_text().splitlines())
    await database.close()
    assert set(delivered) == set(keys)  # nothing lost
    twice = {key for key, count in delivered.items() if count > 1}
    # A key caught in flight at two kills in a row is sent once more per kill.
    assert all(count <= 1 + kills for count in delivered.values())
    assert twice <= in_flight_at_kills
    assert len(twice) <= kills * CONCURRENCY
    assert kills == KILLS
    print(
        f"kills {kills}, delivered before restart {len(before_restart)}, "
        f"in flight at kills {len(in_flight_at_kills)}, sent twice {len(twice)}"
    )
