"""Updates per second through the Telegram channel, end to end, and the latency it adds.

Everything runs in one process on this machine: the fake Bot API server (tests/telegram_server),
the channel (long polling, the per-chat update order, the limiter, HTML rendering, signed
buttons), the real conversation core on the demo catalogue and SQLite profiles in a temporary
directory. Users are onboarded first, then ask questions in eight languages.

* **throughput**: ``--users`` users each ask ``--rounds`` questions, one at a time (the next
  after the answer), all users at once; updates handled per second from first to last answer.
* **latency**: one user asks ``--samples`` questions one after another; the end-to-end time
  (the fake server queues the update → the answer is recorded by the server) is compared with
  the core alone answering the same questions (``Conversation.on_message``), so the difference
  is what Telegram's transport and the adapter add.

Telegram's own flood limits (30 messages/s overall, 1/s per chat) are lifted in both the fake
server and the limiter, so the numbers show this machine's capacity, not Telegram's policy.

``python -m bench.bench_telegram [--users 100] [--rounds 10] [--samples 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("PTB_TIMEDELTA", "true")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the fake server lives in tests/
    sys.path.insert(0, str(ROOT))

from bot.bootstrap import build_assistant, build_sql_core, demo_catalogue_path  # noqa: E402
from bot.pacing import ChannelLimits  # noqa: E402
from bot.storage.database import Database, database_url  # noqa: E402
from bot.storage.profiles import SqlProfileStore  # noqa: E402
from bot.telegram.callbacks import CallbackCodec  # noqa: E402
from bot.telegram.channel import TelegramChannel, TelegramOptions  # noqa: E402
from catalog.parse import load_catalogue  # noqa: E402
from handlers.core.conversation import Conversation  # noqa: E402
from handlers.core.events import ChatId, IncomingMessage, Profile, UserId  # noqa: E402
from tests.telegram_server.limits import RateLimits  # noqa: E402
from tests.telegram_server.records import SentMessage  # noqa: E402
from tests.telegram_server.server import FakeTelegramServer  # noqa: E402

#: Questions a newcomer might ask (written for the benchmark, not taken from the eval set).
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("en", "Is there a language cafe on Tuesday?"),
    ("fi", "Mitä tapahtuu tällä viikolla?"),
    ("ar", "هل يوجد نشاط للنساء يوم السبت؟"),
    ("so", "Ma jiraa caawimaad casharrada guriga ah?"),
    ("ru", "Есть ли курсы финского языка?"),
    ("uk", "Що відбувається в суботу?"),
    ("fa", "آیا کلاس زبان فنلاندی هست؟"),
    ("sv", "Finns det språkcafé i Kauniainen?"),
)
NETWORKS = ("espoo", "nurmijarvi", "kirkkonummi-kauniainen", "hameenlinna")
UNLIMITED = ChannelLimits.unlimited()
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0–1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Answers:
    """Wakes the user whose answer the fake server just recorded (no polling, no scanning)."""

    def __init__(self, server: FakeTelegramServer) -> None:
        self._waiting: dict[int, asyncio.Future[float]] = {}
        record = server.world.record

        def recorded(item: object) -> None:
            record(item)  # type: ignore[arg-type]
            if isinstance(item, SentMessage):
                future = self._waiting.pop(item.chat_id, None)
                if future is not None and not future.done():
                    future.set_result(time.perf_counter())

        server.world.record = recorded  # type: ignore[method-assign]

    def expect(self, chat: int) -> asyncio.Future[float]:
        """A future that gets the time the next message to ``chat`` was recorded."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat] = future
        return future


async def ask(server: FakeTelegramServer, answers: Answers, user: int, number: int) -> float:
    """One question from ``user``; the seconds until the answer was recorded."""
    language, text = QUESTIONS[number % len(QUESTIONS)]
    answered = answers.expect(user)
    started = time.perf_counter()
    server.user_sends_text(user, text, language_code=language)
    return await asyncio.wait_for(answered, 30) - started


