"""The keepers' console's actions: save, withdraw, publish, return, trust — each checked again.

The web pages call these and nothing else. Every call looks up the acting user's grants
afresh (``StaffStore``) and asks :mod:`.permissions`, so a forged form or a URL to another
organisation's activity changes nothing (:class:`NotAllowed`). A form is checked as an import
checks a file (:func:`.forms.activity_from`); an organiser's change becomes a draft that a
coordinator publishes or returns, while a coordinator's change, and an organiser's in a
trusted organisation, is published at once. After a publication ``on_published`` runs (the
running bot's catalogue watcher: it reloads, re-plans reminders and announces new activities
exactly as after an import).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from catalog.model import Activity, Catalogue
from handlers.coordination.console.diff import changes, compact
from handlers.coordination.console.drafts import (
    AuditEntry,
    Draft,
    DraftAction,
    DraftState,
    new_draft,
)
from handlers.coordination.console.forms import (
    ActivityForm,
    Edited,
    FieldProblems,
    activity_from,
    new_activity_id,
)
from handlers.coordination.console.permissions import (
    console_organisations,
    may_edit,
    may_publish,
    may_review,
)
from handlers.coordination.permissions import Desk
from handlers.core.events import UserId
from handlers.core.i18n import Speaker
from handlers.core.ports import Clock, ConsoleStore, StaffStore

OPEN_STATES = (DraftState.DRAFT, DraftState.RETURNED)
"""Drafts still being worked on: a new save of the same activity replaces them."""


class NotAllowed(Exception):  # noqa: N818 - a refusal, not an error of the program
    """The user may not do this (or see this); the page answers "not found"."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A stored change: its draft, and whether it went straight into the catalogue."""

    draft: Draft
    published: bool


Hook = Callable[[], Awaitable[object]]


