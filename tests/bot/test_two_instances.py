"""Two ``tarjotin run`` processes on one PostgreSQL behind a round-robin proxy; kill -9 one.

The issue's contract for "two instances at once": the fake Bot API posts webhook updates of
500 users (a ``/start`` and two questions each, interleaved) to a small round-robin proxy in
front of both instances, with ``TARJOTIN_TELEGRAM_INBOX=true``. In the middle, the instance
that is not the reminder leader is killed with SIGKILL and started again. Then:

- every update is answered (its first reply key is ``sent``) and the inbox is empty;
- in each chat the replies arrive in update order (each sent message is traced back to its
  outbox key through the message id Telegram gave it);
- nothing is sent twice, except messages that were ``sending`` when the kill came (the
  outbox's one documented window, see :mod:`bot.outbox_drainer`): a message Telegram took
  whose ``sent`` mark the killed process never wrote;
- reminders (outbox rows of other users, due from the start) are sent once each.

The leader is not killed: with the 30-second lease and the two-minute claim of the leader's
drainer, a leader kill would only make the test wait; the leader's takeover is what
tests/bot/test_reminder_service.py checks. Needs ``TARJOTIN_TEST_POSTGRES_URL`` (CI sets it).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Chat

from bot.storage.database import Database, database_url
from bot.storage.models import InboxRow, OutboxRow
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from handlers.core.events import ChatId, Reply, UserId
from tests.bot.storage.conftest import POSTGRES_URL_VARIABLE
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.server import FakeTelegramServer
from tests.telegram_server.webhook import DeliveryPolicy

USERS = 500
FIRST_USER = 10_000
REMINDERS = 100
FIRST_REMINDED = 900_000
QUESTIONS = ("swimming for children", "finnish course")
SECRET = "two-instances-secret"
#: A fixed instant long past: the reminders are due whatever the day (no test reads the clock).
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
#: Telegram retries an update it got no 200 for, for a long time; the fake, this often.
PATIENT = DeliveryPolicy(retry_delays=(0.2, 0.5, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0), timeout=10.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def fresh_database(server: str) -> AsyncIterator[str]:
    """A throw-away database on the test server (two processes connect to it); its URL."""
    name = f"tarjotin_ha_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class RoundRobin:
    """A load balancer in a few lines: each request to the next backend, 502 if it is down."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self.answers: Counter[int] = Counter()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = free_port()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = self.backends[next(self._next)]
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        try:
            async with self._session.post(
                f"http://127.0.0.1:{backend}{request.path}",
                data=await request.read(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                self.answers[response.status] += 1
                return web.Response(status=response.status, body=await response.read())
        except (aiohttp.ClientError, TimeoutError):
            self.answers[502] += 1
            return web.Response(status=502)


class Instance:
    """One ``tarjotin run`` process with its own HTTP port and data directory."""

    def __init__(self, name: str, environment: dict[str, str], directory: Path) -> None:
        self.name = name
        self.port = free_port()
        self.directory = directory / name
        self.directory.mkdir()
        self.environment = environment | {
            "TARJOTIN_DATA_DIR": str(self.directory),
            "TARJOTIN_HTTP_PORT": str(self.port),
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        tarjotin = Path(sys.executable).with_name("tarjotin")
        errors = (self.directory / f"stderr-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            str(tarjotin), "run", env=self.environment,
            stdout=asyncio.subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        errors.close()

    async def ready(self) -> None:
        url = f"http://127.0.0.1:{self.port}/readyz"
        for _ in range(1200):
            assert self.process is not None
            assert self.process.returncode is None, self.errors()
            try:
                async with aiohttp.ClientSession() as http, http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} never became ready: {self.errors()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 60)

    def errors(self) -> str:
        logs = sorted(self.directory.glob("stderr-*.log"))
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)


async def outbox_rows(database: Database) -> list[OutboxRow]:
    async with database.sessions() as session:
        return list((await session.scalars(select(OutboxRow))).all())


async def inbox_depth(database: Database) -> int:
    async with database.sessions() as session:
        return len((await session.scalars(select(InboxRow.id))).all())


def reply_order(key: str) -> tuple[int, int]:
    """``reply:telegram:<update_id>:<n>`` → (update_id, n)."""
    _, _, update_id, index = key.split(":")
    return int(update_id), int(index)


async def test_two_instances_share_the_work_and_survive_a_kill_9(
    fake_telegram_factory: FakeTelegramFactory, tmp_path: Path
) -> None:
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    telegram = await fake_telegram_factory(webhook_policy=PATIENT)
    async with fresh_database(database_url(tmp_path, server_url)) as url:
        database = await Database.open(url)
        try:
            await _run_the_scenario(telegram, database, url, tmp_path)
        finally:
            await database.close()


async def _run_the_scenario(
    telegram: FakeTelegramServer, database: Database, url: str, tmp_path: Path
) -> None:
    outbox = SqlOutbox(database.sessions)
    for i in range(REMINDERS):  # people who opened the bot and subscribed earlier
        user = telegram.add_user(FIRST_REMINDED + i)
        telegram.world.chats[user.id] = Chat(user.id, Chat.PRIVATE)
    reminder_keys = [f"reminder:telegram:{FIRST_REMINDED + i}:ha" for i in range(REMINDERS)]
    await outbox.enqueue(
        [
            OutgoingMessage(
                key,
                ChatId(f"telegram:{FIRST_REMINDED + i}"),
                UserId(f"telegram:{FIRST_REMINDED + i}"),
                Reply(f"reminder {i}", "en"),
                LONG_AGO,
                category="reminder",
            )
            for i, key in enumerate(reminder_keys)
        ],
        LONG_AGO,
    )
    environment = {
        **os.environ,
        "TARJOTIN_DATABASE_URL": url,
        "TARJOTIN_TELEGRAM_TOKEN": telegram.token,
        "TARJOTIN_TELEGRAM_API_URL": telegram.url,
        "TARJOTIN_TELEGRAM_INBOX": "true",
        "TARJOTIN_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TARJOTIN_INBOX_CLAIM_SECONDS": "3",
        "TARJOTIN_DEMO": "true",
    }
    leader = Instance("a", environment, tmp_path)
    other = Instance("b", environment, tmp_path)
    proxy = RoundRobin([leader.port, other.port])
    webhook = f"http://127.0.0.1:{proxy.port}/telegram"
    leader.environment["TARJOTIN_TELEGRAM_WEBHOOK_URL"] = webhook
    other.environment["TARJOTIN_TELEGRAM_WEBHOOK_URL"] = webhook
    await proxy.start()
    try:
        await leader.start()
        await leader.ready()  # the first one migrates, loads the demo and takes the lease
        await other.start()
        await other.ready()
        update_ids = send_everything(telegram)
        replies_before_kill = len(update_ids) // 3
        await wait_until(lambda: len(telegram.sent_messages()) >= replies_before_kill, 120)
        other.kill()
        assert other.process is not None
        await other.process.wait()
        in_flight = {
            row.idempotency_key for row in await outbox_rows(database) if row.state == "sending"
        }
        await other.start()
        await other.ready()
        await wait_for_the_end(database, update_ids, reminder_keys, 240)
    finally:
        codes = [await leader.stop(), await other.stop()]
        await proxy.stop()
    assert codes == [0, 0], leader.errors() + other.errors()
    assert "Traceback" not in leader.errors() + other.errors()
    await check_the_outcome(telegram, database, update_ids, reminder_keys, in_flight)


def send_everything(telegram: FakeTelegramServer) -> dict[int, list[int]]:
    """Every user's /start and questions, interleaved; their update ids by user."""
    update_ids: dict[int, list[int]] = defaultdict(list)
    users = range(FIRST_USER, FIRST_USER + USERS)
    for user in users:
        update_ids[user].append(telegram.user_starts(user).update_id)
    for question in QUESTIONS:
        for user in users:
            update_ids[user].append(telegram.user_sends_text(user, question).update_id)
    return update_ids


async def wait_until(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def wait_for_the_end(
    database: Database, update_ids: dict[int, list[int]], reminders: list[str], seconds: float
) -> None:
    """Until the inbox is empty and every reply and reminder is finished."""
    wanted = {f"reply:telegram:{u}:0" for ids in update_ids.values() for u in ids}
    for _ in range(int(seconds)):
        rows = await outbox_rows(database)
        sent = {row.idempotency_key for row in rows if row.state == "sent"}
        busy = [row for row in rows if row.state in ("pending", "sending")]
        finished = not busy and wanted <= sent and set(reminders) <= sent
        if finished and await inbox_depth(database) == 0:
            return
        await asyncio.sleep(1)
    states = Counter(row.state for row in rows)
    depth = await inbox_depth(database)
    raise AssertionError(
        f"not finished: {len(wanted - sent)} updates unanswered, {len(busy)} rows busy, "
        f"{len(set(reminders) - sent)} reminders unsent, {depth} stored updates; {states}"
    )


async def check_the_outcome(
    telegram: FakeTelegramServer,
    database: Database,
    update_ids: dict[int, list[int]],
    reminders: list[str],
    in_flight: set[str],
) -> None:
    rows = await outbox_rows(database)
    assert await inbox_depth(database) == 0
    by_message: dict[tuple[str, str], str] = {
        (row.chat_id, row.platform_message_id): row.idempotency_key
        for row in rows
        if row.state == "sent" and row.platform_message_id
    }
    keys_of = {row.idempotency_key: row for row in rows}
    duplicates = 0
    for user, ids in update_ids.items():
        chat = f"telegram:{user}"
        traced: list[str] = []
        for message in telegram.sent_messages(user):
            key = by_message.get((chat, str(message.message_id)))
            if key is None:  # sent, but its mark lost with the killed process: sent again
                duplicates += 1
                continue
            traced.append(key)
        assert traced == sorted(traced, key=reply_order), f"chat {user} out of order"
        answered = {reply_order(key)[0] for key in traced}
        assert answered == set(ids), f"chat {user}: updates unanswered"
        assert all(keys_of[key].state == "sent" for key in traced)
    in_flight_replies = [key for key in in_flight if key.startswith("reply:")]
    assert duplicates <= len(in_flight_replies), (duplicates, len(in_flight_replies))
    for i, key in enumerate(reminders):
        received = len(telegram.sent_messages(FIRST_REMINDED + i))
        assert received == 1 or (received == 2 and key in in_flight), (key, received)
