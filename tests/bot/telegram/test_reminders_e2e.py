"""Reminders end to end on Telegram: the Remind button, planning, draining, changes, blocks.

The fake Bot API server, a real SQLite database and the wiring of :mod:`bot.bootstrap`; one
:class:`~tests.fakes.FixedClock` drives the conversation, the planner and the drainer, and the
tests plan and drain explicitly instead of waiting. The activity is the weekly Tuesday
language café of the demo catalogue (17:00 local), reminded on both sides of the change to
summer time on Sunday 2027-03-28.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time

from bot.bootstrap import (
    App,
    LiveAssistant,
    Runtime,
    build_app,
    build_assistant,
    build_reminder_service,
    build_runtime,
    ensure_catalogue,
)
from bot.config import Settings
from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits, Pacing
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramChannel
from bot.telegram.outbox_sender import TelegramOutbox
from catalog.model import ActivityId, OccurrenceChange
from handlers.core.conversation import Conversation
from handlers.core.events import UserId
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker
from handlers.core.languages import NATIVE_NAMES
from tests.bot.telegram.conftest import FAST
from tests.fakes import FixedClock
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.records import SentMessage
from tests.telegram_server.server import FakeTelegramServer

HELSINKI = ZoneInfo("Europe/Helsinki")
CAFE = ActivityId("louhela-kielikahvila")
NETWORK = "nurmijarvi"
ANA, BOB = 1001, 1002  # Finnish, Arabic

#: Winter time (UTC+2): Monday evening and the Tuesday session before the clocks change.
WINTER_SESSION = datetime(2027, 3, 23, 17, 0, tzinfo=HELSINKI)
#: Summer time (UTC+3): the first session after Sunday 2027-03-28.
SUMMER_SESSION = datetime(2027, 3, 30, 17, 0, tzinfo=HELSINKI)

#: The drainer's own limits stay out of the way; the fake server still enforces Telegram's.
UNLIMITED = ChannelLimits.unlimited()

QUESTIONS = {
    "fi": "Onko tiistaina kielikahvila?",
    "ar": "هل يوجد مقهى لغة يوم الثلاثاء؟",
}


@dataclass
class Reminding:
    """A Telegram channel over the wired core with reminders, on one controllable clock."""

    server: FakeTelegramServer
    app: App
    live: LiveAssistant
    parts: Runtime
    conversation: Conversation
    drainer: OutboxDrainer
    clock: FixedClock

    def speaker(self, language: str) -> Speaker:
        return self.conversation.speaker(language)

    async def wait(self, user: int, count: int) -> list[SentMessage]:
        return await self.server.wait_for_messages(user, count, timeout=10.0)

    def press(self, user: int, message: SentMessage, label: str) -> None:
        [data] = [b["callback_data"] for b in message.buttons if b["text"] == label]
        self.server.user_presses_button(user, message.message_id, data)

    async def onboard(self, user: int, language: str) -> None:
        """The whole /start flow: language menu, then the place."""
        speaker = self.speaker(language)
        self.server.user_starts(user, language_code=language)
        [menu] = await self.wait(user, 1)
        self.press(user, menu, NATIVE_NAMES[language])
        [_, places] = await self.wait(user, 2)
        [label] = [
            a.label
            for a in self.conversation.network_menu(speaker).actions
            if a.argument == NETWORK
        ]
        self.press(user, places, label)
        await self.wait(user, 3)

    async def subscribe(self, user: int, language: str) -> None:
        """Ask about the café and press "Remind me" under the answer."""
        speaker = self.speaker(language)
        seen = len(self.server.sent_messages(user))
        self.server.user_sends_text(user, QUESTIONS[language], language_code=language)
        *_, answer = await self.wait(user, seen + 1)
        assert self.title(language) in (answer.plain_text or "")
        self.press(user, answer, speaker.gettext("Remind me"))
        await self.wait(user, seen + 2)
        [subscription] = await self.parts.planner.subscriptions.for_user(UserId(f"telegram:{user}"))
        assert subscription.activity == CAFE

    def title(self, language: str) -> str:
        activity = self.live().catalogue.activity(CAFE)
        assert activity is not None
        return localised(activity.title, self.speaker(language))

    async def plan_at(self, moment: datetime) -> None:
        self.clock.now = moment
        await self.parts.planner.plan()

    async def drain_at(self, moment: datetime) -> int:
        self.clock.now = moment
        return await self.drainer.drain_once()

    def count(self, user: int) -> int:
        return len(self.server.sent_messages(user))


@pytest.fixture
async def reminding(
    tmp_path: Path, fake_telegram_factory: FakeTelegramFactory, codec: CallbackCodec
) -> AsyncIterator[Reminding]:
    clock = FixedClock(datetime(2027, 3, 22, 9, 0, tzinfo=HELSINKI))
    app = await build_app(Settings(data_dir=tmp_path))
    catalogue = await ensure_catalogue(app, quiet=True)
    parts = await build_runtime(app, catalogue, clock=clock)
    live, conversation = parts.live, parts.conversation
    server = await fake_telegram_factory()
    channel = TelegramChannel(
        conversation, server.token, codec=codec, api_url=server.url, options=FAST
    )
    await channel.start()
    service = build_reminder_service(
        app, parts, {"telegram": (TelegramOutbox(channel), Pacing.of(UNLIMITED))}
    )
    [drainer] = service.drainers
    try:
        yield Reminding(server, app, live, parts, conversation, drainer, clock)
    finally:
        await channel.stop()
        await app.close()


def local_time(moment: datetime, language: str) -> str:
    """The session's wall time as a reader of ``language`` writes it."""
    return format_time(moment, format="short", locale=language)


