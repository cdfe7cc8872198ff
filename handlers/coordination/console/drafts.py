"""Drafts, publication and the audit trail of the keepers' console, as values.

An organiser's change is a :class:`Draft` the coordinator publishes or returns with a comment
(a trusted organisation's change, and a coordinator's, is published at once). A draft holds
the whole activity as its record in the catalogue interchange format (JSON), and a place it
creates, so what is reviewed is exactly what gets published. Every step appends an
:class:`AuditEntry` (who, when, which activity, what, and a compact diff).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from catalog.additions import activity_from_payload, activity_payload
from catalog.edits import place_from_record, place_record
from catalog.model import Activity, Place
from handlers.core.events import UserId


class DraftState(StrEnum):
    """Where a draft is: waiting for review, published, or returned to its author."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETURNED = "returned"


class DraftAction(StrEnum):
    """What publishing the draft does to the catalogue."""

    EDIT = "edit"
    """Add the activity, or replace it with the draft's version."""
    WITHDRAW = "withdraw"
    """Take the activity off offer."""


class AuditAction(StrEnum):
    """The lines of the console's audit trail."""

    DRAFTED = "drafted"
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True, slots=True)
class Draft:
    """A proposed change of one activity; ``id`` is ``None`` until it is stored.

    ``record``: the activity as JSON in the interchange format; ``place``: a place it creates,
    likewise (or ``None``); ``comment``: the coordinator's, when returned.
    """

    id: int | None
    activity_id: str
    organisation: str
    author: UserId
    created_at: datetime
    updated_at: datetime
    record: str
    state: DraftState = DraftState.DRAFT
    action: DraftAction = DraftAction.EDIT
    place: str | None = None
    comment: str = ""

    @property
    def activity(self) -> Activity:
        """The activity the draft proposes."""
        return activity_from_payload(self.record)

    @property
    def new_place(self) -> Place | None:
        """The place the draft creates, if any."""
        return place_from_record(json.loads(self.place)) if self.place else None


def new_draft(
    activity: Activity,
    author: UserId,
    now: datetime,
    *,
    place: Place | None = None,
    action: DraftAction = DraftAction.EDIT,
) -> Draft:
    """A draft of ``activity`` (raises ``ValueError`` when the format cannot hold it exactly)."""
    return Draft(
        id=None,
        activity_id=activity.id,
        organisation=activity.organisation,
        author=author,
        created_at=now,
        updated_at=now,
        record=activity_payload(activity),
        action=action,
        place=json.dumps(place_record(place), ensure_ascii=False) if place else None,
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the console's audit trail."""

    at: datetime
    actor: UserId
    activity_id: str
    organisation: str
    action: AuditAction
    diff: str = ""
    """A compact JSON list of ``[field, before, after]`` (:func:`~.diff.compact`)."""
    draft_id: int | None = None


class PublishError(Exception):
    """A draft that cannot be published; nothing changed. ``problems`` says why, per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
