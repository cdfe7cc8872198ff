"""Crashes while reminding, through the real Matrix adapter on a real Synapse.

Two failures of the process that sends reminders, both on a real SQLite outbox:

- ``kill -9`` in the middle of a burst, three times, then a restart that finishes it. The
  drainer is the bot's own device (its login is kept in the data directory), and the Matrix
  sender uses the outbox key as the transaction id, so a message caught in the window (the
  homeserver had it, the ``sent`` mark was not committed) is sent again and absorbed by
  Synapse: every reminder arrives exactly once. Besides the random kills, a few rows are put
  back exactly as such a kill leaves them, so the repeat is exercised every run;
- the leading instance dies without giving its lease back; the standby (another device of
  the same bot) takes over and sends the rest: each reminder arrives once.

Synapse keeps a transaction id per (user, device) for 24 hours in its database and per
request path for at least 30 minutes in memory, so the repeat is absorbed across restarts
of the bot and of the homeserver alike, as long as the device stays the same.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.matrix.outbox_sender import MatrixOutbox
from bot.pacing import ChannelLimits
from bot.scheduling import Leadership
from bot.storage.database import Database, database_url
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from catalog.model import Catalogue
from handlers.core.conversation import Conversation
from handlers.core.events import Action, ActionKind, ChatId, Reply, UserId
from tests.bot.crash_harness import (
    attempts,
    kill_mid_burst,
    now,
    reminder_service,
    reopen,
    run_until_empty,
    start_worker,
)
from tests.bot.matrix.conftest import BotStarter, PersonStarter
from tests.bot.matrix.people import Person
from tests.bot.test_reminder_service import Mortal
from tests.matrix_server.fixtures import UserFactory
from tests.matrix_server.synapse import MatrixUser, SynapseServer, request_json

ROOMS = 4
PER_ROOM = 12
KILLS = 3
REOPENED = 4
GROUP = "ukraina-naisten-vertaistuki"
#: The bot is exempt from Synapse's rate limits (see ``matrix_user``); the drainer need not wait.
FAST = ChannelLimits(overall=20, overall_window=0.1, concurrency=8)


@dataclass
class Audience:
    """The bot's account, its data directory and the people it has direct rooms with."""

    bot: MatrixUser
    data_dir: Path
    rooms: dict[str, Person]

    def connection(self, synapse: SynapseServer) -> dict[str, object]:
        """What the drainer process needs: the same login, so the same device, every start."""
        return {
            "homeserver": synapse.base_url,
            "user": self.bot.user_id,
            "password": self.bot.password,
            "data_dir": str(self.data_dir),
            "limits": {
                "overall": FAST.overall,
                "overall_window": FAST.overall_window,
                "concurrency": FAST.concurrency,
            },
            "hold": 1.0,
        }


@pytest.fixture
async def outbox_database(tmp_path: Path) -> AsyncIterator[tuple[str, Database]]:
    (tmp_path / "outbox").mkdir()
    url = database_url(tmp_path / "outbox", None)
    database = await Database.open(url)
    try:
        yield url, database
    finally:
        await database.close()


async def audience(
    start_bot: BotStarter,
    matrix_user: UserFactory,
    person: PersonStarter,
    conversation: Conversation,
    data_dir: Path,
) -> Audience:
    """People open direct rooms with the bot, which joins and greets them, then stops."""
    bot = matrix_user("bot")
    channel = await start_bot(bot, data_dir, conversation)
    rooms: dict[str, Person] = {}
    for _ in range(ROOMS):
        someone = await person("reader")
        room = await someone.create_room([bot.user_id], encrypted=False)
        await someone.answers(room, bot.user_id)  # the greeting: the bot is in the room
        rooms[room] = someone
    await channel.stop()
    return Audience(bot, data_dir, rooms)


def reminder(room: str, reader: Person, key: str, due_offset: timedelta) -> OutgoingMessage:
    """A reminder whose first paragraph is its key, with a "stop" choice under it."""
    stop = Action(ActionKind.STOP_REMINDERS, "Stop these reminders", GROUP)
    return OutgoingMessage(
        key,
        ChatId(f"matrix:{room}"),
        UserId(f"matrix:{reader.user_id}"),
        Reply(key, "en", (stop,)),
        now() + due_offset,
    )


def reminders(
    rooms: dict[str, Person], label: str, count: int, due_offset: timedelta = timedelta()
) -> list[OutgoingMessage]:
    return [
        reminder(room, reader, f"reminder:matrix:{index}:{label}{n}", due_offset)
        for index, (room, reader) in enumerate(rooms.items())
        for n in range(count)
    ]


def bodies(synapse: SynapseServer, reader: Person, room: str, sender: str) -> list[str]:
    """Every message ``sender`` has in the room, as the homeserver stores it."""
    room_filter = json.dumps({"types": ["m.room.message"], "senders": [sender]})
    path = "/_matrix/client/v3/rooms/{}/messages".format(urllib.parse.quote(room, safe=""))
    found: list[str] = []
    token: str | None = None
    while True:
        query = {"dir": "b", "limit": "500", "filter": room_filter}
        if token is not None:
            query["from"] = token
        url = synapse.url(f"{path}?{urllib.parse.urlencode(query)}")
        page = request_json(url, token=reader.client.access_token)
        found += [event["content"].get("body", "") for event in page.get("chunk", [])]
        token = page.get("end")
        if not page.get("chunk") or token is None:
            return found