async def core_only(conversation: Conversation, user: int, samples: int) -> list[float]:
    """Seconds the core alone takes per question (same questions, same profile store)."""
    times = []
    for number in range(samples):
        _language, text = QUESTIONS[number % len(QUESTIONS)]
        event = IncomingMessage(UserId(f"telegram:{user}"), ChatId(f"telegram:{user}"), text)
        started = time.perf_counter()
        await conversation.on_message(event)
        times.append(time.perf_counter() - started)
    return times


async def run(users: int, rounds: int, samples: int) -> dict[str, float]:
    """Set everything up, measure, tear down; give the numbers."""
    with tempfile.TemporaryDirectory() as folder:
        assistant = build_assistant(load_catalogue(demo_catalogue_path()))
        database = await Database.open(database_url(Path(folder), None))
        profiles = SqlProfileStore(database.sessions)
        conversation = build_sql_core(
            lambda: assistant, database.sessions, clock=lambda: NOW,
            translator=assistant.translator,
        ).conversation
        everyone = [10_000 + n for n in range(users + 1)]
        for index, user in enumerate(everyone):
            language = QUESTIONS[index % len(QUESTIONS)][0]
            network = NETWORKS[index % len(NETWORKS)]
            await profiles.save(Profile(UserId(f"telegram:{user}"), language, network))
        server = FakeTelegramServer(limits=RateLimits.off())
        await server.start()
        channel = TelegramChannel(
            conversation, server.token, codec=CallbackCodec(secrets.token_bytes(32)),
            api_url=server.url, options=TelegramOptions(limits=UNLIMITED, poll_timeout=10.0),
        )  # fmt: skip
        await channel.start()
        answers = Answers(server)
        try:
            return await measure(server, answers, conversation, everyone, rounds, samples)
        finally:
            await channel.stop()
            await server.stop()
            await database.close()


async def measure(
    server: FakeTelegramServer,
    answers: Answers,
    conversation: Conversation,
    everyone: list[int],
    rounds: int,
    samples: int,
) -> dict[str, float]:
    """The throughput run, then the single-user latency run and the core-only baseline."""
    solo, crowd = everyone[0], everyone[1:]
    for number in range(len(QUESTIONS)):  # warm up caches and connections
        await ask(server, answers, solo, number)

    async def user(user_id: int) -> None:
        for number in range(rounds):
            await ask(server, answers, user_id, user_id + number)

    started = time.perf_counter()
    await asyncio.gather(*(user(u) for u in crowd))
    elapsed = time.perf_counter() - started
    handled = len(crowd) * rounds

    latencies = [await ask(server, answers, solo, n) for n in range(samples)]
    core = await core_only(conversation, solo, samples)
    return {
        "updates": handled,
        "seconds": elapsed,
        "per_second": handled / elapsed,
        "e2e_p50": percentile(latencies, 0.5),
        "e2e_p95": percentile(latencies, 0.95),
        "core_p50": percentile(core, 0.5),
        "core_p95": percentile(core, 0.95),
        "added_mean": statistics.fmean(latencies) - statistics.fmean(core),
        "added_p50": percentile(latencies, 0.5) - percentile(core, 0.5),
    }


def report(numbers: dict[str, float], users: int, rounds: int, samples: int) -> str:
    """The numbers as a few readable lines."""

    def ms(key: str) -> str:
        return f"{numbers[key] * 1000:.1f} ms"

    return "\n".join(
        (
            f"throughput: {numbers['updates']:.0f} updates from {users} users × {rounds} rounds "
            f"in {numbers['seconds']:.2f} s = {numbers['per_second']:.0f} updates/s end to end",
            f"latency, one user, {samples} questions: end to end p50 {ms('e2e_p50')}, "
            f"p95 {ms('e2e_p95')}; core alone p50 {ms('core_p50')}, p95 {ms('core_p95')}",
            f"added by Telegram transport + adapter: p50 {ms('added_p50')}, "
            f"mean {ms('added_mean')} per update",
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    numbers = asyncio.run(run(args.users, args.rounds, args.samples))
    print(report(numbers, args.users, args.rounds, args.samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