async def test_each_user_is_reminded_in_their_language_at_local_times_across_dst(
    reminding: Reminding,
) -> None:
    r = reminding
    users = {ANA: "fi", BOB: "ar"}
    for user, language in users.items():
        await r.onboard(user, language)
        await r.subscribe(user, language)
    assert local_time(WINTER_SESSION, "fi") == "17.00"
    for language in users.values():  # translated, so the texts below tell the languages apart
        assert r.speaker(language).gettext("Reminder: %(title)s") != "Reminder: %(title)s"

    for session in (WINTER_SESSION, SUMMER_SESSION):
        evening = session.replace(day=session.day - 1, hour=18)
        two_hours = session.replace(hour=15)
        for due in (evening, two_hours):
            before = {user: r.count(user) for user in users}
            await r.plan_at(due.replace(hour=due.hour - 5))
            await r.plan_at(due.replace(hour=due.hour - 1, minute=59))
            assert await r.drain_at(due.replace(hour=due.hour - 1, minute=59)) == 0
            assert {user: r.count(user) for user in users} == before, "sent before it was due"
            assert await r.drain_at(due) == len(users)
            for user, language in users.items():
                *_, reminder = await r.wait(user, before[user] + 1)
                assert r.count(user) == before[user] + 1
                text = reminder.plain_text or ""
                speaker = r.speaker(language)
                assert text.startswith(
                    speaker.gettext("Reminder: %(title)s") % {"title": r.title(language)}
                )
                assert local_time(session, language) in text
                stop = speaker.gettext("Stop these reminders")
                assert [b["text"] for b in reminder.buttons] == [stop]
    # The two sessions straddle the change to summer time (same wall time, other UTC offset).
    assert SUMMER_SESSION.utcoffset() != WINTER_SESSION.utcoffset()


