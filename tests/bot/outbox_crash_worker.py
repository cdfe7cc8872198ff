"""A drainer in its own process, for the kill -9 test: ``python -m tests.bot.outbox_crash_worker``.

Arguments: the database URL, the delivery log, and ``forever`` or ``until-empty``. The fake
platform appends each delivered key to the log and fsyncs it before answering, as a real
platform would have shown the message before the bot learns it was accepted.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from bot.storage.database import Database
from bot.storage.outbox import SqlOutbox
from handlers.core.events import ChatId, Reply
from handlers.core.ports import SendOutcome
from tests.fakes import CRASH_TEST_START, shared_clock

HOLD = timedelta(seconds=1)


class FileSender:
    """Delivers by appending the key to a file (fsynced), after a short network delay."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        await asyncio.sleep(0.002)
        _append(self.path, idempotency_key)
        return SendOutcome.delivered()


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


#: The test's own clock, handed down by test_outbox_crash.start_worker.
now = shared_clock(CRASH_TEST_START)


async def main(url: str, log: str, mode: str) -> None:
    database = await Database.open(url, migrate=False)
    outbox = SqlOutbox(database.sessions)
    limits = ChannelLimits(overall=200, overall_window=0.1, concurrency=4)
    drainer = OutboxDrainer(outbox, FileSender(log), "telegram", now, limits=limits, hold=HOLD)
    try:
        while True:
            await outbox.recover(now())
            if await drainer.drain_once():
                continue
            counts = await outbox.counts()
            if mode == "until-empty" and not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.05)
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
