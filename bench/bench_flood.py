"""One user flooding the bot: how long everyone else waits, and what it costs in memory.

Issue 12's scenario end to end, on both channels. One user sends a flood of questions as
fast as he can while 20 others each ask one question; measured are the others' answer
latencies (target: p99 ≤ 2 s), how many replies the flooder got, what the fair intake did
(:mod:`bot.intake`: questions coalesced, entries refused, the longest queue of a chat) and
the bot's memory.

* **Telegram**: the fake Bot API server (tests/telegram_server) with Telegram's real limits
  (30 messages a second overall, one a second per private chat after a burst of three), the
  channel at its defaults (the same limits on its side). The flood is queued at the server at
  once, 0.5 s later the 20 others ask together; latency is from the question entering the
  server to the server recording the answer. A cost curve runs floods of 0, 2,000 and 10,000
  questions, and 10,000 commands (never coalesced: they fill the chat's queue to its cap).
* **Matrix**: a local Synapse; the flood is sent in concurrent batches of 25, the 20 others
  ask one every 0.1 s from 1 s into it; latency is from the homeserver's timestamps of the
  question and the answer. The bot is exempt from ``rc_message`` (as in the flood test).

The bot runs in a process of its own (:mod:`bench.flood_bot`), so its memory is its own and
not the flood's copy the simulated platform keeps: resident memory before and after the
flood and its peak (sampled every 20 ms), the processor time the bot spent, and, in one
extra run per flood, the peak of Python allocations during the flood (tracemalloc, started
when the flood starts; it slows allocating code down, so latencies come from the other runs).

``python -m bench.bench_flood [--quick] [--trials N] [--skip-matrix]``; Matrix is also
skipped when ``TARJOTIN_SKIP_SYNAPSE=1``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the fake servers live in tests/
    sys.path.insert(0, str(ROOT))

from bench.bench_telegram import Answers, percentile  # noqa: E402
from tests.bot.matrix.people import Person  # noqa: E402
from tests.matrix_server.synapse import SynapseServer, ensure_installed  # noqa: E402
from tests.telegram_server.server import FakeTelegramServer  # noqa: E402

TARGET_P99 = 2.0
OTHERS = 20
FLOODER = 7000
OTHER_IDS = tuple(range(7101, 7101 + OTHERS))
FLOOD_TEXT = "what is on this week?"
LAST_TEXT = "is there football?"
QUESTION = "is there a language cafe?"
COMMAND = "/help"
MATRIX_BATCH = 25
MIB = 1024 * 1024


@dataclass(frozen=True)
class Flood:
    """What the flooder sends: ``size`` questions (the last one different), or commands."""

    size: int
    commands: bool = False

    @property
    def label(self) -> str:
        """How the flood is named in the table."""
        kind = "commands" if self.commands else "questions"
        return f"{self.size:,} {kind}" if self.size else "no flood"


@dataclass
class Outcome:
    """One run: the others' waits and what the bot reported."""

    flood: Flood
    waits: list[float]
    flooder_replies: int
    drain_seconds: float | None
    intake: dict[str, int] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)
    drained: bool = True
    waiting: int = 0
    """Entries still queued when the bot reported (floods not waited out)."""


