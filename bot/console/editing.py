"""The console domain's service behind the web pages' :class:`~bot.console.web.Editor` port.

A thin adapter (issue 16, the web side): the pages speak of scopes, posted fields and draft
numbers; :class:`handlers.coordination.console.service.Console` of users, forms and drafts.
The service checks every right again; its refusals become :class:`~bot.console.web.Refused`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.console.forms import form_from_fields
from bot.console.web import AuditLine, Pending, Refused, Saved
from catalog.localtime import local_date
from catalog.model import Activity, Catalogue
from handlers.coordination.console.diff import FieldChange, changes, from_compact
from handlers.coordination.console.drafts import DraftAction, PublishError
from handlers.coordination.console.preview import next_sessions, schedule_summary
from handlers.coordination.console.service import Console as Service
from handlers.coordination.console.service import NotAllowed
from handlers.coordination.console_access import ConsoleScope
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker

#: How many coming sessions the form lists under the schedule.
PREVIEW_SESSIONS = 3


def in_words(
    change: FieldChange, before: Activity | None, after: Activity, speaker: Speaker, today: date
) -> FieldChange:
    """A changed schedule as the reviewer reads it ("every Tuesday 16:00–17:30 …"), not RRULEs."""
    if change.field != "schedule":
        return change
    was = schedule_summary(before, speaker, today) if before is not None else ""
    return FieldChange(change.field, was, schedule_summary(after, speaker, today))


@dataclass
class ServiceEditor:
    """The pages' editing port over the console service."""

    service: Service

    def _catalogue(self) -> Catalogue:
        return self.service.catalogue()

    def _today(self, catalogue: Catalogue) -> date:
        """Today on the catalogue's clock (which exceptions and dates are still to come)."""
        return local_date(self.service.clock(), ZoneInfo(catalogue.timezone))

    async def save(
        self, scope: ConsoleScope, activity: Activity, form: Mapping[str, Sequence[str]],
        speaker: Speaker,
    ) -> Saved:
        """Check the posted fields as an import would; store a draft or publish."""
        return await self._save(scope, activity.organisation, activity.id, form, speaker)

    async def create(
        self, scope: ConsoleScope, organisation: str, form: Mapping[str, Sequence[str]],
        speaker: Speaker,
    ) -> Saved:
        """Check a new activity as an import would; store a draft or publish."""
        return await self._save(scope, organisation, None, form, speaker)

    async def _save(
        self, scope: ConsoleScope, organisation: str, activity_id: str | None,
        form: Mapping[str, Sequence[str]], speaker: Speaker,
    ) -> Saved:
        """One save for an edit and a new activity (``activity_id`` ``None``)."""
        try:
            outcome = await self.service.save(
                scope.user, organisation, activity_id, form_from_fields(form), speaker
            )
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused
        if isinstance(outcome, dict):
            return Saved(problems=outcome)
        return Saved(published=outcome.published, activity_id=outcome.draft.activity_id)

    async def trusted(self) -> frozenset[str]:
        """The organisations trusted to publish their own changes."""
        return await self.service.trusted()

    async def set_trusted(self, scope: ConsoleScope, organisation: str, trusted: bool) -> None:
        """A coordinator trusts an organisation of their network (or stops)."""
        try:
            await self.service.set_trusted(scope.user, organisation, trusted)
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused

    async def withdraw(self, scope: ConsoleScope, activity: Activity) -> Saved:
        """Take the activity off offer (a draft unless the person may publish)."""
        try:
            outcome = await self.service.withdraw(scope.user, activity.id)
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused
        return Saved(published=outcome.published)

    async def pending(self, scope: ConsoleScope, speaker: Speaker) -> list[Pending]:
        """The drafts waiting for this coordinator, each with its field-by-field changes."""
        catalogue = self._catalogue()
        today = self._today(catalogue)
        waiting = []
        for draft in await self.service.pending(scope.user):
            proposed = draft.activity
            before = catalogue.activity(draft.activity_id)
            found = changes(before, proposed) if draft.action is DraftAction.EDIT else []
            found = [in_words(change, before, proposed, speaker, today) for change in found]
            waiting.append(
                Pending(
                    draft.id or 0,
                    draft.activity_id,
                    localised(proposed.title, speaker, say_language=False),
                    str(draft.author),
                    draft.updated_at,
                    tuple((c.field, c.before, c.after) for c in found),
                    withdraw=draft.action is DraftAction.WITHDRAW,
                )
            )
        return waiting

    async def publish(self, scope: ConsoleScope, draft_id: int) -> list[str]:
        """Publish; the import's reasons when it cannot be."""
        try:
            await self.service.publish(scope.user, draft_id)
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused
        except PublishError as error:
            return list(error.problems)
        return []

    async def send_back(self, scope: ConsoleScope, draft_id: int, comment: str) -> bool:
        """Return the draft with the coordinator's comment."""
        try:
            return await self.service.return_draft(scope.user, draft_id, comment) is not None
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused

    async def history(self, scope: ConsoleScope, activity_id: str) -> list[AuditLine]:
        """The audit trail, newest first."""
        try:
            trail = await self.service.audit(scope.user, activity_id)
        except NotAllowed as refused:
            raise Refused(str(refused)) from refused
        return [
            AuditLine(
                entry.at, str(entry.actor), entry.action.value,
                tuple((c.field, c.before, c.after) for c in from_compact(entry.diff)),
            )
            for entry in reversed(trail)
        ]

    async def draft_of(self, scope: ConsoleScope, activity_id: str) -> Activity | None:
        """The open draft's version of the activity (an edit, not a withdrawal)."""
        for draft in await self.service.own_drafts(scope.user):
            if draft.activity_id == activity_id and draft.action is DraftAction.EDIT:
                return draft.activity
        return None

    async def preview(self, activity: Activity, speaker: Speaker) -> tuple[str, list[str]]:
        """The schedule in words and the next few sessions' local start times."""
        now = self.service.clock()
        summary = schedule_summary(activity, speaker, self._today(self._catalogue()))
        coming = next_sessions(activity, self._catalogue(), now, PREVIEW_SESSIONS)
        return summary, [o.start.strftime("%Y-%m-%d %H:%M") for o in coming]
