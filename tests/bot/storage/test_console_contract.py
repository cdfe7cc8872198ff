"""One contract for the keepers' console's store: SQL (SQLite, PostgreSQL) and the fake agree.

Drafts, publication into the one catalogue (with the import's checks, all or nothing),
returning with a comment, withdrawal, trusted organisations and the audit trail are read
back only through the port and the catalogue each side keeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.catalog_store import CatalogStore
from bot.storage.console import SqlConsoleStore
from catalog.model import Catalogue, OrganisationId, Place, PlaceId
from handlers.coordination.console.diff import from_compact
from handlers.coordination.console.drafts import (
    AuditAction,
    DraftAction,
    DraftState,
    PublishError,
    new_draft,
)
from handlers.core.events import UserId
from handlers.core.ports import ConsoleStore
from tests.bot.storage.catalogues import full_catalogue, minimal_activity
from tests.bot.storage.conftest import backend_database
from tests.fakes import InMemoryCatalogueEditor, InMemoryConsole

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
ORGANISER = UserId("telegram:1001")
COORDINATOR = UserId("telegram:7777")


@dataclass
class Side:
    """One implementation: its console store and how to read its catalogue on offer."""

    store: ConsoleStore
    load: Callable[[], Awaitable[Catalogue]]


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
async def side(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Side]:
    """Each implementation, over the same catalogue."""
    if request.param == "fake":
        editor = InMemoryCatalogueEditor(full_catalogue())

        async def load_fake() -> Catalogue:
            return editor.catalogue

        yield Side(InMemoryConsole(editor), load_fake)
        return
    async with backend_database(request.param, tmp_path) as database:
        catalog = CatalogStore(database.sessions)
        await catalog.apply(full_catalogue())
        yield Side(SqlConsoleStore(database.sessions), catalog.load)


async def test_a_draft_is_stored_listed_and_read_back(side: Side) -> None:
    activity = full_catalogue().activities[0]
    draft = await side.store.save_draft(new_draft(activity, ORGANISER, NOW), '[["x","",""]]')
    assert draft.id is not None
    assert await side.store.draft(draft.id) == draft
    assert draft.activity == activity
    assert await side.store.drafts(["seurakunta"]) == [draft]
    assert await side.store.drafts(["yhdistys"]) == []
    assert await side.store.drafts(["seurakunta"], (DraftState.PUBLISHED,)) == []
    assert await side.store.draft(draft.id + 100) is None


async def test_publishing_changes_the_catalogue_and_writes_the_audit(side: Side) -> None:
    before = (await side.load()).activity("kielikahvila")
    assert before is not None
    description = (*before.description, ("ar", "تحدث الفنلندية"))
    edited = replace(before, description=description)
    draft = await side.store.save_draft(new_draft(edited, ORGANISER, NOW))
    assert draft.id is not None
    later = NOW + timedelta(hours=1)
    published = await side.store.publish(draft.id, COORDINATOR, later)
    assert published.state is DraftState.PUBLISHED
    after = (await side.load()).activity("kielikahvila")
    assert after is not None
    assert ("ar", "تحدث الفنلندية") in after.description
    stored = await side.store.draft(draft.id)
    assert stored is not None
    assert stored.state is DraftState.PUBLISHED
    trail = await side.store.audit("kielikahvila")
    assert [line.action for line in trail] == [AuditAction.DRAFTED, AuditAction.PUBLISHED]
    assert trail[1].actor == COORDINATOR
    assert trail[1].at == later
    assert [c.field for c in from_compact(trail[1].diff)] == ["description.ar"]
    with pytest.raises(PublishError):  # once only
        await side.store.publish(draft.id, COORDINATOR, later)


async def test_a_draft_the_import_would_refuse_changes_nothing(side: Side) -> None:
    before = await side.load()
    activity = before.activities[0]
    broken = replace(activity, place=PlaceId("nowhere"))
    draft = await side.store.save_draft(new_draft(broken, ORGANISER, NOW))
    assert draft.id is not None
    with pytest.raises(PublishError) as refused:
        await side.store.publish(draft.id, COORDINATOR, NOW)
    assert any("nowhere" in problem for problem in refused.value.problems)
    assert await side.load() == before
    stored = await side.store.draft(draft.id)
    assert stored is not None
    assert stored.state is DraftState.DRAFT
    assert [line.action for line in await side.store.audit(activity.id)] == [AuditAction.DRAFTED]


async def test_a_draft_cannot_take_another_organisations_activity(side: Side) -> None:
    before = await side.load()
    theirs = before.activity("ystavatoiminta")  # yhdistys's
    assert theirs is not None
    taken = replace(theirs, organisation=OrganisationId("seurakunta"))
    draft = await side.store.save_draft(new_draft(taken, ORGANISER, NOW))
    assert draft.id is not None
    with pytest.raises(PublishError):
        await side.store.publish(draft.id, COORDINATOR, NOW)
    assert await side.load() == before


async def test_a_new_activity_with_a_new_place_is_published(side: Side) -> None:
    place = Place(PlaceId("uusi-talo"), (("fi", "Uusi talo"),), "Hämeenlinna", address="Tie 2")
    activity = replace(minimal_activity("uusi-kerho"), place=place.id)
    draft = await side.store.save_draft(new_draft(activity, ORGANISER, NOW, place=place))
    assert draft.id is not None
    assert draft.new_place == place
    await side.store.publish(draft.id, COORDINATOR, NOW)
    catalogue = await side.load()
    assert catalogue.activity("uusi-kerho") == activity
    assert catalogue.place("uusi-talo") == place
    assert catalogue.activities[-1].id == "uusi-kerho"


async def test_a_returned_draft_keeps_the_comment_and_cannot_be_published(side: Side) -> None:
    activity = full_catalogue().activities[0]
    draft = await side.store.save_draft(new_draft(activity, ORGANISER, NOW))
    assert draft.id is not None
    returned = await side.store.return_draft(draft.id, COORDINATOR, "Lisää hinta.", NOW)
    assert returned is not None
    assert (returned.state, returned.comment) == (DraftState.RETURNED, "Lisää hinta.")
    assert await side.store.return_draft(draft.id, COORDINATOR, "again", NOW) is None
    with pytest.raises(PublishError):
        await side.store.publish(draft.id, COORDINATOR, NOW)
    assert await side.store.drafts(["seurakunta"]) == []
    assert await side.store.drafts(["seurakunta"], (DraftState.RETURNED,)) == [returned]
    actions = [line.action for line in await side.store.audit(activity.id)]
    assert actions == [AuditAction.DRAFTED, AuditAction.RETURNED]


async def test_a_withdrawal_takes_the_activity_off_offer(side: Side) -> None:
    activity = full_catalogue().activity("lapset")
    assert activity is not None
    draft = new_draft(activity, ORGANISER, NOW, action=DraftAction.WITHDRAW)
    stored = await side.store.save_draft(draft)
    assert stored.id is not None
    await side.store.publish(stored.id, COORDINATOR, NOW)
    assert (await side.load()).activity("lapset") is None
    again = await side.store.save_draft(draft)
    assert again.id is not None
    with pytest.raises(PublishError):
        await side.store.publish(again.id, COORDINATOR, NOW)
    assert AuditAction.WITHDRAWN in [line.action for line in await side.store.audit("lapset")]


async def test_organisations_are_trusted_and_untrusted(side: Side) -> None:
    assert await side.store.trusted() == frozenset()
    await side.store.set_trusted("yhdistys", True, COORDINATOR, NOW)
    await side.store.set_trusted("seurakunta", True, COORDINATOR, NOW)
    await side.store.set_trusted("seurakunta", False, COORDINATOR, NOW)
    assert await side.store.trusted() == frozenset({"yhdistys"})