async def test_a_cancelled_session_sends_the_cancellation_instead(reminding: Reminding) -> None:
    r = reminding
    await r.onboard(ANA, "fi")
    await r.subscribe(ANA, "fi")
    await r.plan_at(datetime(2027, 3, 29, 13, 0, tzinfo=HELSINKI))  # the reminder is queued

    reason = "Talo on suljettu vesivahingon takia."
    change = OccurrenceChange(CAFE, SUMMER_SESSION, cancelled=True, reason=reason)
    await r.app.catalog_store.set_occurrence_change(change, "volunteer")
    catalogue = await r.app.catalog_store.load()
    changes = await r.app.catalog_store.occurrence_changes()
    r.live.replace(build_assistant(catalogue, changes, translator=r.app.translator))
    await r.parts.planner.replan_activities([CAFE])

    before = r.count(ANA)
    assert await r.drain_at(datetime(2027, 3, 29, 18, 0, tzinfo=HELSINKI)) == 1
    *_, notice = await r.wait(ANA, before + 1)
    text = notice.plain_text or ""
    speaker = r.speaker("fi")
    assert text.startswith(
        speaker.gettext("Cancelled this time: %(title)s") % {"title": r.title("fi")}
    )
    assert reason in text
    assert speaker.gettext("Reminder: %(title)s") % {"title": r.title("fi")} not in text

    await r.plan_at(datetime(2027, 3, 30, 12, 0, tzinfo=HELSINKI))
    assert await r.drain_at(SUMMER_SESSION.replace(hour=15)) == 0
    assert r.count(ANA) == before + 1


async def test_the_stop_button_on_a_reminder_stops_the_next_ones(reminding: Reminding) -> None:
    r = reminding
    await r.onboard(ANA, "fi")
    await r.subscribe(ANA, "fi")
    await r.plan_at(datetime(2027, 3, 29, 13, 0, tzinfo=HELSINKI))
    assert await r.drain_at(datetime(2027, 3, 29, 18, 0, tzinfo=HELSINKI)) == 1
    *_, reminder = await r.wait(ANA, r.count(ANA))
    speaker = r.speaker("fi")
    before = r.count(ANA)
    r.press(ANA, reminder, speaker.gettext("Stop these reminders"))
    *_, stopped = await r.wait(ANA, before + 1)
    stopped_text = speaker.gettext("Stopped: I will no longer remind you of %(what)s.")
    assert stopped.plain_text == stopped_text % {"what": r.title("fi")}
    assert await r.parts.planner.subscriptions.for_user(UserId(f"telegram:{ANA}")) == []

    await r.plan_at(datetime(2027, 3, 30, 12, 0, tzinfo=HELSINKI))
    assert await r.drain_at(SUMMER_SESSION.replace(hour=15)) == 0
    assert r.count(ANA) == before + 1


async def test_a_user_who_blocked_the_bot_turns_inactive_without_retries(
    reminding: Reminding,
) -> None:
    r = reminding
    await r.onboard(ANA, "fi")
    await r.subscribe(ANA, "fi")
    await r.onboard(BOB, "ar")
    await r.subscribe(BOB, "ar")
    await r.plan_at(datetime(2027, 3, 29, 13, 0, tzinfo=HELSINKI))
    r.server.block_bot(ANA)
    ana_before, bob_before = r.count(ANA), r.count(BOB)

    assert await r.drain_at(datetime(2027, 3, 29, 18, 0, tzinfo=HELSINKI)) == 2
    assert r.drainer.stats.blocked == 1
    assert r.count(ANA) == ana_before
    assert r.count(BOB) == bob_before + 1  # the block of one does not hold up the other
    profile = await r.app.profiles.get(UserId(f"telegram:{ANA}"))
    assert profile is not None
    assert not profile.active

    def refused() -> int:
        return sum(
            1
            for call in r.server.calls("sendMessage")
            if str(call.params.get("chat_id")) == str(ANA) and call.status == 403
        )

    assert refused() == 1
    assert await r.drain_at(datetime(2027, 3, 29, 18, 5, tzinfo=HELSINKI)) == 0
    await r.plan_at(datetime(2027, 3, 30, 12, 0, tzinfo=HELSINKI))
    assert await r.drain_at(SUMMER_SESSION.replace(hour=15)) == 1  # Bob only
    assert refused() == 1
    assert r.count(BOB) == bob_before + 2
