"""The console's use cases over the fakes: drafts, review, trust, and refusals by scope."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from handlers.coordination.console.drafts import AuditAction, DraftAction, DraftState
from handlers.coordination.console.forms import form_of
from handlers.coordination.console.service import Console, NotAllowed, Saved
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.events import UserId
from handlers.core.i18n import Translator
from tests.bot.storage.catalogues import full_catalogue
from tests.fakes import FixedClock, InMemoryCatalogueEditor, InMemoryConsole, InMemoryStaff

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
ORGANISER = UserId("telegram:1")
OTHER = UserId("telegram:2")
COORDINATOR = UserId("telegram:3")
SPEAKER = Translator().speaker("en")


@dataclass
class World:
    console: Console
    editor: InMemoryCatalogueEditor
    store: InMemoryConsole
    published: list[int]


@pytest.fixture
def world() -> World:
    editor = InMemoryCatalogueEditor(full_catalogue())
    store, staff = InMemoryConsole(editor), InMemoryStaff()
    staff.grants += [
        Grant(ORGANISER, Role.ORGANISER, "seurakunta", COORDINATOR, NOW),
        Grant(OTHER, Role.ORGANISER, "yhdistys", COORDINATOR, NOW),
    ]
    published: list[int] = []

    async def on_published() -> None:
        published.append(1)

    console = Console(
        store,
        staff,
        lambda: editor.catalogue,
        {"nurmijarvi": Desk("nurmijarvi", coordinators=(COORDINATOR,))},
        FixedClock(NOW),
        on_published,
    )
    return World(console, editor, store, published)


async def test_an_organisers_change_waits_for_the_coordinator(world: World) -> None:
    activity = world.editor.catalogue.activities[0]
    form = form_of(activity)
    edited = replace(form, descriptions={**form.descriptions, "ar": "وصف"})
    saved = await world.console.save(ORGANISER, "seurakunta", activity.id, edited, SPEAKER)
    assert isinstance(saved, Saved)
    assert not saved.published
    assert world.editor.catalogue.activities[0] == activity  # nothing on offer changed
    assert world.published == []
    waiting = await world.console.pending(COORDINATOR)
    assert [d.id for d in waiting] == [saved.draft.id]
    assert await world.console.pending(ORGANISER) == []
    assert saved.draft.id is not None
    await world.console.publish(COORDINATOR, saved.draft.id)
    assert ("ar", "وصف") in world.editor.catalogue.activities[0].description
    assert world.published == [1]
    trail = await world.console.audit(ORGANISER, activity.id)
    assert [line.action for line in trail] == [AuditAction.DRAFTED, AuditAction.PUBLISHED]
    assert trail[0].actor == ORGANISER
    assert trail[1].actor == COORDINATOR


async def test_a_coordinators_and_a_trusted_organisers_change_is_published_at_once(
    world: World,
) -> None:
    activity = world.editor.catalogue.activities[0]
    form = form_of(activity)
    by_coordinator = replace(form, titles={**form.titles, "en": "Language café"})
    saved = await world.console.save(
        COORDINATOR, "seurakunta", activity.id, by_coordinator, SPEAKER
    )
    assert isinstance(saved, Saved)
    assert saved.published
    assert saved.draft.state is DraftState.PUBLISHED
    assert "seurakunta" not in await world.console.trusted()
    await world.console.set_trusted(COORDINATOR, "seurakunta", True)
    assert "seurakunta" in await world.console.trusted()
    by_organiser = replace(by_coordinator, costs={"fi": "Ilmainen"})
    saved = await world.console.save(ORGANISER, "seurakunta", activity.id, by_organiser, SPEAKER)
    assert isinstance(saved, Saved)
    assert saved.published
    assert world.editor.catalogue.activities[0].cost == (("fi", "Ilmainen"),)
    assert world.published == [1, 1]


async def test_a_form_with_problems_stores_nothing(world: World) -> None:
    activity = world.editor.catalogue.activities[0]
    broken = replace(form_of(activity), titles={})
    result = await world.console.save(ORGANISER, "seurakunta", activity.id, broken, SPEAKER)
    assert result == {"title": ["This is required."]}
    assert world.store.rows == {}
    assert world.store.lines == []


async def test_nobody_reaches_another_organisations_activity(world: World) -> None:
    theirs = world.editor.catalogue.activity("ystavatoiminta")  # yhdistys's
    assert theirs is not None
    with pytest.raises(NotAllowed):
        await world.console.activity(ORGANISER, theirs.id)
    with pytest.raises(NotAllowed):  # nor by claiming their organisation is one's own
        await world.console.save(ORGANISER, "seurakunta", theirs.id, form_of(theirs), SPEAKER)
    with pytest.raises(NotAllowed):
        await world.console.save(ORGANISER, "yhdistys", theirs.id, form_of(theirs), SPEAKER)
    with pytest.raises(NotAllowed):  # nor an id nobody drafted (a withdrawn one, say)
        await world.console.save(ORGANISER, "seurakunta", "vanha", form_of(theirs), SPEAKER)
    with pytest.raises(NotAllowed):
        await world.console.withdraw(ORGANISER, theirs.id)
    with pytest.raises(NotAllowed):
        await world.console.audit(ORGANISER, theirs.id)
    with pytest.raises(NotAllowed):  # an organiser does not review, even their own drafts
        await world.console.set_trusted(ORGANISER, "seurakunta", True)
    assert {a.organisation for a in await world.console.activities(ORGANISER)} == {"seurakunta"}
    assert world.store.rows == {}


async def test_a_returned_draft_is_saved_again_as_the_same_draft(world: World) -> None:
    activity = world.editor.catalogue.activities[0]
    form = replace(form_of(activity), costs={"fi": "5 €"})
    first = await world.console.save(ORGANISER, "seurakunta", activity.id, form, SPEAKER)
    assert isinstance(first, Saved)
    assert first.draft.id is not None
    returned = await world.console.return_draft(COORDINATOR, first.draft.id, " Lisää hinta. ")
    assert returned is not None
    assert returned.comment == "Lisää hinta."
    assert [d.id for d in await world.console.own_drafts(ORGANISER)] == [first.draft.id]
    again = await world.console.save(ORGANISER, "seurakunta", activity.id, form, SPEAKER)
    assert isinstance(again, Saved)
    assert again.draft.id == first.draft.id
    assert again.draft.state is DraftState.DRAFT
    with pytest.raises(NotAllowed):
        await world.console.return_draft(ORGANISER, first.draft.id, "no")


async def test_a_new_activity_gets_an_id_and_a_withdrawal_is_a_draft_too(world: World) -> None:
    form = replace(form_of(world.editor.catalogue.activities[0]), titles={"fi": "Uusi kerho"})
    saved = await world.console.save(COORDINATOR, "seurakunta", None, form, SPEAKER)
    assert isinstance(saved, Saved)
    assert saved.draft.activity_id == "uusi-kerho"
    assert world.editor.catalogue.activity("uusi-kerho") is not None
    withdrawal = await world.console.withdraw(ORGANISER, "uusi-kerho")
    assert withdrawal.draft.action is DraftAction.WITHDRAW
    assert not withdrawal.published
    assert withdrawal.draft.id is not None
    await world.console.publish(COORDINATOR, withdrawal.draft.id)
    assert world.editor.catalogue.activity("uusi-kerho") is None
