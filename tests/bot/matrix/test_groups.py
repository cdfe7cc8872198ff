"""Coordinator rooms on a real Synapse: what reaches the core, ids, and a bot removed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.matrix.channel import MatrixChannel
from bot.matrix.outbox_sender import MatrixOutbox
from bot.matrix.translate import keycap
from handlers.core.conversation import Conversation
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
)
from handlers.core.ports import Outcome
from handlers.newcomers.assistant import Assistant
from tests.bot.matrix.conftest import MONDAY, BotStarter, PersonStarter
from tests.bot.matrix.people import Person, replied_to
from tests.fakes import FixedClock
from tests.matrix_server.fixtures import UserFactory
from tests.wiring import fake_conversation

NOTED = "Noted."
FORWARD = Reply(
    "Request K7Q2: a newcomer asks about Finnish courses.",
    "en",
    (Action(ActionKind.STAFF, "Close", "close:7"),),
)
OLGA_NAME = "Olga Koordinaattori"

Event = IncomingMessage | Command | Choice


class Recording(Conversation):
    """A conversation core that notes every event and answers each with one short reply."""

    def __init__(self, assistant: Assistant) -> None:
        base = fake_conversation(assistant, FixedClock(MONDAY))
        super().__init__(
            lambda: assistant, base.profiles, base.dialogues, base.clock, base.flows,
            base.questions,
        )
        self.events: list[Event] = []

    async def on_message(self, message: IncomingMessage) -> list[Reply]:
        self.events.append(message)
        return [Reply(NOTED, "en")]

    async def on_command(self, command: Command) -> list[Reply]:
        self.events.append(command)
        return [Reply(NOTED, "en")]

    async def on_choice(self, choice: Choice) -> list[Reply]:
        self.events.append(choice)
        return [Reply(NOTED, "en")]

    async def heard(self, count: int, seconds: float = 20.0) -> list[Event]:
        """Wait until ``count`` events in all have reached the core; give them all."""
        await eventually(lambda: len(self.events) >= count, seconds, f"{count} core events")
        return list(self.events)


async def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def reply_content(text: str, target: str, quoted_sender: str, quoted: str) -> dict[str, Any]:
    """A reply as Element sends it, with the quoted fallback older clients need."""
    return {
        "msgtype": "m.text",
        "body": f"> <{quoted_sender}> {quoted}\n\n{text}",
        "m.relates_to": {"m.in_reply_to": {"event_id": target}},
    }


async def coordinator_room(
    bot: MatrixChannel, person: PersonStarter
) -> tuple[str, Person, Person]:
    """Olga's coordinator room with Pekka and the bot, as the bot sees it."""
    olga, pekka = await person("olga"), await person("pekka")
    await olga.client.set_displayname(OLGA_NAME)
    room = await olga.create_room([bot.user_id, pekka.user_id], encrypted=False, direct=False)
    await pekka.join(room)
    await olga.wait_for_member(room, bot.user_id)
    await eventually(lambda: bot.is_group_room(room), 20.0, "the bot to see the room")
    return room, olga, pekka


async def test_a_reply_to_the_bots_forward_reaches_the_core(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    demo_assistant: Assistant,
    tmp_path: Path,
) -> None:
    core = Recording(demo_assistant)
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", core)
    room, olga, pekka = await coordinator_room(bot, person)

    outcome = await MatrixOutbox(bot).send(ChatId(f"matrix:{room}"), FORWARD, "forward-1")
    assert outcome.outcome is Outcome.DELIVERED
    (forward,) = await olga.answers(room, bot.user_id)  # the first: no greeting in a group
    assert forward.event_id == outcome.message_id
    assert forward.source["content"]["body"] == FORWARD.text  # no choices nobody could pick
    assert keycap(1) not in forward.source["content"]["formatted_body"]

    await pekka.say(room, "Hei kaikki, kuka tulee perjantaina?")
    human = await pekka.say(room, "Minä tulen")
    await olga.send(room, reply_content("Hyvä!", human, pekka.user_id, "Minä tulen"))
    answer = await olga.send(
        room, reply_content("We call her tomorrow.", forward.event_id, bot.user_id, "Request")
    )

    [event] = await core.heard(1)
    assert event == IncomingMessage(
        user=event.user,
        chat=ChatId(f"matrix:{room}"),
        text="We call her tomorrow.",
        reply_to=forward.event_id,
        in_group=True,
        sender_name=OLGA_NAME,
    )
    assert event.user == f"matrix:{olga.user_id}"
    (noted,) = await olga.answers(room, bot.user_id)
    assert replied_to(noted) == answer
    command = await pekka.say(room, "!requests")
    [_, staff] = await core.heard(2)
    assert isinstance(staff, Command)
    assert (staff.name, staff.in_group) == ("requests", True)
    (noted_again,) = await olga.answers(room, bot.user_id)
    assert replied_to(noted_again) == command


async def test_a_reply_to_a_forward_the_state_forgot_is_recognised(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    demo_assistant: Assistant,
    tmp_path: Path,
) -> None:
    account = matrix_user("bot")
    core = Recording(demo_assistant)
    first = await start_bot(account, tmp_path / "first", core)
    room, olga, pekka = await coordinator_room(first, person)
    outcome = await MatrixOutbox(first).send(ChatId(f"matrix:{room}"), FORWARD, "forward-1")
    await first.stop()
    # The same account with its state lost: only the homeserver knows whose the forward was.
    again = await start_bot(account, tmp_path / "second", core)
    await eventually(lambda: again.is_group_room(room), 20.0, "the bot to see the room")

    human = await pekka.say(room, "Minä tulen")
    await olga.send(room, reply_content("Hyvä!", human, pekka.user_id, "Minä tulen"))
    answer = await olga.send(
        room, reply_content("Hoidan tämän.", outcome.message_id, again.user_id, "Request")
    )
    [event] = await core.heard(1)
    assert isinstance(event, IncomingMessage)
    assert (event.text, event.reply_to, event.in_group) == (
        "Hoidan tämän.",
        outcome.message_id,
        True,
    )
    (forward, noted) = await olga.answers(room, again.user_id, count=2)
    assert forward.event_id == outcome.message_id
    assert replied_to(noted) == answer
    assert len(core.events) == 1


async def test_a_room_that_removed_the_bot_is_blocked(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    demo_assistant: Assistant,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", Recording(demo_assistant))
    room, olga, _ = await coordinator_room(bot, person)
    outbox = MatrixOutbox(bot)
    assert (await outbox.send(ChatId(f"matrix:{room}"), FORWARD, "f1")).outcome is (
        Outcome.DELIVERED
    )
    await olga.client.room_kick(room, bot.user_id)
    outcome = await outbox.send(ChatId(f"matrix:{room}"), FORWARD, "f2")
    assert outcome.outcome is Outcome.BLOCKED
    assert outcome.message_id == ""
