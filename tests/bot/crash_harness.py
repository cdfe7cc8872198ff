"""The test side of kill -9 on real channels: start and kill drainers, account for deliveries.

The drainer is :mod:`tests.bot.channel_crash_worker` in its own process. A test kills it with
SIGKILL once it has sent part of a burst, several times, then lets a last one run until the
outbox is empty, and compares what the platform shows with what the outbox promises
(:mod:`bot.outbox_drainer`): nothing lost; a message goes out again only if it was in the *window*
(the platform had accepted it, the ``sent`` mark was not committed, so the row was left
``sending``), at most ``concurrency`` rows per kill.

After each kill :func:`kill_mid_burst` records that window exactly: the rows left ``sending``
that the platform had shown during the dead process's life. Telegram cannot deduplicate, so
each of them must arrive once more; Matrix absorbs the repeat (same device, same transaction
id), so each must still arrive once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from bot.scheduling import Leadership, ReminderPlanner, ReminderService, ScheduleSource
from bot.storage.database import Database
from bot.storage.lease import SqlLease
from bot.storage.models import OutboxRow
from bot.storage.outbox import SqlOutbox, State
from bot.storage.reminders import SqlSubscriptionStore
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.core.i18n import Translator
from handlers.core.ports import OutboxSender
from tests.fakes import CRASH_TEST_START, shared_clock

ROOT = Path(__file__).resolve().parents[2]
WORKER = "tests.bot.channel_crash_worker"

Delivered = Callable[[], Awaitable[Counter[str]]]
"""How many times the platform shows each key (read from the platform, not from the outbox)."""


#: The clock of the test and of every worker it starts (handed down in their environment).
now = shared_clock(CRASH_TEST_START)


async def start_worker(
    url: str, channel: str, connection: Mapping[str, object], mode: str
) -> asyncio.subprocess.Process:
    """Start a drainer process (``forever`` or ``until-empty``)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        WORKER,
        url,
        channel,
        json.dumps(connection),
        mode,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **now.environment()},
    )


async def kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL, as the OOM killer or a power cut would; wait until it is gone."""
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


@dataclass(frozen=True)
class Kill:
    """What one SIGKILL left behind."""

    sent_before: int
    """Rows marked ``sent`` when the killed process started."""
    sent_at_kill: int
    """Rows marked ``sent`` when it died."""
    sending: frozenset[str]
    """Rows it left claimed (``sending``): sent again after the claim runs out."""
    window: frozenset[str]
    """Of those, the ones the platform had already shown during its life."""


Progress = Callable[[], Awaitable[int]]
"""A count that rises as a burst goes out (messages the platform shows, or rows sent)."""


async def sent_rows(outbox: SqlOutbox) -> int:
    """How many rows are marked ``sent``."""
    return (await outbox.counts()).get(State.SENT.value, 0)


async def wait_for_progress(
    progress: Progress,
    worker: asyncio.subprocess.Process,
    target: int,
    *,
    poll: float,
    timeout: float,  # noqa: ASYNC109 - a test's waiting budget
) -> None:
    """Wait until ``progress`` reaches ``target``; fail if the worker dies or time runs out."""
    deadline = time.monotonic() + timeout
    while await progress() < target:
        if worker.returncode is not None:
            raise AssertionError(f"the drainer exited with {worker.returncode} mid-burst")
        if time.monotonic() > deadline:
            raise AssertionError(f"progress stayed under {target} for {timeout} s")
        await asyncio.sleep(poll)


async def kill_mid_burst(
    start: Callable[[], Awaitable[asyncio.subprocess.Process]],
    outbox: SqlOutbox,
    delivered: Delivered,
    keys: Sequence[str],
    *,
    kills: int,
    step: int,
    progress: Progress | None = None,
    poll: float = 0.01,
    settle: float = 0.3,
    timeout: float = 30.0,  # noqa: ASYNC109 - a test's waiting budget
) -> list[Kill]:
    """Start a drainer and kill it once ``progress`` rose by ``step``; ``kills`` times.

    ``progress`` defaults to the rows marked ``sent``. Counting what the platform shows
    instead kills right after it accepted a message, when its ``sent`` mark is most likely
    still in flight. ``settle``: after a kill, the platform finishes the requests already on
    the wire before it is read (a homeserver completes a send whose client has gone).
    """
    measure = progress or (lambda: sent_rows(outbox))
    records: list[Kill] = []
    for _ in range(kills):
        before = await delivered()
        sent_before = await sent_rows(outbox)
        target = await measure() + step
        worker = await start()
        try:
            await wait_for_progress(measure, worker, target, poll=poll, timeout=timeout)
        finally:
            await kill(worker)
        await asyncio.sleep(settle)
        after = await delivered()
        states = await outbox.states(keys)
        sending = frozenset(k for k, state in states.items() if state == State.SENDING.value)
        window = frozenset(k for k in sending if after[k] > before[k])
        records.append(Kill(sent_before, await sent_rows(outbox), sending, window))
    return records


async def run_until_empty(
    start: Callable[[], Awaitable[asyncio.subprocess.Process]],
    timeout: float = 60.0,  # noqa: ASYNC109 - a test's waiting budget
) -> None:
    """Run a last drainer until nothing waits in the outbox; it must exit cleanly."""
    worker = await start()
    try:
        code = await asyncio.wait_for(worker.wait(), timeout)
    finally:
        await kill(worker)
    assert code == 0, f"the last drainer exited with {code}"


async def reopen(database: Database, keys: Iterable[str]) -> None:
    """Put ``sent`` rows back as a kill inside the window leaves them.

    That is: the platform has the message, the ``sent`` mark never committed, the row is
    still claimed by a process that is gone and whose claim has run out.
    """
    async with database.sessions.begin() as session:
        await session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.idempotency_key.in_(list(keys)),
                OutboxRow.state == State.SENT.value,
            )
            .values(
                state=State.SENDING.value,
                claimed_by="killed-in-the-window",
                claimed_until=now() - timedelta(seconds=1),
                sent_at=None,
            )
            .execution_options(synchronize_session=False)
        )


async def attempts(database: Database, keys: Iterable[str]) -> dict[str, int]:
    """How many times each row was claimed for sending."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(OutboxRow.idempotency_key, OutboxRow.attempts).where(
                OutboxRow.idempotency_key.in_(list(keys))
            )
        )
        return {key: count for key, count in rows.all()}


def expected_deliveries(keys: Iterable[str], windows: Iterable[Iterable[str]]) -> Counter[str]:
    """Without deduplication: once each, plus once more per window a key was caught in."""
    expected = Counter({key: 1 for key in keys})
    for window in windows:
        expected.update(window)
    return expected


def reminder_service(
    database: Database,
    demo: Catalogue,
    name: str,
    leadership: type[Leadership],
    sender: OutboxSender,
    channel: str,
    limits: ChannelLimits,
) -> ReminderService:
    """One bot instance's reminder service: a short lease, one drainer on a real sender."""
    outbox = SqlOutbox(database.sessions)
    source = ScheduleSource(demo, OccurrenceIndex(demo))
    planner = ReminderPlanner(
        SqlSubscriptionStore(database.sessions), outbox, Translator(), lambda: source, now
    )
    drainer = OutboxDrainer(outbox, sender, channel, now, limits=limits, idle_poll=0.05)
    lease = leadership(
        SqlLease(database.sessions, "reminders"), now, holder=name, duration=timedelta(seconds=0.6)
    )
    return ReminderService(planner, [drainer], lease, tick=timedelta(seconds=0.1))
