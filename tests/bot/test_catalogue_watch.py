"""A running bot notices re-imports and volunteers' changes made by another process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from bot.catalogue_watch import CatalogueWatcher, catalogue_diff
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from catalog.model import ActivityId, Catalogue, OccurrenceChange


def edited(demo: Catalogue) -> tuple[Catalogue, str, str, str]:
    """Change one activity's title, withdraw another, add a copy under a new id."""
    first, second = demo.activities[0], demo.activities[1]
    retitled = replace(first, title=(("fi", "Uusi nimi"),))
    added = replace(second, id=ActivityId("uusi-toiminta"))
    activities = (retitled, *demo.activities[2:], added)
    return replace(demo, activities=activities), first.id, second.id, added.id


class RecordingPlanner:
    def __init__(self) -> None:
        self.replanned: list[set[str]] = []
        self.announced: list[set[str]] = []

    async def replan_activities(self, activity_ids: Iterable[ActivityId]) -> object:
        self.replanned.append(set(activity_ids))
        return None

    async def announce(self, new_ids: Iterable[ActivityId]) -> int:
        self.announced.append(set(new_ids))
        return len(self.announced[-1])


def test_diff_names_changed_added_and_withdrawn(demo: Catalogue) -> None:
    new, changed, removed, added = edited(demo)
    cancelled = next(a for a in demo.activities[2:] if a.schedule)
    move = OccurrenceChange(cancelled.id, cancelled.schedule[0].start, cancelled=True)
    diff = catalogue_diff(demo, new, [], [move])
    assert diff.changed == {changed, cancelled.id}
    assert diff.removed == {removed}
    assert diff.added == {added}


async def test_watcher_swaps_and_replans_after_an_import_elsewhere(
    demo: Catalogue, tmp_path: Path
) -> None:
    database = await Database.open(database_url(tmp_path, None))
    try:
        store = CatalogStore(database.sessions)
        await store.apply(demo)
        swapped: list[Catalogue] = []
        planner = RecordingPlanner()

        async def load() -> tuple[Catalogue, list[OccurrenceChange]]:
            return await store.load(), await store.occurrence_changes()

        watcher = CatalogueWatcher(
            store.fingerprint, load, lambda c, _ch: swapped.append(c), (demo, []), planner
        )
        assert await watcher.check() is None  # first look: the baseline
        assert await watcher.check() is None  # nothing happened
        new, changed, removed, added = edited(demo)
        await store.apply(new)  # as `tarjotin import` in another process would
        diff = await watcher.check()
        assert diff is not None
        assert swapped == [new]
        assert planner.replanned == [{changed, removed}]
        assert planner.announced == [{added}]

        target = next(a for a in new.activities if a.schedule)
        change = OccurrenceChange(target.id, target.schedule[0].start, cancelled=True)
        await store.set_occurrence_change(change, changed_by=None)
        diff = await watcher.check()
        assert diff is not None
        assert diff.changed == {target.id}
        assert await watcher.check() is None
    finally:
        await database.close()


async def test_a_failing_check_does_not_stop_the_watch(demo: Catalogue) -> None:
    calls = 0
    stop = asyncio.Event()

    async def fingerprint() -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            stop.set()
        raise OSError("database unreachable")

    async def load() -> tuple[Catalogue, list[OccurrenceChange]]:
        raise AssertionError("not reached")

    watcher = CatalogueWatcher(fingerprint, load, lambda c, ch: None, (demo, []), None, 0.01)
    await watcher.run(stop)
    assert calls == 2
