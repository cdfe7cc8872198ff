"""Volunteers' changes to the catalogue: stored, then visible to questions at once.

The store records the change (with who made it); the catalogue watcher then reloads the
catalogue in this process right away instead of at its next poll, swaps in a new assistant
and re-plans the reminders of exactly the changed activities. Other processes notice the
same change through the fingerprint, as for an import.
"""

from __future__ import annotations

from bot.catalogue_watch import CatalogueWatcher
from bot.storage.catalog_store import CatalogStore
from catalog.model import Activity, ActivityId, OccurrenceChange, OneOffDate
from handlers.events import UserId


class StoredCatalogueEditor:
    """The :class:`~handlers.ports.CatalogueEditor` over the catalogue store and its watcher."""

    def __init__(self, store: CatalogStore, watcher: CatalogueWatcher) -> None:
        self.store = store
        self.watcher = watcher

    async def change_occurrence(self, change: OccurrenceChange, by: UserId) -> None:
        """Cancel or move one session, then reload."""
        await self.store.set_occurrence_change(change, str(by))
        await self.watcher.check()

    async def add_date(self, activity: ActivityId, when: OneOffDate, by: UserId) -> None:
        """Add a one-off session to an activity, then reload."""
        await self.store.add_date(activity, when, str(by))
        await self.watcher.check()

    async def add_activity(self, activity: Activity, by: UserId) -> None:
        """Add a new event, then reload."""
        await self.store.add_activity(activity, str(by))
        await self.watcher.check()
