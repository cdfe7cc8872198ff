"""How much time the Matrix bot adds on top of the homeserver round trip.

Run ``python -m bench.bench_matrix [--rounds N]``. A local Synapse is started (the test
harness in ``tests/matrix_server``), and a human-like nio client asks questions in a direct
room, timing each from sending the question to receiving the answer, against:

* **echo**: a minimal nio client that answers every message at once with a notice (the
  homeserver round trip plus two syncs: the floor any bot pays);
* **tarjotin**: the real :class:`bot.matrix.channel.MatrixChannel` over the demo catalogue,
  with the real understanding and a SQLite profile store.

Both run in a plain and in an encrypted room. The difference of the medians is the bot's own
processing; the core's share of it (understanding, matching, wording) is timed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomMessageText,
    SyncResponse,
)

from bot.bootstrap import build_assistant, build_sql_core, demo_catalogue_path
from bot.matrix.channel import MatrixChannel, MatrixConfig
from bot.matrix.login import Account
from bot.storage.database import Database, database_url
from catalog.parse import load_catalogue
from handlers.core.conversation import Conversation
from handlers.core.events import Choice, Command, IncomingMessage, Reply
from tests.matrix_server.synapse import MatrixUser, SynapseServer, ensure_installed

QUESTIONS = (
    "Чи є група підтримки для жінок?",
    "Onko tiistaina kielikahvilaa?",
    "Is there a language club on Tuesday?",
    "What is on this week?",
    "Finns det något för barn på lördag?",
    "Есть ли что-нибудь для детей в субботу?",
)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
MEGOLM = "m.megolm.v1.aes-sha2"
NO_GAPS = {"room": {"timeline": {"limit": 200}}}


class TimedConversation(Conversation):
    """The conversation core, timing every call the channel makes into it."""

    def __init__(self, built: Conversation) -> None:
        super().__init__(
            lambda: built.assistant, built.profiles, built.dialogues, built.clock, built.flows,
            built.questions, built.default_language,
        )
        self.seconds: list[float] = []

    async def _timed(self, call: Awaitable[list[Reply]]) -> list[Reply]:
        began = time.perf_counter()
        try:
            return await call
        finally:
            self.seconds.append(time.perf_counter() - began)

    async def on_message(self, message: IncomingMessage) -> list[Reply]:
        """A question, timed."""
        return await self._timed(super().on_message(message))

    async def on_command(self, command: Command) -> list[Reply]:
        """A command, timed."""
        return await self._timed(super().on_command(command))

    async def on_choice(self, choice: Choice) -> list[Reply]:
        """A choice, timed."""
        return await self._timed(super().on_choice(choice))


async def housekeeping(client: Any) -> None:
    """The key uploads, queries and claims a nio client needs between syncs."""
    if client.olm is None:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()


async def log_in(synapse: SynapseServer, user: MatrixUser, store: Path) -> Any:
    store.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (set-up, before timing)
    client = AsyncClient(
        synapse.base_url,
        user.user_id,
        store_path=str(store),
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
    )
    answer = await client.login(user.password, device_name="bench")
    assert isinstance(answer, LoginResponse), answer
    await client.sync(timeout=0, sync_filter=NO_GAPS)
    await housekeeping(client)
    return client


async def echo_forever(client: Any) -> None:
    """Answer every text from someone else at once with the same text as a notice."""
    while True:
        response = await client.sync(timeout=30_000, sync_filter=NO_GAPS)
        await housekeeping(client)
        if not isinstance(response, SyncResponse):
            continue
        for room_id in response.rooms.invite:
            await client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageText) and event.sender != client.user_id:
                    content = {
                        "msgtype": "m.notice",
                        "body": event.body,
                        "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                    }
                    await client.room_send(
                        room_id, "m.room.message", content, ignore_unverified_devices=True
                    )


class Human:
    """The asking side: one client, one direct room per bot."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.answers: dict[str, Any] = {}

    async def sync(self, timeout_ms: int) -> None:
        """One sync; notices are filed under the message they answer."""
        response = await self.client.sync(timeout=timeout_ms, sync_filter=NO_GAPS)
        await housekeeping(self.client)
        if not isinstance(response, SyncResponse):
            return
        for info in response.rooms.join.values():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageNotice):
                    reply = event.source["content"].get("m.relates_to", {}).get("m.in_reply_to")
                    key = reply.get("event_id") if isinstance(reply, dict) else None
                    self.answers[key or event.event_id] = event

    async def room_with(self, bot: str, *, encrypted: bool) -> str:
        """A direct room with ``bot``, once it has joined."""
        state = (
            [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
            if encrypted
            else []
        )
        created = await self.client.room_create(is_direct=True, invite=[bot], initial_state=state)
        assert isinstance(created, RoomCreateResponse), created
        room_id: str = created.room_id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await self.sync(500)
            room = self.client.rooms.get(room_id)
            if room is not None and bot in room.users and not room.users[bot].invited:
                return room_id
        raise RuntimeError("the bot never joined")

    async def ask(self, room_id: str, text: str) -> tuple[float, Any]:
        """Send a question; return the seconds until its answer arrived, and the answer."""
        began = time.perf_counter()
        sent = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        deadline = time.monotonic() + 60
        while sent.event_id not in self.answers:
            if time.monotonic() > deadline:
                raise RuntimeError("no answer within 60 s")
            await self.sync(10_000)
        return time.perf_counter() - began, self.answers[sent.event_id]


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"median {statistics.median(ordered) * 1000:7.1f} ms  "
        f"p90 {p90 * 1000:7.1f} ms  mean {statistics.fmean(ordered) * 1000:7.1f} ms"
    )


