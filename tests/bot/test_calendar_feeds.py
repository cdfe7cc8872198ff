"""Calendars end to end: feed routes, /calendar, "Add to calendar", holidays, ``tarjotin ical``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar

from bot.bootstrap import Options
from bot.calendar_feeds import CalendarFeeds
from bot.cli import main
from bot.http_server import HttpServer
from bot.matrix.translate import offered_actions, render
from bot.metrics import Metrics
from bot.telegram.translate import render_reply
from bot.terminal_chat import choices, show
from catalog.matching import Matcher
from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences import OccurrenceIndex, activity_occurrences
from catalog.understanding.query import Query, TimeWindow
from handlers.core.events import ActionKind, ChatId, Command, Profile, UserId
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.calendar import FeedLinks
from handlers.newcomers.reminder_timing import Subscription
from handlers.newcomers.reminders import cancellation_reply, reminder_reply
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=HELSINKI)
BASE = "https://tarjotin.example.fi"
USER = UserId("telegram:7")
CHAT = ChatId("telegram:7")
FOOTBALL = "nurmijarvi-kaikkien-futis"  # every Sunday at 16:00 in Nurmijärvi


def assistant_over(catalogue: Catalogue, understander: ScriptedUnderstander) -> Assistant:
    matcher = Matcher(catalogue, OccurrenceIndex(catalogue, ()))
    return Assistant(matcher, understander, Translator(), calendar=FeedLinks(BASE))


@dataclass
class Served:
    base: str
    fakes: FakeCore


@pytest.fixture
async def served(demo: Catalogue) -> AsyncIterator[Served]:
    fakes = FakeCore(demo, FixedClock(NOW))
    cancelled = OccurrenceChange(FOOTBALL, datetime(2026, 12, 13, 16, 0), cancelled=True)  # type: ignore[arg-type]
    feeds = CalendarFeeds(
        lambda: (demo, [cancelled]),
        fakes.subscriptions,
        fakes.profiles,
        fakes.calendar_feeds,
        FixedClock(NOW),
    )
    server = HttpServer("127.0.0.1", 0, metrics=Metrics(FixedClock(NOW)))
    feeds.mount(server)
    await server.start()
    yield Served(f"http://127.0.0.1:{server.bound_port}", fakes)
    await server.stop()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.content_type, await response.text()


def summaries(body: str) -> set[str]:
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")}


async def test_activity_and_network_feeds_are_served_with_their_filters(served: Served) -> None:
    status, kind, body = await get(f"{served.base}/calendar/activity/{FOOTBALL}.ics?lang=en")
    assert (status, kind) == (200, "text/calendar")
    assert (
        "STATUS:CANCELLED" in body
    )
    assert (
        "RECURRENCE-ID;TZID=Europe/Helsinki:20261213T160000" in body
    )
    status, _, everything = await get(f"{served.base}/calendar/network/nurmijarvi.ics?lang=fi")
    status_sports, _, sports = await get(
        f"{served.base}/calendar/network/nurmijarvi.ics?kind=sports&lang=fi"
    )
    assert status == status_sports == 200
    assert summaries(sports) < summaries(everything)
    assert "BEGIN:VTIMEZONE" in sports


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/calendar/activity/no-such-thing.ics", 404),
        ("/calendar/network/atlantis.ics", 404),
        ("/calendar/network/nurmijarvi.ics?kind=karaoke", 400),
        (f"/calendar/activity/{FOOTBALL}.ics?lang=klingon", 400),
        ("/calendar/personal/guessed.ics", 404),
    ],
)
async def test_unknown_ids_and_bad_parameters_are_refused(
    served: Served, path: str, status: int
) -> None:
    code, _, body = await get(served.base + path)
    assert code == status
    assert body.strip()


async def test_calendar_gives_a_personal_feed_that_a_new_link_or_forget_revokes(
    served: Served, demo: Catalogue
) -> None:
    fakes = served.fakes
    conversation = fakes.build(
        lambda: assistant_over(demo, ScriptedUnderstander()), options=Options(public_url=BASE)
    ).conversation
    await fakes.profiles.save(Profile(USER, "sv", "nurmijarvi"))
    await fakes.subscriptions.add(Subscription(USER, CHAT, NOW, activity=FOOTBALL))  # type: ignore[arg-type]
    [reply] = await conversation.on_command(Command(USER, CHAT, "calendar"))
    [link] = [a for a in reply.actions if a.kind is ActionKind.LINK]
    assert link.argument.startswith(f"{BASE}/calendar/personal/")
    assert link.argument in reply.text
    personal = served.base + link.argument.removeprefix(BASE)
    status, _, body = await get(personal)
    assert status == 200
    assert len(summaries(body)) == 1
    [renewed] = await conversation.on_command(Command(USER, CHAT, "calendar"))
    assert (await get(personal))[0] == 404  # the old link stops working
    [new_link] = [a for a in renewed.actions if a.kind is ActionKind.LINK]
    await fakes.data_rights.forget(USER)
    assert (await get(served.base + new_link.argument.removeprefix(BASE)))[0] == 404


async def test_without_a_public_address_calendar_says_so(demo: Catalogue) -> None:
    fakes = FakeCore(demo, FixedClock(NOW))
    conversation = fakes.build(lambda: assistant_over(demo, ScriptedUnderstander())).conversation
    await fakes.profiles.save(Profile(USER, "fi", "nurmijarvi"))
    [reply] = await conversation.on_command(Command(USER, CHAT, "calendar"))
    assert reply.actions == ()
    assert "Kalenterilinkit" in reply.text
    assert fakes.calendar_feeds.tokens == {}


def test_add_to_calendar_is_under_every_dated_activity_and_every_reminder(
    demo: Catalogue,
) -> None:
    assistant = assistant_over(demo, ScriptedUnderstander())
    answer = assistant.answer("anything", now=NOW, network_id="nurmijarvi")
    assert answer.search is not None
    listed = [m for m in answer.search.matches[:5] if not m.activity.is_ongoing]
    links = [a.argument for a in answer.reply.actions if a.kind is ActionKind.LINK]
    assert links == [f"{BASE}/calendar/activity/{m.activity.id}.ics?lang=en" for m in listed]
    one = assistant.activity_reply(FOOTBALL, "uk", NOW)
    assert f"{BASE}/calendar/activity/{FOOTBALL}.ics?lang=uk" in [a.argument for a in one.actions]
    football = demo.activity(FOOTBALL)
    assert football is not None
    [occurrence] = activity_occurrences(
        football,
        HELSINKI,
        date(2026, 12, 13),
        date(2026, 12, 13),
        {},
    )
    subscription = Subscription(USER, CHAT, NOW, activity=FOOTBALL, id=1)  # type: ignore[arg-type]
    speaker = Translator().speaker("fi")
    for render_one in (reminder_reply, cancellation_reply):
        reply = render_one(demo, occurrence, subscription, speaker, FeedLinks(BASE))
        assert [a.label for a in reply.actions if a.kind is ActionKind.LINK] == [
            "Lisää kalenteriin"
        ]


def test_every_adapter_renders_the_link(demo: Catalogue) -> None:
    url = f"{BASE}/calendar/activity/{FOOTBALL}.ics?lang=en"
    reply = assistant_over(demo, ScriptedUnderstander()).activity_reply(FOOTBALL, "en", NOW)
    [telegram] = render_reply(reply, lambda action: f"data:{action.kind.value}")
    assert telegram.keyboard is not None
    buttons = [b for row in telegram.keyboard.inline_keyboard for b in row]
    assert [b.url for b in buttons if b.url] == [url]
    assert all(b.callback_data for b in buttons if not b.url)
    plain, markup = render(reply, offered_actions(reply), None)
    assert f"Add to calendar: {url}" in plain
    assert f'href="{url.replace("&", "&amp;")}"' in markup
    assert all(a.kind is not ActionKind.LINK for a in offered_actions(reply))
    assert url in show(reply, choices(reply), "logical")
    assert ActionKind.LINK not in {a.kind for a in choices(reply)}


def test_holidays_skip_drops_independence_day_and_the_answer_says_why(demo: Catalogue) -> None:
    football = demo.activity(FOOTBALL)
    assert football is not None
    skipping = replace(
        demo,
        activities=tuple(
            replace(a, holidays="skip") if a.id == FOOTBALL else a for a in demo.activities
        ),
    )
    december = {
        o.start.date(): o
        for o in OccurrenceIndex(skipping).between(
            datetime(2026, 12, 1, tzinfo=HELSINKI),
            datetime(2026, 12, 31, tzinfo=HELSINKI),
            [football.id],
            include_cancelled=True,
        )
    }
    assert december[date(2026, 12, 6)].cancelled
    assert december[date(2026, 12, 6)].holiday == "independence_day"
    assert not december[date(2026, 12, 13)].cancelled
    week = TimeWindow(date(2026, 11, 30), date(2026, 12, 6))
    understander = ScriptedUnderstander(
        {
            "what is on this week": Query(language="en", intent="activities", window=week),
            "mitä tällä viikolla": Query(language="fi", intent="activities", window=week),
        }
    )
    english = assistant_over(skipping, understander).answer(
        "what is on this week", now=NOW, network_id="nurmijarvi"
    )
    finnish = assistant_over(skipping, understander).answer(
        "mitä tällä viikolla", now=NOW, network_id="nurmijarvi"
    )
    title = dict(football.title)
    assert english.reply.text.startswith(
        f"No {title['en']} on Independence Day (Sunday, 6 December)."
    )
    assert finnish.reply.text.startswith(f"{title['fi']}: ei järjestetä")
    assert "(Itsenäisyyspäivä)" in finnish.reply.text.splitlines()[0]
    assert english.search is not None
    assert FOOTBALL not in {m.activity.id for m in english.search.matches}
    plain = assistant_over(demo, understander).answer(
        "what is on this week", now=NOW, network_id="nurmijarvi"
    )
    assert "Independence Day" not in plain.reply.text


def test_tarjotin_ical_writes_the_network_feed(tmp_path: Path, demo_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text(f"TARJOTIN_DATA_DIR={tmp_path}\nTARJOTIN_CATALOG_FILE={demo_path}\n")
    target = tmp_path / "nurmijarvi.ics"
    code = main(
        ["--config", str(env), "ical", "--network", "nurmijarvi", "--lang", "sv", "-o", str(target)]
    )
    assert code == 0
    calendar = Calendar.from_ical(target.read_bytes())
    assert len(calendar.walk("VEVENT")) > 5
    single = tmp_path / "one.ics"
    assert (
        main(
            [
                "--config",
                str(env),
                "ical",
                "--network",
                "nurmijarvi",
                "--activity",
                FOOTBALL,
                "-o",
                str(single),
            ]
        )
        == 0
    )
    assert {str(e["UID"]) for e in Calendar.from_ical(single.read_bytes()).walk("VEVENT")} == {
        f"{FOOTBALL}.rule0@tarjotin"
    }
    assert main(["--config", str(env), "ical", "--network", "atlantis", "-o", str(single)]) == 2