class BotProcess:
    """The bot (``bench.flood_bot``) in a child process, driven by one-line commands."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @classmethod
    async def start(cls, kind: str, data_dir: Path, args: Sequence[object]) -> BotProcess:
        """Start the bot and wait until it says it is ready."""
        data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (set-up, before timing)
        log = data_dir.parent / f"{data_dir.name}-bot.log"
        with log.open("wb") as errors:  # the bot's own log (errors only), read on failure
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.flood_bot", kind, str(data_dir), *map(str, args),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=errors,
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
        bot = cls(process, log)
        await bot.answer(180.0)
        return bot

    async def answer(self, seconds: float) -> dict[str, Any]:
        """The child's next JSON line (other lines a library may print are skipped)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + seconds
        while True:
            line = await asyncio.wait_for(
                self.process.stdout.readline(), max(0.1, deadline - time.monotonic())
            )
            if not line:
                tail = self.log.read_text("utf8", "replace").splitlines()[-30:]
                raise RuntimeError("the bot process ended early:\n" + "\n".join(tail))
            if line.startswith(b"{"):
                message: dict[str, Any] = json.loads(line)
                return message

    async def command(self, word: str, seconds: float = 180.0) -> dict[str, Any]:
        """Send one command; give the bot's answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{word}\n".encode())
        await self.process.stdin.drain()
        return await self.answer(seconds)

    async def quit(self) -> None:
        """Let the bot stop its channel and exit (killed if it does not within 30 s)."""
        if self.process.returncode is None and self.process.stdin is not None:
            self.process.stdin.write(b"quit\n")
            await self.process.stdin.drain()
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 30.0)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# --- Telegram ---------------------------------------------------------------------------


async def telegram_answered_after(
    server: FakeTelegramServer, answers: Answers, user: int, text: str
) -> float:
    answered = answers.expect(user)
    started = time.perf_counter()
    server.user_sends_text(user, text)
    return await asyncio.wait_for(answered, 120.0) - started


def flooder_heard(server: FakeTelegramServer, skip: int, text: str) -> bool:
    return any(text in (m.plain_text or "").lower() for m in server.sent_messages(FLOODER)[skip:])


async def telegram_run(flood: Flood, workdir: Path, *, traced: bool) -> Outcome:
    """One Telegram run: a fresh fake server and a fresh bot process."""
    server = FakeTelegramServer()  # Telegram's real limits
    await server.start()
    answers = Answers(server)
    bot = await BotProcess.start(
        "telegram", workdir / "bot", [server.url, server.token, FLOODER, *OTHER_IDS]
    )
    try:
        for _ in range(3):  # warm-up: first answers fill caches
            await telegram_answered_after(server, answers, FLOODER, QUESTION)
        await asyncio.sleep(3.0)  # the chat's sending allowance refills
        before = len(server.sent_messages(FLOODER))
        await bot.command("begin-traced" if traced else "begin")
        started = time.perf_counter()
        text = COMMAND if flood.commands else FLOOD_TEXT
        for number in range(flood.size):
            last = number == flood.size - 1 and not flood.commands
            server.user_sends_text(FLOODER, LAST_TEXT if last else text)
        await asyncio.sleep(0.5)  # the flood is in: the bot is busy with it
        waits = await asyncio.gather(
            *(telegram_answered_after(server, answers, user, QUESTION) for user in OTHER_IDS)
        )
        drain = None
        if flood.size and not flood.commands:
            await server.wait_for(lambda: flooder_heard(server, before, "football"),
                                  timeout=300.0, what="the flood's last answer")  # fmt: skip
            drain = time.perf_counter() - started
        report = await bot.command("end-now" if flood.commands else "end")
        replies = len(server.sent_messages(FLOODER)) - before
        return Outcome(flood, list(waits), replies, drain, report["intake"], report["memory"],
                       report["drained"], report["waiting"])  # fmt: skip
    finally:
        await bot.quit()
        await server.stop()


# --- Matrix -----------------------------------------------------------------------------


async def matrix_answered_after(someone: Person, room: str, bot: str, delay: float) -> float:
    """Seconds from the question to the answer, as the homeserver stamped them."""
    await asyncio.sleep(delay)
    asked = await someone.say(room, QUESTION)
    (answer,) = await someone.answers(room, bot, seconds=120.0)
    [question] = [e for e in someone.messages[room] if e.event_id == asked]
    return float(answer.server_timestamp - question.server_timestamp) / 1000


async def matrix_run(synapse: SynapseServer, size: int, workdir: Path, run: int) -> Outcome:
    """One Matrix run: fresh accounts (named after ``run``) and a fresh bot process."""
    people: list[Person] = []
    bot: BotProcess | None = None
    try:
        password = secrets.token_hex(12)
        bot_user = synapse.register(f"tarjotin-{run}", password)
        synapse.remove_rate_limits(bot_user.user_id)
        users = []
        for name in [f"flooder-{run}", *(f"other-{run}-{n}" for n in range(OTHERS))]:
            users.append(synapse.register(name, secrets.token_hex(12)))
            synapse.remove_rate_limits(users[-1].user_id)
        bot = await BotProcess.start(
            "matrix", workdir / "bot",
            [synapse.base_url, bot_user.user_id, password, *(u.user_id for u in users)],
        )  # fmt: skip
        rooms = []
        for user in users:
            someone = await Person.log_in(synapse, user)
            people.append(someone)
            room = await someone.create_room([bot_user.user_id], encrypted=False)
            await someone.answers(room, bot_user.user_id, seconds=60.0)  # the greeting
            rooms.append(room)
        flooder, flood_room = people[0], rooms[0]
        await flooder.say(flood_room, QUESTION)  # warm-up
        await flooder.answers(flood_room, bot_user.user_id, seconds=60.0)
        before = len(flooder.from_user(flood_room, bot_user.user_id))
        await bot.command("begin")
        started = time.perf_counter()

        batches: list[float] = []  # how long Synapse took to accept each batch of the flood

        async def flood() -> float:
            if not size:
                return 0.0
            for sent in range(0, size - 1, MATRIX_BATCH):
                batch = min(MATRIX_BATCH, size - 1 - sent)
                began = time.perf_counter()
                await asyncio.gather(*(flooder.say(flood_room, FLOOD_TEXT) for _ in range(batch)))
                batches.append(time.perf_counter() - began)
            await flooder.say(flood_room, LAST_TEXT)
            return time.perf_counter() - started

        flooding = asyncio.create_task(flood())
        await asyncio.sleep(1.0)  # the flood is coming in
        waits = await asyncio.gather(
            *(
                matrix_answered_after(someone, room, bot_user.user_id, 0.1 * number)
                for number, (someone, room) in enumerate(zip(people[1:], rooms[1:], strict=True))
            )
        )
        sent_seconds = await flooding

        def heard_last(_response: object) -> bool:
            said = flooder.from_user(flood_room, bot_user.user_id)[before:]
            return any("football" in str(event.body).lower() for event in said)

        drain = None
        if size:
            await flooder.sync_until(heard_last, seconds=300.0)
            drain = time.perf_counter() - started
        report = await bot.command("end")
        replies = len(flooder.from_user(flood_room, bot_user.user_id)) - before
        outcome = Outcome(Flood(size), list(waits), replies, drain, report["intake"],
                          report["memory"], report["drained"])  # fmt: skip
        outcome.memory["flood_sent_seconds"] = round(sent_seconds * 1000)
        outcome.memory["batch_ms"] = round(1000 * statistics.median(batches)) if batches else 0
        return outcome
    finally:
        for someone in people:
            await someone.close()
        if bot is not None:
            await bot.quit()


# --- report -----------------------------------------------------------------------------


def pooled(light: Sequence[Outcome], traced: Outcome | None) -> Outcome:
    """Trials of one flood together: waits pooled, counts and memory at their worst.

    Latency, resident memory and processor time come from the runs without tracemalloc
    (it slows the bot down); the Python allocations from the traced run.
    """
    first = light[0]
    waits = [wait for outcome in light for wait in outcome.waits]
    drains = [o.drain_seconds for o in light if o.drain_seconds is not None]
    intake = {key: max(o.intake[key] for o in light) for key in first.intake}
    memory = {key: max(o.memory[key] for o in light) for key in first.memory}
    waiting = min(o.waiting for o in light)
    if traced is not None:
        memory["traced_peak"] = traced.memory["traced_peak"]
        memory["traced_after"] = traced.memory["traced_after"]
        waiting = traced.waiting
    replies = max(o.flooder_replies for o in light)
    return Outcome(first.flood, waits, replies, max(drains) if drains else None, intake,
                   memory, all(o.drained for o in light), waiting)  # fmt: skip


def row(outcome: Outcome) -> str:
    """One line of the table: flood, the others' waits, the flooder, the intake, memory."""
    waits = outcome.waits
    latency = " / ".join(f"{percentile(waits, share):.2f}" for share in (0.5, 0.95, 0.99))
    memory, intake = outcome.memory, outcome.intake
    drain = f"{outcome.drain_seconds:.1f} s" if outcome.drain_seconds is not None else "–"
    traced = f"{memory['traced_peak'] / MIB:.1f} MiB" if memory["traced_peak"] else "–"
    return (
        f"| {outcome.flood.label} | {len(waits)} | {latency} / {max(waits):.2f} s "
        f"| {outcome.flooder_replies} | {drain} | {intake['coalesced']:,} / {intake['refused']:,} "
        f"/ {intake['longest_queue']} | {memory['rss_before'] / MIB:.0f} → "
        f"{memory['rss_after'] / MIB:.0f} MiB (peak {memory['rss_peak'] / MIB:.0f}) "
        f"| {traced} | {memory['cpu_ms'] / 1000:.1f} s |"
    )