class Console:
    """The console's use cases over its ports; ``catalogue`` gives the one on offer now."""

    def __init__(
        self,
        store: ConsoleStore,
        staff: StaffStore,
        catalogue: Callable[[], Catalogue],
        desks: Mapping[str, Desk],
        clock: Clock,
        on_published: Hook | None = None,
    ) -> None:
        self.store = store
        self.staff = staff
        self.catalogue = catalogue
        self.desks = desks
        self.clock = clock
        self.on_published = on_published

    # --- what a keeper sees --------------------------------------------------------------

    async def organisations(self, user: UserId) -> list[str]:
        """The organisations whose activities ``user`` sees (empty: no console for them)."""
        grants = await self.staff.grants_of(user)
        return console_organisations(self.desks.values(), grants, user, self.catalogue())

    async def activities(self, user: UserId) -> list[Activity]:
        """The activities on offer that ``user`` sees, in catalogue order."""
        mine = set(await self.organisations(user))
        return [a for a in self.catalogue().activities if a.organisation in mine]

    async def activity(self, user: UserId, activity_id: str) -> Activity:
        """One activity ``user`` may see; :class:`NotAllowed` otherwise (or when unknown)."""
        found = self.catalogue().activity(activity_id)
        if found is None or not await self._may_edit(user, found.organisation):
            raise NotAllowed(activity_id)
        return found

    async def pending(self, user: UserId) -> list[Draft]:
        """Drafts waiting for ``user``'s review (a coordinator's networks), oldest first."""
        catalogue = self.catalogue()
        reviewed = [
            o.id
            for o in catalogue.organisations
            if may_review(self.desks.values(), user, o.id, catalogue)
        ]
        return await self.store.drafts(reviewed)

    async def own_drafts(self, user: UserId) -> list[Draft]:
        """Open and returned drafts of the organisations ``user`` sees."""
        return await self.store.drafts(await self.organisations(user), OPEN_STATES)

    async def draft(self, user: UserId, draft_id: int) -> Draft:
        """One draft of an organisation ``user`` sees; :class:`NotAllowed` otherwise."""
        found = await self.store.draft(draft_id)
        if found is None or not await self._may_edit(user, found.organisation):
            raise NotAllowed(str(draft_id))
        return found

    async def audit(self, user: UserId, activity_id: str) -> list[AuditEntry]:
        """The audit trail of an activity ``user`` may see (one withdrawn or only drafted too)."""
        trail = await self.store.audit(activity_id)
        found = self.catalogue().activity(activity_id)
        organisation = found.organisation if found else (trail[0].organisation if trail else "")
        if not organisation or not await self._may_edit(user, organisation):
            raise NotAllowed(activity_id)
        return trail

    # --- changes -------------------------------------------------------------------------

    async def save(
        self,
        user: UserId,
        organisation: str,
        activity_id: str | None,
        form: ActivityForm,
        speaker: Speaker,
    ) -> Saved | FieldProblems:
        """Check the form and store it as a draft (published at once when ``user`` may).

        ``activity_id`` ``None`` creates an activity. Problems come back per field and nothing
        is stored.
        """
        catalogue = self.catalogue()
        if not await self._may_edit(user, organisation):
            raise NotAllowed(organisation)
        old = catalogue.activity(activity_id) if activity_id is not None else None
        open_drafts = await self.store.drafts([organisation], OPEN_STATES)
        if activity_id is not None and not (
            (old is not None and old.organisation == organisation)
            or (old is None and any(d.activity_id == activity_id for d in open_drafts))
        ):  # another organisation's activity, or an id this organisation never drafted
            raise NotAllowed(activity_id)
        if activity_id is None:
            activity_id = new_activity_id(form, catalogue, (d.activity_id for d in open_drafts))
        checked = activity_from(form, catalogue, organisation, activity_id, speaker)
        if not isinstance(checked, Edited):
            return checked
        return await self._store(
            user,
            new_draft(checked.activity, user, self.clock(), place=checked.place),
            compact(changes(old, checked.activity)),
            open_drafts,
        )

    async def withdraw(self, user: UserId, activity_id: str) -> Saved:
        """Take an activity off offer (a draft to review, unless ``user`` may publish)."""
        activity = await self.activity(user, activity_id)
        open_drafts = await self.store.drafts([activity.organisation], OPEN_STATES)
        draft = new_draft(activity, user, self.clock(), action=DraftAction.WITHDRAW)
        return await self._store(user, draft, "", open_drafts)

    async def publish(self, user: UserId, draft_id: int) -> Draft:
        """A coordinator publishes a waiting draft (``PublishError`` when it cannot be)."""
        draft = await self.store.draft(draft_id)
        if draft is None or not may_review(
            self.desks.values(), user, draft.organisation, self.catalogue()
        ):
            raise NotAllowed(str(draft_id))
        published = await self.store.publish(draft_id, user, self.clock())
        await self._published()
        return published

    async def return_draft(self, user: UserId, draft_id: int, comment: str) -> Draft | None:
        """A coordinator returns a waiting draft with a comment (``None``: not waiting)."""
        draft = await self.store.draft(draft_id)
        if draft is None or not may_review(
            self.desks.values(), user, draft.organisation, self.catalogue()
        ):
            raise NotAllowed(str(draft_id))
        return await self.store.return_draft(draft_id, user, comment.strip(), self.clock())

    async def trusted(self) -> frozenset[str]:
        """The organisations whose organisers publish their own changes without review."""
        return await self.store.trusted()

    async def set_trusted(self, user: UserId, organisation: str, trusted: bool) -> None:
        """A coordinator lets an organisation publish its own changes (or stops it)."""
        if not may_review(self.desks.values(), user, organisation, self.catalogue()):
            raise NotAllowed(organisation)
        await self.store.set_trusted(organisation, trusted, user, self.clock())

    # --- helpers -------------------------------------------------------------------------

    async def _may_edit(self, user: UserId, organisation: str) -> bool:
        grants = await self.staff.grants_of(user)
        return may_edit(self.desks.values(), grants, user, organisation, self.catalogue())

    async def _store(
        self, user: UserId, draft: Draft, diff: str, open_drafts: list[Draft]
    ) -> Saved:
        """Save the draft over an open one of the same activity; publish it when allowed."""
        earlier = next((d for d in open_drafts if d.activity_id == draft.activity_id), None)
        if earlier is not None:
            draft = replace(draft, id=earlier.id, created_at=earlier.created_at)
        stored = await self.store.save_draft(draft, diff)
        grants = await self.staff.grants_of(user)
        trusted = await self.store.trusted()
        if not may_publish(
            self.desks.values(), grants, user, draft.organisation, self.catalogue(), trusted
        ):
            return Saved(stored, published=False)
        assert stored.id is not None
        published = await self.store.publish(stored.id, user, self.clock())
        await self._published()
        return Saved(published, published=True)

    async def _published(self) -> None:
        if self.on_published is not None:
            await self.on_published()
