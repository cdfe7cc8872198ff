"""What every step of a volunteer's flow shares: the step's context, permissions, stock replies.

The flow is one persisted :class:`~handlers.core.dialogue.Dialogue` (flow ``volunteer``) whose
``data`` names the organisation and activity being worked on. Every step is handed a fresh
:class:`Step` (the *current* catalogue and occurrence index, read again for each event) and
asks :class:`Permissions` again before doing anything, so a role revoked mid-flow, a stale
button or a forged argument changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from catalog.model import Activity, Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.permissions import (
    Desk,
    is_coordinator,
    managed_organisations,
    may_broadcast_organisation,
    may_manage,
    may_manage_organisation,
    organisation_networks,
)
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import Action, ActionKind, Reply, UserId
from handlers.core.i18n import Speaker
from handlers.core.numbers import ascii_number
from handlers.core.ports import DialogueStore, StaffStore
from handlers.core.turn import Turn

FLOW = DialogueName.VOLUNTEER

OccurrenceSource = Callable[[], tuple[Catalogue, OccurrenceIndex]]
"""Returns the current catalogue and its occurrence index (asked again at every step)."""

#: Dialogue data that names what the volunteer is working on; kept between operations.
SELECTION_KEYS = ("orgs", "org", "acts", "activity")


@dataclass(frozen=True, slots=True)
class Step:
    """One event inside the flow: who, their dialogue, and the current catalogue."""

    turn: Turn
    dialogue: Dialogue
    catalogue: Catalogue
    index: OccurrenceIndex
    now: datetime

    @property
    def speaker(self) -> Speaker:
        """The volunteer's speaker."""
        return self.turn.speaker

    @property
    def user(self) -> UserId:
        """The volunteer."""
        return self.turn.user

    @property
    def zone(self) -> ZoneInfo:
        """The catalogue's time zone."""
        return ZoneInfo(self.catalogue.timezone)

    @property
    def data(self) -> dict[str, str]:
        """The dialogue's data."""
        return self.dialogue.data

    @property
    def activity(self) -> Activity | None:
        """The activity being worked on, if it is still in the catalogue."""
        activity_id = self.data.get("activity")
        return self.catalogue.activity(activity_id) if activity_id else None

    @property
    def organisation(self) -> str:
        """The organisation being worked on (``""`` before one is chosen)."""
        return self.data.get("org", "")


def listed(data: Mapping[str, str], key: str) -> list[str]:
    """A comma-separated list kept in dialogue data."""
    value = data.get(key, "")
    return value.split(",") if value else []


def pick(data: Mapping[str, str], key: str, value: str) -> str | None:
    """The ``value``-th item of a listed key, or ``None`` for a forged or stale index."""
    items = listed(data, key)
    index = ascii_number(value)
    if index is None or index >= len(items):
        return None
    return items[index]


def moved_on(dialogue: Dialogue, step: str, now: datetime, **data: str) -> Dialogue:
    """The dialogue at ``step`` with only the selection kept, plus ``data``."""
    kept = {k: v for k, v in dialogue.data.items() if k in SELECTION_KEYS}
    return replace(dialogue, step=step, updated_at=now, data={**kept, **data})


def close_action(speaker: Speaker) -> Action:
    """The button that leaves the flow without changing anything."""
    return Action(ActionKind.VOLUNTEER, speaker.gettext("Close"), "quit")


def say(speaker: Speaker, text: str, actions: Iterable[Action] = ()) -> list[Reply]:
    """One reply in the volunteer's language."""
    return [Reply(text, speaker.language, tuple(actions))]


def stale(speaker: Speaker) -> list[Reply]:
    """The answer to a forged, stale or out-of-step choice: nothing was changed."""
    return say(
        speaker,
        speaker.gettext(
            "That choice is no longer valid, so nothing was changed. Write /volunteer to start "
            "again."
        ),
    )


def buttons_please(speaker: Speaker) -> str:
    """Said when text arrives at a step that waits for a button."""
    return speaker.gettext(
        "Please choose one of the buttons above, or write /volunteer to start again."
    )


def refused(speaker: Speaker) -> list[Reply]:
    """The answer when the user may not act for the organisation (any more)."""
    return say(
        speaker,
        speaker.gettext(
            "Sorry, only volunteers of an organisation can change its activities. Nothing was "
            "changed."
        ),
    )


class Permissions:
    """Asks the configured desks and the granted roles who may do what, at every step."""

    def __init__(self, desks: Mapping[str, Desk], staff: StaffStore) -> None:
        self.desks = desks
        self.staff = staff

    async def organisations(self, user: UserId, catalogue: Catalogue) -> list[str]:
        """The organisations ``user`` may act for, in catalogue order."""
        grants = await self.staff.grants_of(user)
        return managed_organisations(self.desks.values(), grants, user, catalogue)

    async def may_act_for(self, user: UserId, organisation: str, catalogue: Catalogue) -> bool:
        """Volunteer, organiser or coordinator of the organisation."""
        if catalogue.organisation(organisation) is None:
            return False
        grants = await self.staff.grants_of(user)
        return may_manage_organisation(self.desks.values(), grants, user, organisation, catalogue)

    async def may_manage(self, user: UserId, activity: Activity, catalogue: Catalogue) -> bool:
        """Whether ``user`` may change or broadcast about ``activity``."""
        grants = await self.staff.grants_of(user)
        return may_manage(self.desks.values(), grants, user, activity, catalogue)

    async def may_lead(self, user: UserId, organisation: str, catalogue: Catalogue) -> bool:
        """Organisers and coordinators: new events and broadcasts to the whole organisation."""
        if catalogue.organisation(organisation) is None:
            return False
        grants = await self.staff.grants_of(user)
        return may_broadcast_organisation(
            self.desks.values(), grants, user, organisation, catalogue
        )

    def coordinates(self, user: UserId, organisation: str, catalogue: Catalogue) -> bool:
        """Whether ``user`` is a coordinator of one of the organisation's networks."""
        return any(
            is_coordinator(self.desks.values(), user, network)
            for network in organisation_networks(catalogue, organisation)
        )


async def save(dialogues: DialogueStore, dialogue: Dialogue) -> Dialogue:
    """Persist the dialogue (before answering) and hand it back."""
    await dialogues.save(dialogue)
    return dialogue
