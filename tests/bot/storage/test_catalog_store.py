"""The catalogue repository on a real database: import, load, withdraw, restore, changes."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.catalog_store import (
    CatalogStore,
    CatalogueMissingError,
    RecordCounts,
    UnknownRecordError,
)
from bot.storage.database import Database
from bot.storage.models import Base
from catalog.export import export_text
from catalog.model import (
    ActivityId,
    Catalogue,
    NetworkId,
    OccurrenceChange,
    OrganisationId,
    PlaceId,
)
from catalog.parse import load_catalogue
from tests.bot.storage.catalogues import full_activity, full_catalogue, minimal_activity

DEMO = Path(__file__).parents[3] / "catalog" / "data" / "demo-catalog.yaml"


async def _row_counts(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {
            name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


def _without_activity(catalogue: Catalogue, activity_id: str) -> Catalogue:
    kept = tuple(a for a in catalogue.activities if a.id != activity_id)
    return replace(catalogue, activities=kept)


# --- empty database -----------------------------------------------------------------------------


async def test_a_new_database_is_empty_and_has_nothing_to_load(store: CatalogStore) -> None:
    assert await store.is_empty()
    with pytest.raises(CatalogueMissingError):
        await store.load()


async def test_after_an_import_the_database_is_not_empty(store: CatalogStore) -> None:
    await store.apply(full_catalogue())
    assert not await store.is_empty()


# --- round trips --------------------------------------------------------------------------------


async def test_load_returns_exactly_what_was_applied(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    summary = await store.apply(catalogue)
    assert await store.load() == catalogue
    assert summary.activities == RecordCounts(added=len(catalogue.activities))
    assert summary.networks == RecordCounts(added=len(catalogue.networks))


async def test_language_order_within_a_text_is_kept(store: CatalogStore) -> None:
    await store.apply(full_catalogue())
    loaded = await store.load()
    assert [lang for lang, _ in loaded.activities[0].title] == ["sv", "fi", "ar"]


async def test_demo_catalogue_round_trips_and_exports_the_same_bytes(store: CatalogStore) -> None:
    parsed = load_catalogue(DEMO)
    await store.apply(parsed)
    loaded = await store.load()
    assert loaded == parsed
    exported = export_text(loaded)
    await store.apply(loaded)
    assert export_text(await store.load()) == exported


# --- re-imports ---------------------------------------------------------------------------------


async def test_reapplying_the_same_file_changes_nothing(
    store: CatalogStore, database: Database
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    rows_before = await _row_counts(database)
    summary = await store.apply(catalogue)
    assert not summary.changed
    assert summary.activities == RecordCounts(unchanged=len(catalogue.activities))
    assert await _row_counts(database) == rows_before
    assert await store.load() == catalogue


async def test_a_changed_record_is_updated_without_leaving_old_child_rows(
    store: CatalogStore,
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    activity = catalogue.activities[0]
    changed = replace(
        activity,
        title=(("en", "Language café"),),
        schedule=activity.schedule[1:],
        kinds=("language_club",),
        contact=None,
        age=None,
    )
    new = replace(catalogue, activities=(changed, *catalogue.activities[1:]))
    summary = await store.apply(new)
    assert summary.activities == RecordCounts(updated=1, unchanged=len(catalogue.activities) - 1)
    assert await store.load() == new


async def test_reordering_the_file_reorders_the_catalogue(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    reordered = replace(
        catalogue,
        activities=tuple(reversed(catalogue.activities)),
        places=tuple(reversed(catalogue.places)),
    )
    summary = await store.apply(reordered)
    assert summary.activities.unchanged == len(catalogue.activities)
    assert await store.load() == reordered


async def test_a_new_time_zone_is_stored_and_reported(store: CatalogStore) -> None:
    await store.apply(full_catalogue())
    summary = await store.apply(replace(full_catalogue(), timezone="Europe/Stockholm"))
    assert summary.timezone_changed
    assert (await store.load()).timezone == "Europe/Stockholm"


# --- withdraw and restore -----------------------------------------------------------------------


async def test_a_missing_activity_is_withdrawn_and_restored_with_its_changes(
    store: CatalogStore, database: Database
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    start = catalogue.activities[0].schedule[0].start
    change = OccurrenceChange(ActivityId("kielikahvila"), start, cancelled=True, reason="Sick")
    await store.set_occurrence_change(change, changed_by="volunteer-1")

    summary = await store.apply(_without_activity(catalogue, "kielikahvila"))
    assert summary.activities.withdrawn == 1
    loaded = await store.load()
    assert loaded.activity("kielikahvila") is None
    assert await store.occurrence_changes() == []
    assert (await _row_counts(database))["occurrence_changes"] == 1
    with pytest.raises(UnknownRecordError):
        await store.set_occurrence_change(replace(change, reason="Changed"), changed_by=None)

    summary = await store.apply(catalogue)
    assert summary.activities == RecordCounts(restored=1, unchanged=len(catalogue.activities) - 1)
    assert await store.load() == catalogue
    assert await store.occurrence_changes() == [change]


async def test_a_withdrawn_record_can_come_back_changed(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    await store.apply(_without_activity(catalogue, "kielikahvila"))
    back = replace(full_activity(), title=(("fi", "Uusi nimi"),))
    new = replace(catalogue, activities=(*catalogue.activities[1:], back))
    summary = await store.apply(new)
    assert summary.activities.restored == 1
    assert await store.load() == new


async def test_withdrawn_places_organisations_and_networks_disappear(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    smaller = Catalogue(
        timezone=catalogue.timezone,
        networks=catalogue.networks[1:],
        organisations=(replace(catalogue.organisations[1], networks=(NetworkId("hameenlinna"),)),),
        places=(),
        activities=(minimal_activity("ystavatoiminta"),),
    )
    summary = await store.apply(smaller)
    assert summary.networks.withdrawn == 1
    assert summary.organisations.withdrawn == 1
    assert summary.places.withdrawn == 2
    assert summary.activities.withdrawn == 3
    assert await store.load() == smaller


async def test_successive_random_files_always_load_as_applied(store: CatalogStore) -> None:
    demo = load_catalogue(DEMO)
    rng = random.Random(20260818)
    for round_number in range(6):
        activities = rng.sample(demo.activities, k=rng.randint(1, len(demo.activities)))
        renamed = rng.sample(range(len(activities)), k=min(3, len(activities)))
        for index in renamed:
            title = (("fi", f"Kierros {round_number}"), *activities[index].title[1:])
            activities[index] = replace(activities[index], title=title)
        places = list(demo.places)
        rng.shuffle(places)
        catalogue = replace(demo, activities=tuple(activities), places=tuple(places))
        await store.apply(catalogue)
        assert await store.load() == catalogue, f"round {round_number}"


# --- atomicity ----------------------------------------------------------------------------------


async def test_a_failing_import_leaves_the_database_as_it_was(
    store: CatalogStore, database: Database
) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    rows_before = await _row_counts(database)
    broken_activity = replace(
        minimal_activity("orpo"), organisation=OrganisationId("no-such-organisation")
    )
    broken = Catalogue(
        timezone="Europe/Stockholm",
        networks=(replace(catalogue.networks[0], name=(("fi", "Uusi nimi"),)),),
        organisations=catalogue.organisations[:1],
        places=catalogue.places,
        activities=(*catalogue.activities[1:], broken_activity),
    )
    with pytest.raises(IntegrityError):
        await store.apply(broken)
    assert await store.load() == catalogue
    assert await _row_counts(database) == rows_before


async def test_concurrent_imports_both_succeed_one_after_the_other(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    first = _without_activity(catalogue, "lapset")
    second = replace(catalogue, activities=tuple(reversed(catalogue.activities)))
    await asyncio.gather(store.apply(first), store.apply(second))
    assert await store.load() in (first, second)


# --- occurrence changes -------------------------------------------------------------------------


async def test_occurrence_changes_round_trip_and_replace_by_original_start(
    store: CatalogStore,
) -> None:
    await store.apply(full_catalogue())
    first = datetime(2026, 8, 25, 17, 0)
    second = datetime(2026, 9, 1, 17, 0)
    moved = OccurrenceChange(
        activity=ActivityId("kielikahvila"),
        original_start=second,
        new_start=datetime(2026, 9, 2, 18, 0),
        new_end=datetime(2026, 9, 2, 19, 30),
        new_place=PlaceId("verkossa"),
        reason="Library closed",
    )
    cancelled = OccurrenceChange(ActivityId("kielikahvila"), first, cancelled=True)
    other = OccurrenceChange(ActivityId("lapset"), datetime(2026, 9, 1, 9, 0), cancelled=True)
    await store.set_occurrence_change(other, changed_by=None)
    await store.set_occurrence_change(moved, changed_by="volunteer-1")
    await store.set_occurrence_change(cancelled, changed_by="volunteer-2")
    # Catalogue order of activities, then original start.
    assert await store.occurrence_changes() == [cancelled, moved, other]

    uncancelled = replace(cancelled, cancelled=False, new_start=datetime(2026, 8, 25, 18, 0))
    await store.set_occurrence_change(uncancelled, changed_by="volunteer-1")
    assert await store.occurrence_changes() == [uncancelled, moved, other]


async def test_clearing_an_occurrence_change(store: CatalogStore) -> None:
    await store.apply(full_catalogue())
    start = datetime(2026, 8, 25, 17, 0)
    await store.set_occurrence_change(
        OccurrenceChange(ActivityId("kielikahvila"), start, cancelled=True), changed_by=None
    )
    assert await store.clear_occurrence_change(ActivityId("kielikahvila"), start)
    assert await store.occurrence_changes() == []
    assert not await store.clear_occurrence_change(ActivityId("kielikahvila"), start)


async def test_changes_to_unknown_activities_or_places_are_refused(store: CatalogStore) -> None:
    catalogue = full_catalogue()
    await store.apply(catalogue)
    start = datetime(2026, 8, 25, 17, 0)
    with pytest.raises(UnknownRecordError):
        await store.set_occurrence_change(
            OccurrenceChange(ActivityId("no-such-activity"), start, cancelled=True), None
        )
    with pytest.raises(UnknownRecordError):
        await store.set_occurrence_change(
            OccurrenceChange(ActivityId("kielikahvila"), start, new_place=PlaceId("nowhere")),
            None,
        )
    await store.apply(_without_activity(catalogue, "kielikahvila"))
    with pytest.raises(UnknownRecordError):
        await store.set_occurrence_change(
            OccurrenceChange(ActivityId("kielikahvila"), start, cancelled=True), None
        )
    assert await store.occurrence_changes() == []


# --- scale --------------------------------------------------------------------------------------

IMPORT_BUDGET_SECONDS = 10.0


@pytest.mark.slow
async def test_ten_thousand_activities_import_within_budget(store: CatalogStore) -> None:
    base = full_catalogue()
    activities = tuple(
        replace(full_activity(f"activity-{n}"), title=(("fi", f"Toiminta {n}"),))
        for n in range(10_000)
    )
    catalogue = replace(base, activities=activities)
    started = time.perf_counter()
    summary = await store.apply(catalogue)
    elapsed = time.perf_counter() - started
    assert summary.activities.added == len(activities)
    assert elapsed < IMPORT_BUDGET_SECONDS
    assert await store.load() == catalogue
