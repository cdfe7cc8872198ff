"""Volunteers' additions in the catalogue store: checked, kept apart, merged on load, exported."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.catalog_store import CatalogStore, DuplicateRecordError, UnknownRecordError
from bot.storage.database import Database, database_url
from bot.storage.models import CatalogueAdditionRow
from catalog.additions import AddedDate
from catalog.export import catalogue_to_data
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    Contact,
    OccurrenceChange,
    OneOffDate,
    OrganisationId,
    PlaceId,
)
from catalog.parse import load_catalogue, parse_document
from catalog.source import Document
from tests.bot.storage.catalogues import full_catalogue

JOULU = OneOffDate(datetime(2026, 12, 19, 17, 0), datetime(2026, 12, 19, 19, 30))
VOLUNTEER = "telegram:300"


def event(activity_id: str = "joulukonsertti", organisation: str = "yhdistys") -> Activity:
    return Activity(
        id=ActivityId(activity_id),
        organisation=OrganisationId(organisation),
        klass="participation",
        kinds=("music_culture",),
        title=(("fi", "Joulukonsertti"), ("ar", "حفل عيد الميلاد")),
        place=PlaceId("kirjasto"),
        dates=(JOULU,),
    )


async def _stored_additions(store: CatalogStore) -> tuple[list[AddedDate], list[Activity]]:
    return await store.additions()


async def test_an_added_event_is_on_offer_at_once(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    before = await store.fingerprint()
    await store.add_activity(event(), VOLUNTEER)
    loaded = await store.load()
    assert loaded.activities == (*catalogue.activities, event())
    assert await store.fingerprint() != before
    assert await _stored_additions(store) == ([], [event()])


async def test_an_added_date_joins_a_file_activity_or_an_added_event(
    store: CatalogStore,
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    target = catalogue.activities[1]
    await store.add_activity(event(), VOLUNTEER)
    before = await store.fingerprint()
    later = OneOffDate(datetime(2026, 12, 20, 12, 0), datetime(2026, 12, 20, 13, 0))
    await store.add_date(target.id, JOULU, VOLUNTEER)
    await store.add_date(ActivityId("joulukonsertti"), later, None)
    assert await store.fingerprint() != before
    loaded = await store.load()
    assert loaded.activity(target.id) == replace(target, dates=(*target.dates, JOULU))
    assert loaded.activity("joulukonsertti") == replace(event(), dates=(JOULU, later))
    dates, _ = await store.additions()
    assert dates == [AddedDate(target.id, JOULU), AddedDate(ActivityId("joulukonsertti"), later)]


async def test_refused_additions_store_nothing(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    await store.apply(replace(catalogue, activities=catalogue.activities[1:]))
    withdrawn = catalogue.activities[0].id
    await store.add_activity(event("oma"), VOLUNTEER)
    before = await store.fingerprint()
    for taken in (catalogue.activities[1].id, withdrawn, "oma"):
        with pytest.raises(DuplicateRecordError, match=taken):
            await store.add_activity(event(taken), VOLUNTEER)
    with pytest.raises(UnknownRecordError, match="lakkautettu"):
        await store.add_activity(event("uusi", organisation="lakkautettu"), VOLUNTEER)
    with pytest.raises(UnknownRecordError, match="purettu"):
        await store.add_activity(replace(event("uusi"), place=PlaceId("purettu")), VOLUNTEER)
    with pytest.raises(ValueError, match="exactly"):
        await store.add_activity(replace(event("uusi"), contact=Contact()), VOLUNTEER)
    with pytest.raises(UnknownRecordError, match=withdrawn):
        await store.add_date(withdrawn, JOULU, VOLUNTEER)
    with pytest.raises(ValueError, match="after the start"):
        await store.add_date(catalogue.activities[1].id, OneOffDate(JOULU.end, JOULU.start), None)
    assert await store.fingerprint() == before
    assert await store.additions() == ([], [event("oma")])


async def test_the_file_wins_and_additions_survive_imports(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    await store.add_activity(event(), VOLUNTEER)
    file_version = replace(event(), title=(("fi", "Tiedoston konsertti"),))
    await store.apply(replace(catalogue, activities=(*catalogue.activities, file_version)))
    assert (await store.load()).activity("joulukonsertti") == file_version
    await store.apply(catalogue)  # gone from the file: the added one is back
    assert (await store.load()).activity("joulukonsertti") == event()


async def test_an_added_event_follows_its_organisation_on_offer(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    await store.add_activity(event(), VOLUNTEER)
    without = replace(
        catalogue,
        organisations=catalogue.organisations[:1],
        activities=tuple(a for a in catalogue.activities if a.organisation != "yhdistys"),
    )
    await store.apply(without)
    assert (await store.load()).activity("joulukonsertti") is None
    with pytest.raises(UnknownRecordError):
        await store.add_date(ActivityId("joulukonsertti"), JOULU, VOLUNTEER)
    await store.apply(catalogue)
    assert (await store.load()).activity("joulukonsertti") == event()


async def test_two_volunteers_adding_one_id_at_once_get_one_event(store: CatalogStore) -> None:
    await store.apply(full_catalogue())
    attempts = [replace(event(), title=(("fi", f"Versio {n}"),)) for n in range(5)]
    results = await asyncio.gather(
        *(store.add_activity(a, VOLUNTEER) for a in attempts), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, DuplicateRecordError) for r in results if r is not None)
    _, added = await store.additions()
    assert len(added) == 1


async def test_the_loaded_catalogue_with_additions_reimports_as_itself(
    store: CatalogStore, database: Database, demo: Catalogue
) -> None:
    await store.apply(demo)
    await store.add_activity(replace(event("unelma-konsertti", "unelma"), place=None), VOLUNTEER)
    await store.add_date(demo.activities[0].id, JOULU, VOLUNTEER)
    merged = await store.load()
    exported = parse_document(Document(catalogue_to_data(merged)))
    assert exported == merged
    await store.apply(exported)
    assert await store.load() == merged
    async with database.sessions() as session:
        who = (await session.scalars(select(CatalogueAdditionRow.added_by))).all()
    assert who == [VOLUNTEER, VOLUNTEER]


def test_tarjotin_export_includes_the_additions(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo: Catalogue
) -> None:
    from bot.cli import main  # the whole application: imported only for this end-to-end test

    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(data_dir))
    assert main(["import", str(demo_path)]) == 0
    target = demo.activities[0]
    added = event("unelma-joulukonsertti", "unelma")
    added = replace(added, place=PlaceId("unelma"))

    async def add() -> None:
        database = await Database.open(database_url(data_dir, None))
        try:
            store = CatalogStore(database.sessions)
            await store.add_activity(added, VOLUNTEER)
            await store.add_date(target.id, JOULU, VOLUNTEER)
        finally:
            await database.close()

    asyncio.run(add())
    output = tmp_path / "export.yaml"
    assert main(["export", "-o", str(output)]) == 0
    exported = load_catalogue(output)
    assert exported.activity(added.id) == added
    assert exported.activity(target.id) == replace(target, dates=(*target.dates, JOULU))
    assert len(exported.activities) == len(demo.activities) + 1


async def test_a_session_of_an_added_event_can_be_cancelled_and_moved(
    store: CatalogStore,
) -> None:
    await store.apply(full_catalogue())
    await store.add_activity(event(), VOLUNTEER)
    cancelled = OccurrenceChange(ActivityId("joulukonsertti"), JOULU.start, cancelled=True)
    await store.set_occurrence_change(cancelled, VOLUNTEER)
    assert await store.occurrence_changes() == [cancelled]
    moved = OccurrenceChange(
        ActivityId("joulukonsertti"),
        JOULU.start,
        new_start=datetime(2026, 12, 20, 17, 0),
        new_end=datetime(2026, 12, 20, 19, 30),
    )
    await store.set_occurrence_change(moved, VOLUNTEER)
    assert await store.occurrence_changes() == [moved]


async def test_changes_list_offered_file_activities_before_added_events(
    store: CatalogStore,
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    await store.add_activity(event(), VOLUNTEER)
    added = OccurrenceChange(ActivityId("joulukonsertti"), JOULU.start, cancelled=True)
    first = catalogue.activities[0]
    start = first.dates[0].start if first.dates else first.schedule[0].start
    from_file = OccurrenceChange(first.id, start, cancelled=True)
    await store.set_occurrence_change(added, VOLUNTEER)
    await store.set_occurrence_change(from_file, VOLUNTEER)
    assert await store.occurrence_changes() == [from_file, added]
    with pytest.raises(UnknownRecordError):
        await store.set_occurrence_change(
            OccurrenceChange(ActivityId("ei-ole"), JOULU.start, cancelled=True), VOLUNTEER
        )