async def rounds(human: Human, rooms: dict[str, str], count: int) -> dict[str, list[float]]:
    """Ask every bot the same questions, interleaved so that drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in rooms}
    for number in range(count):
        for name, room_id in rooms.items():
            elapsed, _ = await human.ask(room_id, QUESTIONS[number % len(QUESTIONS)])
            times[name].append(elapsed)
    return times


async def bench(workdir: Path, count: int, out: Callable[[str], None]) -> None:
    synapse = SynapseServer(ensure_installed(), workdir / "synapse")
    synapse.start()
    tasks: list[asyncio.Task[None]] = []
    clients: list[Any] = []
    channel: MatrixChannel | None = None
    database = await Database.open(database_url(workdir, None))
    try:
        users = {}
        for name in ("human", "echo", "tarjotin"):
            users[name] = synapse.register(f"{name}-bench", f"{name}-password-1234")
            synapse.remove_rate_limits(users[name].user_id)
        human = Human(await log_in(synapse, users["human"], workdir / "human"))
        echo = await log_in(synapse, users["echo"], workdir / "echo")
        clients += [human.client, echo]
        tasks.append(asyncio.create_task(echo_forever(echo)))

        assistant = build_assistant(load_catalogue(demo_catalogue_path()))
        built = build_sql_core(
            lambda: assistant, database.sessions, clock=lambda: MONDAY,
            translator=assistant.translator,
        )
        conversation = TimedConversation(built.conversation)
        config = MatrixConfig(
            account=Account(
                synapse.base_url, users["tarjotin"].user_id, password=users["tarjotin"].password
            ),
            data_dir=workdir / "bot",
        )
        channel = MatrixChannel(config, conversation)
        await channel.start()

        out(f"Matrix round trip, {count} questions each (Synapse on loopback, 2 cores)")
        results: dict[str, dict[str, list[float]]] = {}
        for encrypted in (False, True):
            kind = "encrypted" if encrypted else "plain"
            echo_room = await human.room_with(echo.user_id, encrypted=encrypted)
            bot_room = await human.room_with(channel.user_id, encrypted=encrypted)
            await onboard(human, bot_room)
            rooms = {"echo": echo_room, "tarjotin": bot_room}
            await rounds(human, rooms, 3)  # warm-up
            conversation.seconds.clear()
            results[kind] = await rounds(human, rooms, count)
            results[kind]["core"] = list(conversation.seconds)
        for kind, measured in results.items():
            out(f"\n{kind} room")
            out(f"  echo bot        {summary(measured['echo'])}")
            out(f"  tarjotin        {summary(measured['tarjotin'])}")
            out(f"  core only       {summary(measured['core'])}")
            overhead = statistics.median(measured["tarjotin"]) - statistics.median(measured["echo"])
            out(f"  bot's own time (median difference to echo): {overhead * 1000:.1f} ms")
        out(f"\nrate-limit waits: {channel.stats.rate_limited}, given up: {channel.stats.given_up}")
    finally:
        for task in tasks:
            task.cancel()
        if channel is not None:
            await channel.stop()
        for client in clients:
            await client.close()
        await database.close()
        synapse.stop()


async def onboard(human: Human, room_id: str) -> None:
    """Get past the first-contact questions (language, municipality), as a real user would."""
    await human.ask(room_id, QUESTIONS[0])
    _, menu = await human.ask(room_id, "4")  # the fourth network: Hämeenlinna
    assert menu is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="questions per bot and room")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="tarjotin-bench-matrix-") as workdir:
        asyncio.run(bench(Path(workdir), args.rounds, print))
    return 0


if __name__ == "__main__":
    sys.exit(main())
