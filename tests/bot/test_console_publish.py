"""A change published in the keepers' console is answered at once, as an import would be.

The console's ``on_published`` is the catalogue watcher's ``check`` (``bot/console_wiring``),
so the bot swaps in the new catalogue, re-plans reminders and tells kind subscribers of a new
activity in the same process. The clock is fixed inside the demo catalogue's season.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import App, Runtime, build_app, build_runtime, ensure_catalogue
from bot.config import Settings
from bot.console_wiring import build_console
from bot.storage.console import SqlConsoleStore
from bot.storage.outbox import SqlOutbox
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.staff import SqlStaffStore
from catalog.model import ActivityId
from handlers.coordination.console.forms import form_of
from handlers.coordination.console.service import Console, Saved
from handlers.coordination.permissions import Invite, Role
from handlers.core.events import ChatId, UserId
from handlers.core.i18n import Translator
from handlers.newcomers.reminder_timing import Subscription

ORGANISER = UserId("telegram:500")
NEWCOMER = UserId("telegram:600")
CLUB = ActivityId("louhela-kielikahvila")
ORGANISATION = "setlementti-louhela"
ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZONE)  # a Tuesday
ARABIC = "مقهى لغة مريح لممارسة التحدث باللغة الفنلندية."
SPEAKER = Translator().speaker("en")


@dataclass
class Wired:
    app: App
    runtime: Runtime
    console: Console


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[Wired]:
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        catalogue = await ensure_catalogue(app, quiet=True)
        runtime = await build_runtime(app, catalogue, clock=lambda: NOW)
        staff = SqlStaffStore(app.database.sessions)
        invite = Invite(
            "CODE-1", Role.ORGANISER, ORGANISATION, UserId("x"), NOW, NOW + timedelta(1)
        )
        await staff.create_invite(invite)
        assert await staff.redeem("CODE-1", ORGANISER, NOW) is not None
        await SqlConsoleStore(app.database.sessions).set_trusted(
            ORGANISATION, True, UserId("telegram:1"), NOW
        )
        yield Wired(app, runtime, build_console(app, runtime))
    finally:
        await app.close()


async def test_a_published_arabic_description_and_new_time_are_answered_at_once(
    wired: Wired,
) -> None:
    club = wired.runtime.live().catalogue.activity(CLUB)
    assert club is not None
    form = form_of(club)
    moved = replace(form.schedule[0], weekday="WE", start="18:00", end="19:30")
    edited = replace(form, descriptions={**form.descriptions, "ar": ARABIC}, schedule=(moved,))
    saved = await wired.console.save(ORGANISER, ORGANISATION, CLUB, edited, SPEAKER)
    assert isinstance(saved, Saved)
    assert saved.published
    live = wired.runtime.live()
    published = live.catalogue.activity(CLUB)
    assert published is not None
    assert ("ar", ARABIC) in published.description
    following = live.matcher.occurrences.next_for(CLUB, NOW)
    assert following is not None
    assert (following.start.weekday(), following.start.hour) == (2, 18)
    answer = live.answer("مقهى اللغة", now=NOW, network_id="nurmijarvi")
    assert answer.search is not None
    assert answer.search.matches[0].activity.id == CLUB
    assert "الأربعاء، 25 نوفمبر" in answer.reply.text  # Wednesday, the new day
    assert "6:00 م" in answer.reply.text  # 18:00, the new time
    exported = await wired.app.catalog_store.load()
    assert exported.activity(CLUB) == published  # the one store: what export writes


async def test_a_new_activity_is_announced_to_kind_subscribers(wired: Wired) -> None:
    sessions = wired.app.database.sessions
    chat = ChatId("telegram:600")
    await SqlSubscriptionStore(sessions).add(
        Subscription(NEWCOMER, chat, NOW, kind="language_club", network="nurmijarvi")
    )
    club = wired.runtime.live().catalogue.activity(CLUB)
    assert club is not None
    form = replace(form_of(club), titles={"fi": "Toinen kielikahvila"})
    saved = await wired.console.save(ORGANISER, ORGANISATION, None, form, SPEAKER)
    assert isinstance(saved, Saved)
    assert saved.published
    assert wired.runtime.live().catalogue.activity("toinen-kielikahvila") is not None
    claimed = await SqlOutbox(sessions).claim("telegram", NOW, 100, "t", timedelta(minutes=1))
    assert [m.user for m in claimed if "toinen-kielikahvila" in m.key] == [NEWCOMER]
