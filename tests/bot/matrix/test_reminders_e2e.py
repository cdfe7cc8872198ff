"""Reminders on Matrix end to end: subscribe by number and by reaction, receive, stop, cancel.

A real Synapse, a real SQLite database and the real demo catalogue; only the clock is fake, and
the planner and the drainer are stepped by hand. The demo activity ``ukraina-naisten-vertaistuki``
meets every other Wednesday at 18:00 in Hämeenlinna, on both sides of the change to summer time
on Sunday 28 March 2027.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import (
    App,
    LiveAssistant,
    Runtime,
    build_app,
    build_assistant,
    build_runtime,
    ensure_catalogue,
)
from bot.config import Settings
from bot.matrix import MatrixOutbox
from bot.matrix.channel import MatrixChannel
from bot.matrix.translate import keycap
from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from catalog.model import ActivityId, OccurrenceChange
from handlers.core.events import ChatId, Reply
from handlers.core.ports import Outcome
from tests.bot.matrix.conftest import HELSINKI, BotStarter, PersonStarter
from tests.bot.matrix.people import Person, replied_to
from tests.bot.matrix.test_conversations import QUESTION_UK, content, option_number
from tests.fakes import FixedClock
from tests.matrix_server.fixtures import UserFactory

GROUP = ActivityId("ukraina-naisten-vertaistuki")
QUESTION_EN = "Is there a support group for women?"
TITLE_UK = "Група підтримки для жінок"
TITLE_FI = "Naisten vertaistukiryhmä"  # no English title: English readers get the Finnish one
#: Sending limits that never make a test wait on the fake clock.
FAST = ChannelLimits.unlimited()


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


@dataclass
class World:
    """The wired reminder machinery around one running Matrix bot."""

    app: App
    clock: FixedClock
    live: LiveAssistant
    parts: Runtime
    bot: MatrixChannel
    sender: MatrixOutbox
    drainer: OutboxDrainer

    async def step_to(self, moment: datetime) -> int:
        """Move the clock, plan the next window and send what is due; how many were sent."""
        self.clock.now = moment
        await self.parts.planner.plan()
        return await self.drainer.drain_once()

    async def cancel(self, start: datetime) -> None:
        """A volunteer cancels one session; the assistant is rebuilt and reminders re-planned."""
        change = OccurrenceChange(GROUP, start.replace(tzinfo=None), cancelled=True)
        await self.app.catalog_store.set_occurrence_change(change, "volunteer")
        catalogue = await self.app.catalog_store.load()
        changes = await self.app.catalog_store.occurrence_changes()
        self.live.replace(build_assistant(catalogue, changes, translator=self.app.translator))
        await self.parts.planner.replan_activities([GROUP])


@pytest.fixture
async def world(
    start_bot: BotStarter, matrix_user: UserFactory, tmp_path: Path
) -> AsyncIterator[World]:
    app = await build_app(Settings(data_dir=tmp_path / "app"))
    try:
        clock = FixedClock(local(2027, 3, 22, 10, 0))  # the Monday before a session
        catalogue = await ensure_catalogue(app, quiet=True)
        parts = await build_runtime(app, catalogue, clock=clock)
        live, conversation = parts.live, parts.conversation
        bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation)
        sender = MatrixOutbox(bot)
        drainer = OutboxDrainer(
            parts.outbox,
            sender,
            "matrix",
            clock,
            limits=FAST,
            on_blocked=conversation.on_blocked,
        )
        yield World(app, clock, live, parts, bot, sender, drainer)
    finally:
        await app.close()


async def ask_about_the_group(someone: Person, room: str, bot: str, question: str) -> Any:
    """Greeting, question, network choice: returns the bot's answer listing the group."""
    await someone.answers(room, bot)
    await someone.say(room, question)
    (onboarding,) = await someone.answers(room, bot)
    await someone.say(room, str(option_number(content(onboarding)["body"], "Hämeenlinna")))
    (answer,) = await someone.answers(room, bot)
    return answer


