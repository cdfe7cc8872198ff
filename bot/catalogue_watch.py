"""Noticing, in a running bot, a catalogue re-import or a volunteer's change made elsewhere.

``tarjotin import`` runs in its own process; the bot notices the new catalogue version by
polling a cheap fingerprint (when the catalogue was last imported, the newest occurrence
change), then swaps in a new assistant and tells the reminder planner exactly which
activities changed, were withdrawn or are new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from catalog.model import ActivityId, Catalogue, OccurrenceChange

log = logging.getLogger(__name__)


class Replanner(Protocol):
    """What the watcher tells when activities change (the reminder planner)."""

    async def replan_activities(self, activity_ids: Iterable[ActivityId]) -> object:
        """Re-plan reminders of these activities."""

    async def announce(self, new_ids: Iterable[ActivityId]) -> int:
        """Tell kind subscribers about new activities."""


@dataclass(frozen=True, slots=True)
class CatalogueDiff:
    """How one catalogue version differs from the one before."""

    changed: frozenset[ActivityId]
    added: frozenset[ActivityId]
    removed: frozenset[ActivityId]


def catalogue_diff(
    old: Catalogue,
    new: Catalogue,
    old_changes: Iterable[OccurrenceChange],
    new_changes: Iterable[OccurrenceChange],
) -> CatalogueDiff:
    """Activities whose definition or occurrence changes differ, and those added or removed."""
    before = {a.id: a for a in old.activities}
    after = {a.id: a for a in new.activities}
    changes_before = set(old_changes)
    changes_after = set(new_changes)
    moved = {c.activity for c in changes_before ^ changes_after}
    changed = {i for i in before.keys() & after.keys() if before[i] != after[i]}
    changed |= moved & before.keys() & after.keys()
    if old.timezone != new.timezone:
        changed |= before.keys() & after.keys()
    return CatalogueDiff(
        frozenset(changed),
        frozenset(after.keys() - before.keys()),
        frozenset(before.keys() - after.keys()),
    )


Fingerprint = Callable[[], Awaitable[str]]
Loader = Callable[[], Awaitable[tuple[Catalogue, list[OccurrenceChange]]]]
Swap = Callable[[Catalogue, list[OccurrenceChange]], None]


class CatalogueWatcher:
    """Polls the catalogue's fingerprint; on a change, swaps the assistant and re-plans."""

    def __init__(
        self,
        fingerprint: Fingerprint,
        load: Loader,
        swap: Swap,
        current: tuple[Catalogue, list[OccurrenceChange]],
        replanner: Replanner | None = None,
        interval: float = 30.0,
    ) -> None:
        self.fingerprint = fingerprint
        self.load = load
        self.swap = swap
        self.current = current
        self.replanner = replanner
        self.interval = interval
        self.seen: str | None = None
        #: Catalogue changes picked up since the start (imports, edits by volunteers).
        self.reloads = 0

    async def check(self) -> CatalogueDiff | None:
        """Look once; returns what changed, or ``None`` when nothing did."""
        version = await self.fingerprint()
        if self.seen is None:
            self.seen = version
            return None
        if version == self.seen:
            return None
        catalogue, changes = await self.load()
        diff = catalogue_diff(self.current[0], catalogue, self.current[1], changes)
        self.swap(catalogue, changes)
        self.current = (catalogue, changes)
        self.seen = version
        self.reloads += 1
        if self.replanner is not None:
            await self.replanner.replan_activities(diff.changed | diff.removed)
            await self.replanner.announce(diff.added)
        log.info(
            "catalogue reloaded: %d changed, %d added, %d withdrawn",
            len(diff.changed),
            len(diff.added),
            len(diff.removed),
        )
        return diff

    async def run(self, stop: asyncio.Event) -> None:
        """Check every ``interval`` seconds until ``stop``; a failed check is retried later."""
        while not stop.is_set():
            try:
                await self.check()
            except Exception:  # a database hiccup must not stop the bot
                log.exception("catalogue check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
