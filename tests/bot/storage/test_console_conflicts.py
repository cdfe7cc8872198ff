"""An import never silently overwrites a console edit; the catalogue stays one store.

The rule (``CatalogStore.apply``): an activity published or withdrawn in the keepers' console
is marked until a file agrees with it. While marked, an import keeps the console's version
(or keeps it withdrawn) and lists a conflict; ``overwrite_console`` lets the file win.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.import_report import summary_text
from bot.storage.catalog_store import CatalogStore, ConflictReason, ConsoleConflict
from bot.storage.console import SqlConsoleStore
from bot.storage.database import Database
from catalog.export import export_text
from catalog.model import Activity, Catalogue, OccurrenceChange
from handlers.coordination.console.drafts import DraftAction, new_draft
from handlers.core.events import UserId
from handlers.core.i18n import Translator
from tests.bot.storage.catalogues import full_catalogue, minimal_activity

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
COORDINATOR = UserId("telegram:7777")


async def _publish(database: Database, activity: Activity, action: DraftAction) -> None:
    console = SqlConsoleStore(database.sessions)
    draft = await console.save_draft(new_draft(activity, COORDINATOR, NOW, action=action))
    assert draft.id is not None
    await console.publish(draft.id, COORDINATOR, NOW)


def _edited(catalogue: Catalogue) -> Activity:
    first = catalogue.activities[0]
    return replace(first, description=(*first.description, ("ar", "وصف")))


async def test_an_import_keeps_a_newer_console_edit_and_says_so(
    store: CatalogStore, database: Database
) -> None:
    original = full_catalogue()
    await store.apply(original)
    await _publish(database, _edited(original), DraftAction.EDIT)
    dry = await store.apply(original, dry_run=True)
    summary = await store.apply(original)
    conflict = ConsoleConflict("kielikahvila", ConflictReason.CHANGED, kept=True)
    assert dry.conflicts == summary.conflicts == (conflict,)
    assert summary.activities.updated == 0
    assert (await store.load()).activity("kielikahvila") == _edited(original)
    text = summary_text(summary, "tray.yaml", original.timezone, Translator().speaker("en"))
    assert "kielikahvila: kept as changed in the console" in text
    assert "--overwrite-console" in text


async def test_overwrite_lets_the_file_win_once(store: CatalogStore, database: Database) -> None:
    original = full_catalogue()
    await store.apply(original)
    await _publish(database, _edited(original), DraftAction.EDIT)
    summary = await store.apply(original, overwrite_console=True)
    assert summary.conflicts == (
        ConsoleConflict("kielikahvila", ConflictReason.CHANGED, kept=False),
    )
    assert (await store.load()).activity("kielikahvila") == original.activities[0]
    assert (await store.apply(original)).conflicts == ()


async def test_a_file_exported_after_the_edit_agrees_and_clears_the_mark(
    store: CatalogStore, database: Database
) -> None:
    original = full_catalogue()
    await store.apply(original)
    await _publish(database, _edited(original), DraftAction.EDIT)
    exported = await store.load()
    assert "وصف" in export_text(exported)  # the one store: export shows the console's edit
    assert (await store.apply(exported)).conflicts == ()
    summary = await store.apply(original)  # the mark is gone: the file wins again
    assert summary.conflicts == ()
    assert (await store.load()).activity("kielikahvila") == original.activities[0]


async def test_an_activity_added_in_the_console_is_not_withdrawn_by_a_file_without_it(
    store: CatalogStore, database: Database
) -> None:
    original = full_catalogue()
    await store.apply(original)
    added = minimal_activity("uusi-kerho")
    await _publish(database, added, DraftAction.EDIT)
    summary = await store.apply(original)
    assert summary.conflicts == (ConsoleConflict("uusi-kerho", ConflictReason.MISSING, True),)
    assert summary.activities.withdrawn == 0
    assert (await store.load()).activity("uusi-kerho") == added


async def test_an_activity_withdrawn_in_the_console_stays_withdrawn(
    store: CatalogStore, database: Database
) -> None:
    original = full_catalogue()
    await store.apply(original)
    await _publish(database, original.activities[0], DraftAction.WITHDRAW)
    assert (await store.load()).activity("kielikahvila") is None
    summary = await store.apply(original)
    assert summary.conflicts == (
        ConsoleConflict("kielikahvila", ConflictReason.WITHDRAWN, kept=True),
    )
    assert (await store.load()).activity("kielikahvila") is None
    await store.apply(original, overwrite_console=True)
    assert (await store.load()).activity("kielikahvila") == original.activities[0]


async def test_volunteers_changes_stay_and_the_fingerprint_moves(
    store: CatalogStore, database: Database
) -> None:
    original = full_catalogue()
    await store.apply(original)
    first = original.activities[0]
    change = OccurrenceChange(first.id, first.schedule[0].start, cancelled=True, reason="flu")
    await store.set_occurrence_change(change, "telegram:1")
    before = await store.fingerprint()
    await _publish(database, _edited(original), DraftAction.EDIT)
    assert await store.fingerprint() != before
    await store.apply(original)
    assert await store.occurrence_changes() == [change]