async def test_reminders_reach_two_people_in_their_languages_across_dst(
    world: World, person: PersonStarter
) -> None:
    bot = world.bot.user_id
    olga = await person("olga", encrypted=True)
    mary = await person("mary")
    olga_room = await olga.create_room([bot], encrypted=True)
    mary_room = await mary.create_room([bot], encrypted=False)

    # Olga (Ukrainian) subscribes with the number of the "Remind me" option.
    answer = await ask_about_the_group(olga, olga_room, bot, QUESTION_UK)
    assert TITLE_UK in content(answer)["body"]
    remind_uk = world.bot.conversation.speaker("uk").gettext("Remind me")
    assert remind_uk != "Remind me"
    await olga.say(olga_room, str(option_number(content(answer)["body"], remind_uk)))
    (confirmed,) = await olga.answers(olga_room, bot)
    assert TITLE_UK in content(confirmed)["body"]

    # Mary (English) subscribes by reacting with the option's key.
    answer = await ask_about_the_group(mary, mary_room, bot, QUESTION_EN)
    assert TITLE_FI in content(answer)["body"]
    number = option_number(content(answer)["body"], "Remind me")
    await mary.react(mary_room, answer.event_id, keycap(number))
    (confirmed,) = await mary.answers(mary_room, bot)
    assert replied_to(confirmed) == answer.event_id
    assert TITLE_FI in content(confirmed)["body"]

    async def both_reminded(due: datetime, day_uk: str, day_en: str) -> tuple[Any, Any]:
        assert await world.step_to(due - timedelta(hours=1)) == 0
        assert await world.step_to(due) == 2
        (to_olga,) = await olga.answers(olga_room, bot)
        (to_mary,) = await mary.answers(mary_room, bot)
        uk, en = content(to_olga)["body"], content(to_mary)["body"]
        for body, title, day in ((uk, TITLE_UK, day_uk), (en, TITLE_FI, day_en)):
            assert title in body
            assert day in body
            assert "18:00" in body  # the session's local start, summer time or not
        assert replied_to(to_olga) is None
        assert replied_to(to_mary) is None
        return to_olga, to_mary

    # Before the change (UTC+2): the evening before at 18:00, then 2 hours before.
    await both_reminded(local(2027, 3, 23, 18, 0), "24 березня", "24 March")
    await both_reminded(local(2027, 3, 24, 16, 0), "24 березня", "24 March")
    # After the change (UTC+3): the same wall times, an hour earlier in UTC.
    evening = local(2027, 4, 6, 18, 0)
    assert evening.astimezone(UTC).hour == 15
    await both_reminded(evening, "7 квітня", "7 April")
    _, last_to_mary = await both_reminded(local(2027, 4, 7, 16, 0), "7 квітня", "7 April")

    # Mary stops her reminders by reacting to one: the reminder's choice is remembered.
    stop = option_number(content(last_to_mary)["body"], "Stop these reminders")
    await mary.react(mary_room, last_to_mary.event_id, keycap(stop))
    (stopped,) = await mary.answers(mary_room, bot)
    assert replied_to(stopped) == last_to_mary.event_id

    # A volunteer cancels the session of 21 April after its reminders were planned: Olga is
    # told of the cancellation instead, at the evening reminder's time; Mary hears nothing.
    await world.step_to(local(2027, 4, 20, 13, 0))
    await world.cancel(local(2027, 4, 21, 18, 0))
    assert await world.step_to(local(2027, 4, 20, 17, 0)) == 0
    assert await world.step_to(local(2027, 4, 20, 18, 0)) == 1
    (cancelled,) = await olga.answers(olga_room, bot)
    text = content(cancelled)["body"]
    cancelled_uk = world.bot.conversation.speaker("uk").gettext("Cancelled this time: %(title)s")
    assert cancelled_uk % {"title": TITLE_UK} in text
    assert "21 квітня" in text
    assert await world.step_to(local(2027, 4, 21, 16, 0)) == 0
    await mary.silence(mary_room, bot, 1.0)
    await olga.silence(olga_room, bot, 0.5)


async def test_a_retried_send_with_the_same_key_posts_once(
    world: World, person: PersonStarter
) -> None:
    bot = world.bot.user_id
    ana = await person("ana")
    room = await ana.create_room([bot], encrypted=False)
    await ana.answers(room, bot)
    reply = Reply("Reminder: retry once", "en")
    chat = ChatId(f"matrix:{room}")
    first = await world.sender.send(chat, reply, "reminder:42:evening")
    again = await world.sender.send(chat, reply, "reminder:42:evening")
    assert first.outcome is Outcome.DELIVERED
    assert again.outcome is Outcome.DELIVERED
    (only,) = await ana.answers(room, bot)
    assert content(only)["body"] == "Reminder: retry once"
    await ana.silence(room, bot, 1.0)
    other = await world.sender.send(chat, reply, "reminder:43:evening")
    assert other.outcome is Outcome.DELIVERED
    await ana.answers(room, bot)
