"""A volunteer's change through the stored editor is answerable at once in the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import App, LiveAssistant, build_app, build_conversation
from bot.catalogue_edit import StoredCatalogueEditor
from bot.config import Settings
from catalog.model import ActivityId, OccurrenceChange, OneOffDate
from handlers.events import UserId

VOLUNTEER = UserId("telegram:300")
CLUB = ActivityId("louhela-kielikahvila")


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[tuple[App, LiveAssistant, StoredCatalogueEditor]]:
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        _conversation, live, parts = await build_conversation(app, with_reminders=True)
        assert parts is not None
        assert parts.people is not None
        yield app, live, StoredCatalogueEditor(app.catalog_store, parts.people.watcher)
    finally:
        await app.close()


async def test_a_cancelled_session_disappears_from_answers_at_once(
    wired: tuple[App, LiveAssistant, StoredCatalogueEditor],
) -> None:
    app, live, editor = wired
    zone = ZoneInfo(live().catalogue.timezone)
    now = datetime.now(zone)
    before = live().matcher.occurrences.next_for(CLUB, now)
    assert before is not None
    change = OccurrenceChange(CLUB, before.original_start, cancelled=True, reason="illness")
    await editor.change_occurrence(change, VOLUNTEER)
    after = live().matcher.occurrences.next_for(CLUB, now)
    assert after is not None
    assert after.start > before.start
    assert await app.catalog_store.occurrence_changes() == [change]


async def test_an_added_date_and_event_are_found_at_once(
    wired: tuple[App, LiveAssistant, StoredCatalogueEditor],
) -> None:
    _app, live, editor = wired
    catalogue = live().catalogue
    zone = ZoneInfo(catalogue.timezone)
    tomorrow = (datetime.now(zone) + timedelta(days=1)).replace(
        hour=20, minute=0, second=0, microsecond=0, tzinfo=None
    )
    when = OneOffDate(tomorrow, tomorrow + timedelta(hours=1))
    await editor.add_date(CLUB, when, VOLUNTEER)
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
    await editor.add_activity(new, VOLUNTEER)
    assert live().catalogue.activity(new.id) == new
    answer = live().answer(
        "joulujuhla", now=datetime.now(zone), network_id="nurmijarvi", saved_language="fi"
    )
    assert answer.search is not None
    assert new.id in [m.activity.id for m in answer.search.matches]