def held(outcome: Outcome) -> str:
    """What a chat's full queue holds in memory: Python allocations still alive over entries."""
    each = outcome.memory["traced_after"] / max(1, outcome.waiting)
    return (
        f"{outcome.flood.label}: {outcome.waiting} updates still waiting when measured held "
        f"{outcome.memory['traced_after'] / MIB:.2f} MiB of Python allocations made during the "
        f"flood (≤ {each / 1024:.1f} KiB per waiting update)"
    )


HEADER = (
    "| flood | others' answers | p50 / p95 / p99 / max | flooder's replies | last answer after "
    "| coalesced / refused / longest queue | resident memory before → after | "
    "Python peak in flood | bot's CPU time |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


async def run_telegram(floods: Sequence[Flood], trials: int, out: Any) -> list[Outcome]:
    outcomes = []
    out(f"Telegram, fake Bot API at Telegram's real limits, {OTHERS} others, {trials} trial(s) "
        "and one with tracemalloc")  # fmt: skip
    out(HEADER)
    for flood in floods:
        runs = []
        for trial in range(trials + 1):  # the last one traces Python's allocations
            with tempfile.TemporaryDirectory(prefix="tarjotin-flood-") as folder:
                runs.append(await telegram_run(flood, Path(folder), traced=trial == trials))
        outcomes.append(pooled(runs[:-1], runs[-1]))
        out(row(outcomes[-1]))
    for outcome in outcomes:
        if outcome.flood.commands:
            out(held(outcome))
    return outcomes


async def run_matrix(sizes: Sequence[int], out: Any) -> list[Outcome]:
    out(f"\nMatrix, local Synapse, bot exempt from rc_message, {OTHERS} others")
    out(HEADER)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="tarjotin-flood-matrix-") as folder:
        synapse = SynapseServer(ensure_installed(), Path(folder) / "synapse")
        synapse.start()
        try:
            for run, size in enumerate(sizes):
                outcomes.append(await matrix_run(synapse, size, Path(folder) / f"run{run}", run))
                out(row(outcomes[-1]))
        finally:
            synapse.stop()
    for outcome in outcomes:
        if outcome.flood.size:
            seconds = outcome.memory["flood_sent_seconds"] / 1000
            batch = outcome.memory["batch_ms"] / 1000
            out(f"({outcome.flood.label}: sent in {seconds:.1f} s; Synapse took {batch:.2f} s "
                f"(median) to accept each batch of {MATRIX_BATCH})")  # fmt: skip
    return outcomes


