"""The bot under measurement in the flood benchmark, in a process of its own.

:mod:`bench.bench_flood` runs the fake Telegram server or Synapse and the people who write
to the bot; this module runs only the bot (a channel, the real conversation core on the demo
catalogue, SQLite profiles), so that the memory measured is the bot's alone and not the
flood's copy kept by the simulated platform and its clients.

It talks to the driver in lines of JSON: it prints ``{"ready": true}`` once the channel is
up, then reads commands from standard input:

* ``begin``: note the resident memory and sample it every 20 ms (the flood starts now);
  ``begin-traced`` also traces Python's allocations (tracemalloc slows allocating code
  several times over, so latencies are measured without it);
* ``end``: wait until no chat has anything queued, then print the memory, the processor time
  and the intake's counters (the flood is over); ``end-now`` prints them at once, with the
  number of entries still waiting (what the Python allocations still held are held for);
* ``quit`` (or end of input): stop the channel and exit.

``python -m bench.flood_bot telegram DATA_DIR API_URL TOKEN USER...`` or
``python -m bench.flood_bot matrix DATA_DIR HOMESERVER BOT_ID PASSWORD USER...``
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import secrets
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.bootstrap import build_assistant, build_sql_core, demo_catalogue_path
from bot.intake import FairIntake
from bot.matrix.channel import MatrixChannel, MatrixConfig
from bot.matrix.limits import MATRIX_LIMITS
from bot.matrix.login import Account
from bot.storage.database import Database, database_url
from bot.storage.profiles import SqlProfileStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramChannel, TelegramOptions
from catalog.parse import load_catalogue
from handlers.core.conversation import Conversation
from handlers.core.events import Profile, UserId

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
#: The Matrix bot is exempt from the homeserver's ``rc_message`` (as in the flood test), so
#: it may send 30 messages a second; a room still gets two a second after a burst of three.
MATRIX_EXEMPT = replace(MATRIX_LIMITS, overall=60, overall_window=2.0)
SAMPLE_SECONDS = 0.02


class Running(Protocol):
    """What the driver needs of a started channel."""

    intake: FairIntake

    async def stop(self) -> None:
        """Stop the channel."""


def rss_bytes() -> int:
    """The resident set size of this process (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Memory:
    """What the flood cost in memory, in bytes."""

    rss_before: int = 0
    rss_after: int = 0
    rss_peak: int = 0
    traced_peak: int = 0
    traced_after: int = 0
    cpu_ms: int = 0
    """Processor time the bot spent from the start of the flood to its end."""


class Sampler:
    """Resident memory sampled while the flood runs, and Python's allocations by tracemalloc."""

    def __init__(self) -> None:
        self.memory = Memory()
        self._task: asyncio.Task[None] | None = None
        self._cpu = 0.0

    def begin(self, traced: bool) -> None:
        """The flood starts: note where memory stands and start watching it."""
        gc.collect()
        self.memory = Memory(rss_before=rss_bytes(), rss_peak=rss_bytes())
        self._cpu = time.process_time()
        if traced:
            tracemalloc.start()
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self.memory.rss_peak = max(self.memory.rss_peak, rss_bytes())
            await asyncio.sleep(SAMPLE_SECONDS)

    async def end(self) -> Memory:
        """The flood is over: what it cost."""
        if self._task is not None:
            self._task.cancel()
        self.memory.cpu_ms = round((time.process_time() - self._cpu) * 1000)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()  # (0, 0) when not tracing
        tracemalloc.stop()
        self.memory.traced_peak, self.memory.traced_after = peak, current
        self.memory.rss_after = rss_bytes()
        self.memory.rss_peak = max(self.memory.rss_peak, self.memory.rss_after)
        return self.memory


async def conversation_over(database: Database, users: Sequence[str]) -> Conversation:
    """The real core on the demo catalogue; every user already onboarded (English, Espoo)."""
    assistant = build_assistant(load_catalogue(demo_catalogue_path()))
    profiles = SqlProfileStore(database.sessions)
    for user in users:
        await profiles.save(Profile(UserId(user), language="en", network="espoo"))
    return build_sql_core(
        lambda: assistant, database.sessions, clock=lambda: MONDAY,
        translator=assistant.translator,
    ).conversation  # fmt: skip


async def start_telegram(args: Sequence[str], database: Database) -> Running:
    """The Telegram channel at Telegram's real limits (its defaults), polling ``api_url``."""
    api_url, token, *users = args
    conversation = await conversation_over(database, [f"telegram:{user}" for user in users])
    channel = TelegramChannel(
        conversation, token, codec=CallbackCodec(secrets.token_bytes(32)), api_url=api_url,
        options=TelegramOptions(poll_timeout=1.0, stop_grace=1.0),
    )  # fmt: skip
    await channel.start()
    return channel


async def start_matrix(args: Sequence[str], database: Database, data_dir: Path) -> Running:
    """The Matrix channel as the flood test runs it: exempt from ``rc_message``."""
    homeserver, bot_id, password, *users = args
    conversation = await conversation_over(database, [f"matrix:{user}" for user in users])
    config = MatrixConfig(
        account=Account(homeserver, bot_id, password=password),
        data_dir=data_dir / "matrix",
        sync_timeout_ms=1_000,
        limits=MATRIX_EXEMPT,
        stop_grace=1.0,
    )
    channel = MatrixChannel(config, conversation)
    await channel.start()
    return channel


def say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def since(before: dict[str, int], now: dict[str, int]) -> dict[str, int]:
    """The intake's counters since ``before`` (its longest queue as it is: a maximum)."""
    return {key: value if key == "longest_queue" else value - before[key]
            for key, value in now.items()}  # fmt: skip


async def idle(intake: FairIntake, seconds: float) -> bool:
    """Wait until no chat has anything running or queued."""
    deadline = time.monotonic() + seconds
    while intake.chats_in_progress:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def serve(kind: str, data_dir: Path, args: Sequence[str]) -> None:
    """Start the channel, then follow the driver's commands until it says quit."""
    database = await Database.open(database_url(data_dir, None))
    channel = (
        await start_telegram(args, database)
        if kind == "telegram"
        else await start_matrix(args, database, data_dir)
    )
    sampler = Sampler()
    counted = asdict(channel.intake.stats)
    say({"ready": True})
    try:
        while command := (await asyncio.to_thread(sys.stdin.readline)).strip():
            if command in ("begin", "begin-traced"):
                counted = asdict(channel.intake.stats)
                sampler.begin(traced=command == "begin-traced")
                say({"begun": True})
            elif command in ("end", "end-now"):
                drained = command == "end-now" or await idle(channel.intake, 120.0)
                memory = await sampler.end()
                say({"drained": drained, "memory": asdict(memory),
                     "intake": since(counted, asdict(channel.intake.stats)),
                     "waiting": channel.intake.waiting})  # fmt: skip
            elif command == "quit":
                break
    finally:
        await channel.stop()
        await database.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot until the driver says quit (arguments as in the module's docstring)."""
    kind, data_dir, *args = sys.argv[1:] if argv is None else argv
    if kind not in ("telegram", "matrix"):
        raise SystemExit("usage: python -m bench.flood_bot telegram|matrix DATA_DIR ...")
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(kind, Path(data_dir), args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
