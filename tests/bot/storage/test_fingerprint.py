"""The catalogue fingerprint moves with every import and every occurrence change."""

from __future__ import annotations

from dataclasses import replace

from bot.storage.catalog_store import CatalogStore
from catalog.model import Catalogue, OccurrenceChange


async def test_fingerprint_moves_on_import_and_on_change(
    store: CatalogStore, demo: Catalogue
) -> None:
    await store.apply(demo)
    first = await store.fingerprint()
    assert await store.fingerprint() == first
    await store.apply(replace(demo, activities=demo.activities[:-1]))
    second = await store.fingerprint()
    assert second != first
    target = next(a for a in demo.activities if a.schedule)
    await store.set_occurrence_change(
        OccurrenceChange(target.id, target.schedule[0].start, cancelled=True), changed_by=None
    )
    assert await store.fingerprint() != second