def verdict(outcomes: Sequence[Outcome], out: Any) -> int:
    """1 when the others' p99 misses the target or a queue did not drain."""
    failed = 0
    for outcome in outcomes:
        p99 = percentile(outcome.waits, 0.99)
        if p99 > TARGET_P99 or not outcome.drained:
            failed = 1
            out(f"over budget: {outcome.flood.label}: others' p99 {p99:.2f} s "
                f"(target ≤ {TARGET_P99:.0f} s), drained: {outcome.drained}")  # fmt: skip
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the Telegram cost curve, then the Matrix flood; print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller floods, one trial")
    parser.add_argument(
        "--trials", type=int, default=None, help="Telegram runs per flood (and one traced)"
    )
    parser.add_argument("--skip-matrix", action="store_true")
    parser.add_argument("--skip-telegram", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        floods = [Flood(0), Flood(300), Flood(1_000), Flood(1_000, commands=True)]
        matrix_sizes, trials = [0, 300], args.trials or 1
    else:
        floods = [Flood(0), Flood(2_000), Flood(10_000), Flood(10_000, commands=True)]
        matrix_sizes, trials = [0, 2_000], args.trials or 2
    skip_matrix = args.skip_matrix or os.environ.get("TARJOTIN_SKIP_SYNAPSE") == "1"
    outcomes: list[Outcome] = []
    if not args.skip_telegram:
        outcomes += asyncio.run(run_telegram(floods, trials, print))
    if not skip_matrix:
        outcomes += asyncio.run(run_matrix(matrix_sizes, print))
    return verdict(outcomes, print)


if __name__ == "__main__":
    raise SystemExit(main())