async def shown(synapse: SynapseServer, people: Audience) -> Counter[str]:
    """How many times each reminder (by its first paragraph) is in its room on Synapse."""
    seen: Counter[str] = Counter()
    for room, reader in people.rooms.items():
        texts = await asyncio.to_thread(bodies, synapse, reader, room, people.bot.user_id)
        seen.update(text.split("\n\n")[0] for text in texts)
    return Counter({key: n for key, n in seen.items() if key.startswith("reminder:")})


async def test_kill_9_mid_burst_every_reminder_arrives_exactly_once(
    synapse: SynapseServer,
    start_bot: BotStarter,
    matrix_user: UserFactory,
    person: PersonStarter,
    conversation: Conversation,
    outbox_database: tuple[str, Database],
    tmp_path: Path,
) -> None:
    url, database = outbox_database
    outbox = SqlOutbox(database.sessions)
    people = await audience(start_bot, matrix_user, person, conversation, tmp_path / "bot")
    burst = reminders(people.rooms, "evening", PER_ROOM)
    await outbox.enqueue(burst, now())
    keys = [message.key for message in burst]
    connection = people.connection(synapse)

    async def start(mode: str = "forever") -> asyncio.subprocess.Process:
        return await start_worker(url, "matrix", connection, mode)

    async def delivered() -> Counter[str]:
        return await shown(synapse, people)

    kills = await kill_mid_burst(
        start, outbox, delivered, keys, kills=KILLS, step=len(keys) // (KILLS + 2), settle=0.5
    )
    before_restart = await delivered()
    assert 0 < len(before_restart) < len(keys)  # the kills really hit the middle of the burst
    sent = [k for k, state in (await outbox.states(keys)).items() if state == "sent"]
    reopened = sent[:REOPENED]
    tried = await attempts(database, reopened)
    await reopen(database, reopened)
    await run_until_empty(lambda: start("until-empty"))

    final = await delivered()
    assert final == Counter({key: 1 for key in keys})  # none lost, none repeated
    assert (await outbox.counts()).get("sent") == len(keys)
    # The reopened rows really went to Synapse again (claimed once more, reported delivered).
    assert await attempts(database, reopened) == {k: n + 1 for k, n in tried.items()}
    windows = [len(kill.window) for kill in kills]
    assert all(n <= FAST.concurrency for n in windows)
    print(
        f"matrix: {len(keys)} reminders in {ROOMS} rooms, {len(kills)} kills "
        f"(sent at kills {[k.sent_at_kill for k in kills]}), "
        f"left sending {[len(k.sending) for k in kills]}, caught in the window {windows}, "
        f"reopened {len(reopened)}, repeats absorbed {sum(windows) + len(reopened)}, "
        f"delivered twice {sum(1 for n in final.values() if n > 1)}"
    )


async def test_a_standby_device_takes_over_when_the_leader_dies(
    synapse: SynapseServer,
    start_bot: BotStarter,
    matrix_user: UserFactory,
    person: PersonStarter,
    conversation: Conversation,
    outbox_database: tuple[str, Database],
    demo: Catalogue,
    tmp_path: Path,
) -> None:
    _, database = outbox_database
    outbox = SqlOutbox(database.sessions)
    people = await audience(start_bot, matrix_user, person, conversation, tmp_path / "first")
    early = reminders(people.rooms, "early", 3)
    late = reminders(people.rooms, "late", 3, timedelta(seconds=6))
    await outbox.enqueue([*early, *late], now())
    # Two instances of the bot, each its own device of the same account.
    first_channel = await start_bot(people.bot, people.data_dir, conversation)
    second_channel = await start_bot(people.bot, tmp_path / "second", conversation)
    assert first_channel.device_id != second_channel.device_id
    first = reminder_service(
        database, demo, "first", Mortal, MatrixOutbox(first_channel), "matrix", FAST
    )
    second = reminder_service(
        database, demo, "second", Leadership, MatrixOutbox(second_channel), "matrix", FAST
    )
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_task = asyncio.create_task(first.run(first_stop))
    await asyncio.sleep(0.1)
    second_task = asyncio.create_task(second.run(second_stop))
    for _ in range(100):
        if first.drainers[0].stats.sent == len(early):
            break
        await asyncio.sleep(0.05)
    assert first.leadership.leading
    assert not second.leadership.leading
    first_task.cancel()  # killed: the lease is not given back
    await asyncio.gather(first_task, return_exceptions=True)
    assert await shown(synapse, people) == Counter({m.key: 1 for m in early})
    for _ in range(200):
        if second.drainers[0].stats.sent == len(late):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # anything extra would be sent now
    second_stop.set()
    await second_task
    assert await shown(synapse, people) == Counter({m.key: 1 for m in [*early, *late]})
    assert first.drainers[0].stats.sent == len(early)
    assert second.drainers[0].stats.sent == len(late)
