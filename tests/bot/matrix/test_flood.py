"""One person flooding the bot on a real Synapse: nobody else waits.

A person sends a flood of questions into their direct room as fast as Synapse takes them
while 20 others each ask one question (one every 0.25 s): each of them is answered within
2 s (as the homeserver stamps question and answer), the flooder is told once to wait and
his burst is answered by its latest question, and no room's queue grows past its cap. The
bot paces itself as a bot exempt from the homeserver's ``rc_message`` (as the test Synapse
makes it) may: 30 messages a second, a room two a second.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import replace
from pathlib import Path

from bot.matrix.limits import MATRIX_LIMITS
from handlers.core.conversation import Conversation
from handlers.core.events import Profile, UserId
from tests.bot.matrix.conftest import BotStarter, PersonStarter
from tests.bot.matrix.people import Person
from tests.matrix_server.fixtures import UserFactory
from tests.matrix_server.synapse import SynapseServer, request_json

OTHERS = 20
FLOOD = 300
EXEMPT = replace(MATRIX_LIMITS, overall=60, overall_window=2.0)


async def onboarded(
    person: PersonStarter, conversation: Conversation, bot: str, prefix: str
) -> tuple[Person, str]:
    someone = await person(prefix)
    await conversation.profiles.save(
        Profile(UserId(f"matrix:{someone.user_id}"), language="en", network="espoo")
    )
    room = await someone.create_room([bot], encrypted=False)
    await someone.answers(room, bot)  # the greeting: the bot is in the room
    return someone, room


def bot_said(synapse: SynapseServer, someone: Person, room: str, bot: str) -> list[str]:
    """Everything the bot wrote in the room, oldest first, from the homeserver's history.

    A client's sync skips events during a flood: its timelines come back limited.
    """
    path = "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=1000".format(
        urllib.parse.quote(room, safe="")
    )
    history = request_json(synapse.url(path), token=someone.client.access_token)["chunk"]
    return [
        str(event["content"].get("body"))
        for event in reversed(history)
        if event["sender"] == bot and event["type"] == "m.room.message"
    ]


async def ask(someone: Person, room: str, delay: float) -> str:
    """Ask one question after ``delay`` seconds; the question's event id."""
    await asyncio.sleep(delay)
    return await someone.say(room, "is there a language cafe?")


def waited(synapse: SynapseServer, someone: Person, room: str, bot: str, asked: str) -> float:
    """Seconds from the question to the bot's next message, as the homeserver stamped them.

    Read from the room's history once everything is answered: clients syncing meanwhile
    would share this process (and its CPU) with the bot, and be measured too.
    """
    path = "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100".format(
        urllib.parse.quote(room, safe="")
    )
    history = request_json(synapse.url(path), token=someone.client.access_token)["chunk"]
    events = list(reversed(history))
    [index] = [n for n, event in enumerate(events) if event["event_id"] == asked]
    answers = [e for e in events[index + 1 :] if e["sender"] == bot]
    assert answers, "no answer"
    return float(answers[0]["origin_server_ts"] - events[index]["origin_server_ts"]) / 1000


async def test_twenty_people_are_answered_within_two_seconds_while_one_floods(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    synapse: SynapseServer,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation, limits=EXEMPT)
    flooder, flood_room = await onboarded(person, conversation, bot.user_id, "flooder")
    others = [await onboarded(person, conversation, bot.user_id, "other") for _ in range(OTHERS)]

    async def flood() -> None:
        for _ in range(0, FLOOD - 1, 25):
            await asyncio.gather(
                *(flooder.say(flood_room, "what is on this week?") for _ in range(25))
            )
        await flooder.say(flood_room, "is there football?")

    flooding = asyncio.create_task(flood())
    await asyncio.sleep(1.0)  # the flood is coming in
    asked = await asyncio.gather(
        *(ask(someone, room, 0.25 * number) for number, (someone, room) in enumerate(others))
    )
    await flooding
    for _ in range(600):  # the others' rooms done: only the flooder's may still be busy
        if bot.intake.chats_in_progress <= 1:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    waits = [
        waited(synapse, someone, room, bot.user_id, question)
        for (someone, room), question in zip(others, asked, strict=True)
    ]
    assert max(waits) <= 2.0, sorted(waits)

    await flooder.sync_until(lambda _: bot.intake.chats_in_progress == 0, seconds=60.0)
    saw = bot_said(synapse, flooder, flood_room, bot.user_id)
    assert sum("Please wait a moment" in text for text in saw) == 1
    assert "football" in saw[-1].lower()
    # The flood trickles in over many syncs while the room is answered at its pace (two a
    # second): a few answers go out as it comes, never one per message.
    assert len(saw) <= FLOOD // 10
    assert bot.intake.stats.longest_queue <= bot.intake.hard_cap
