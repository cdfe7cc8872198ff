"""A volunteer's change committed through a unit of work is answerable at once in the bot.

The unit's commit hook is the catalogue watcher's ``check`` (as :mod:`bot.bootstrap` wires it),
so the change is reloaded in this process at once. The clock is fixed inside the demo
catalogue's season, so the test does not depend on today's date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import App, LiveAssistant, build_app, build_runtime, ensure_catalogue
from bot.config import Settings
from bot.storage.unit_of_work import SqlUnitsOfWork
from catalog.model import ActivityId, OccurrenceChange, OneOffDate
from handlers.core.events import UserId

VOLUNTEER = UserId("telegram:300")
CLUB = ActivityId("louhela-kielikahvila")
ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZONE)


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[tuple[App, LiveAssistant, SqlUnitsOfWork]]:
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        catalogue = await ensure_catalogue(app, quiet=True)
        runtime = await build_runtime(app, catalogue, clock=lambda: NOW)
        yield (
            app,
            runtime.live,
            SqlUnitsOfWork(app.database.sessions, on_catalogue_changed=runtime.watcher.check),
        )
    finally:
        await app.close()


async def test_a_cancelled_session_disappears_from_answers_at_once(
    wired: tuple[App, LiveAssistant, SqlUnitsOfWork],
) -> None:
    app, live, units = wired
    now = NOW
    before = live().matcher.occurrences.next_for(CLUB, now)
    assert before is not None
    change = OccurrenceChange(CLUB, before.original_start, cancelled=True, reason="illness")
    async with units() as unit:
        await unit.catalogue.change_occurrence(change, VOLUNTEER)
        await unit.commit()
    after = live().matcher.occurrences.next_for(CLUB, now)
    assert after is not None
    assert after.start > before.start
    assert await app.catalog_store.occurrence_changes() == [change]


async def test_an_added_date_and_event_are_found_at_once(
    wired: tuple[App, LiveAssistant, SqlUnitsOfWork],
) -> None:
    _app, live, units = wired
    catalogue = live().catalogue
    zone = ZONE
    tomorrow = (NOW + timedelta(days=1)).replace(
        hour=20, minute=0, second=0, microsecond=0, tzinfo=None
    )
    when = OneOffDate(tomorrow, tomorrow + timedelta(hours=1))
    async with units() as unit:
        await unit.catalogue.add_date(CLUB, when, VOLUNTEER)
        await unit.commit()
    club = live().catalogue.activity(CLUB)
    assert club is not None
    assert when in club.dates
    found = live().matcher.occurrences.next_for(CLUB, tomorrow.replace(tzinfo=zone))
    assert found is not None
    assert found.original_start == tomorrow
    template = catalogue.activity(CLUB)
    assert template is not None
    new = replace(
        template,
        id=ActivityId("louhela-joulujuhla"),
        klass="participation",
        kinds=("recreation",),  # what a volunteer picks for a party
        title=(("fi", "Joulujuhla Louhelassa"),),
        description=(),
        schedule=(),
        dates=(when,),
    )
    async with units() as unit:
        await unit.catalogue.add_activity(new, VOLUNTEER)
        await unit.commit()
    assert live().catalogue.activity(new.id) == new
    answer = live().answer("joulujuhla", now=NOW, network_id="nurmijarvi", saved_language="fi")
    assert answer.search is not None
    assert new.id in [m.activity.id for m in answer.search.matches]
