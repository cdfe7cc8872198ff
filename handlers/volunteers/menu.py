"""``/volunteer``: a volunteer picks an activity of their organisation and changes or announces.

The entry point of issue 7's volunteer side. ``/volunteer`` lists the organisations (when
several) and the activities the user may manage, then a menu: cancel a session, move a
session, add a date, message the subscribers; organisers and coordinators also add a new
event and message every subscriber of the organisation. The steps live in
:mod:`handlers.volunteers.session_changes`, :mod:`handlers.volunteers.additions` and
:mod:`handlers.volunteers.broadcast_flow`; this module routes to them after checking, at every
event,
that the dialogue is current and the user still may act for the organisation.

Choice arguments (``ActionKind.VOLUNTEER``) are ``<op>:<value>`` with indexes into lists kept
in the dialogue (``pick:3``), never ids, so they stay within Telegram's callback budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from catalog.model import Catalogue
from handlers.coordination.permissions import Desk
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import localised, organisation_name
from handlers.core.i18n import Speaker
from handlers.core.numbers import ascii_number
from handlers.core.ports import Clock, DialogueStore, StaffStore, UnitOfWorkFactory
from handlers.core.turn import Turn, split_argument
from handlers.volunteers.additions import ADD, NEW, Additions
from handlers.volunteers.additions import STEPS as ADDITION_STEPS
from handlers.volunteers.broadcast_flow import STEPS as BROADCAST_STEPS
from handlers.volunteers.broadcast_flow import TO_ACTIVITY, TO_ORGANISATION, Broadcasting
from handlers.volunteers.notices import SessionNotices
from handlers.volunteers.session_changes import CANCEL, MOVE, SessionChanges
from handlers.volunteers.session_changes import STEPS as SESSION_STEPS
from handlers.volunteers.steps import (
    FLOW,
    OccurrenceSource,
    Permissions,
    Step,
    buttons_please,
    close_action,
    listed,
    moved_on,
    pick,
    refused,
    save,
    say,
    stale,
)

#: Buttons per page when listing organisations or activities.
PAGE = 8

#: Operations only organisers and coordinators may start (and continue).
LEAD_OPERATIONS = frozenset({NEW, TO_ORGANISATION})


def _page_of(items: Sequence[str], page: int) -> tuple[range, int | None]:
    """The item numbers on ``page`` and the page "More" leads to (back to the first at the end)."""
    first = page * PAGE
    following = page + 1 if first + PAGE < len(items) else (0 if page else None)
    return range(first, min(first + PAGE, len(items))), following


class Volunteering(FlowBase):
    """The volunteer flow: selection and menu here, steps in the sub-flows."""

    def __init__(
        self,
        desks: Mapping[str, Desk],
        staff: StaffStore,
        dialogues: DialogueStore,
        units: UnitOfWorkFactory,
        occurrences: OccurrenceSource,
        notices: SessionNotices,
        broadcasting: Broadcasting,
        clock: Clock,
    ) -> None:
        self.permissions = Permissions(desks, staff)
        self.dialogues = dialogues
        self.occurrences = occurrences
        self.clock = clock
        self.sessions = SessionChanges(dialogues, units, notices)
        self.additions = Additions(dialogues, units)
        self.broadcasting = broadcasting

    # --- the flow table's entry points -------------------------------------------------------

    declaration = FlowDeclaration(
        "volunteering",
        commands=(CommandSpec("volunteer", ends_dialogue=True),),
        choices=frozenset({ActionKind.VOLUNTEER}),
        dialogues=frozenset({DialogueName.VOLUNTEER}),
    )

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/volunteer``."""
        return await self.command(turn, name, argument)

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """A ``VOLUNTEER`` button."""
        return await self.choice(turn, argument)

    async def on_text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply] | None:
        """Typed text inside the volunteer dialogue."""
        return await self.text(turn, text, dialogue)

    # --- entry points ---------------------------------------------------------------------

    async def command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/volunteer``: the organisations or activities the user may manage."""
        speaker = turn.speaker
        if turn.in_group:
            return say(speaker, speaker.gettext("Please write /volunteer to me privately."))
        catalogue, index = self.occurrences()
        organisations = await self.permissions.organisations(turn.user, catalogue)
        if not organisations:
            return say(
                speaker,
                speaker.gettext(
                    "Sorry, this is only for volunteers of the organisations listed here. If you "
                    "volunteer, ask your organisation for an invitation."
                ),
            )
        now = self.clock()
        dialogue = Dialogue(turn.user, FLOW, "org", now, {"orgs": ",".join(organisations)})
        step = Step(turn, dialogue, catalogue, index, now)
        if len(organisations) == 1:
            return await self.activities(step, organisations[0], 0)
        return await self.organisations(step, 0)

    async def choice(self, turn: Turn, argument: str) -> list[Reply]:
        """A ``VOLUNTEER`` button: ``stop:<id>`` any time, the rest within the dialogue."""
        op, value = split_argument(argument)
        if op == "stop":
            return await self.broadcasting.stop(turn, value)
        step = await self.current(turn)
        if step is None:
            return stale(turn.speaker)
        if op == "quit":
            await self.dialogues.clear(turn.user)
            return say(turn.speaker, turn.speaker.gettext("Closed. Nothing more was changed."))
        if not await self.allowed(step):
            await self.dialogues.clear(turn.user)
            return refused(turn.speaker)
        state = step.dialogue.step
        if state in SESSION_STEPS:
            return await self.sessions.choice(step, op, value)
        if state in ADDITION_STEPS:
            return await self.additions.choice(step, op, value)
        if state in BROADCAST_STEPS:
            return await self.broadcasting.choice(step, op, value)
        return await self.selection(step, op, value)

    async def text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply]:
        """Typed text inside the flow: a time, a date, a title or a message."""
        step = await self.current(turn, dialogue)
        if step is None:
            return stale(turn.speaker)
        if not await self.allowed(step):
            await self.dialogues.clear(turn.user)
            return refused(turn.speaker)
        state = step.dialogue.step
        if state in SESSION_STEPS:
            return await self.sessions.text(step, text)
        if state in ADDITION_STEPS:
            return await self.additions.text(step, text)
        if state in BROADCAST_STEPS:
            return await self.broadcasting.text(step, text)
        return say(turn.speaker, buttons_please(turn.speaker))

    # --- every event ----------------------------------------------------------------------

    async def current(self, turn: Turn, dialogue: Dialogue | None = None) -> Step | None:
        """The step this event belongs to; ``None`` when there is no live volunteer dialogue."""
        if dialogue is None:
            dialogue = await self.dialogues.get(turn.user)
        now = self.clock()
        if dialogue is None or dialogue.flow != FLOW or dialogue.user != turn.user:
            return None
        if dialogue.expired(now):
            await self.dialogues.clear(turn.user)
            return None
        catalogue, index = self.occurrences()
        return Step(turn, dialogue, catalogue, index, now)

    async def allowed(self, step: Step) -> bool:
        """Whether the user may still act on what the dialogue names (asked every time)."""
        user, catalogue, organisation = step.user, step.catalogue, step.organisation
        if step.data.get("op") in LEAD_OPERATIONS and not await self.permissions.may_lead(
            user, organisation, catalogue
        ):
            return False
        if step.data.get("activity"):
            activity = step.activity
            return (
                activity is not None
                and activity.organisation == organisation
                and await self.permissions.may_manage(user, activity, catalogue)
            )
        if organisation:
            return await self.permissions.may_act_for(user, organisation, catalogue)
        return bool(await self.permissions.organisations(user, catalogue))

    # --- choosing what to work on ---------------------------------------------------------

    async def selection(self, step: Step, op: str, value: str) -> list[Reply]:
        """``org:<n>``, ``opage:<n>``, ``apage:<n>``, ``pick:<n>``, ``do:<what>``."""
        state = step.dialogue.step
        page = ascii_number(value)
        if state == "org" and op == "opage" and page is not None:
            return await self.organisations(step, page)
        if state == "org" and op == "org":
            organisation = pick(step.data, "orgs", value)
            if organisation is None:
                return stale(step.speaker)
            if not await self.permissions.may_act_for(step.user, organisation, step.catalogue):
                return refused(step.speaker)
            return await self.activities(step, organisation, 0)
        if state == "activity" and op == "apage" and page is not None:
            return await self.activities(step, step.organisation, page)
        if state == "activity" and op == "pick":
            return await self.picked(step, value)
        if state in ("activity", "menu") and op == "do":
            return await self.operation(step, value)
        return stale(step.speaker)

    async def organisations(self, step: Step, page: int) -> list[Reply]:
        """A page of the organisations the user may act for."""
        speaker = step.speaker
        organisations = listed(step.data, "orgs")
        numbers, more = _page_of(organisations, page)
        if not numbers:
            return stale(speaker)
        await save(self.dialogues, replace(step.dialogue, step="org", updated_at=step.now))
        actions = [
            Action(
                ActionKind.VOLUNTEER,
                organisation_name(step.catalogue, organisations[n], speaker),
                f"org:{n}",
            )
            for n in numbers
        ]
        if more is not None:
            actions.append(Action(ActionKind.VOLUNTEER, speaker.gettext("More"), f"opage:{more}"))
        actions.append(close_action(speaker))
        return say(speaker, speaker.gettext("Which organisation?"), actions)

    async def activities(self, step: Step, organisation: str, page: int) -> list[Reply]:
        """A page of the organisation's activities, and its organisation-wide actions."""
        speaker = step.speaker
        _ = speaker.gettext
        own = [a for a in step.catalogue.activities if a.organisation == organisation]
        ids = [a.id for a in own]
        numbers, more = _page_of(ids, page)
        if page and not numbers:
            return stale(speaker)
        data = {k: v for k, v in step.data.items() if k == "orgs"}
        data |= {"org": organisation, "acts": ",".join(ids)}
        dialogue = replace(step.dialogue, step="activity", updated_at=step.now, data=data)
        await save(self.dialogues, dialogue)
        actions = [
            Action(
                ActionKind.VOLUNTEER,
                localised(own[n].title, speaker),
                f"pick:{n}",
            )
            for n in numbers
        ]
        if more is not None:
            actions.append(Action(ActionKind.VOLUNTEER, _("More"), f"apage:{more}"))
        if await self.permissions.may_lead(step.user, organisation, step.catalogue):
            actions += self.organisation_actions(step.catalogue, organisation, speaker)
        actions.append(close_action(speaker))
        name = organisation_name(step.catalogue, organisation, speaker)
        if ids:
            text = _("%(organisation)s: which activity?") % {"organisation": name}
        else:
            text = _("%(organisation)s has no activities listed yet.") % {"organisation": name}
        return say(speaker, text, actions)

    def organisation_actions(
        self, catalogue: Catalogue, organisation: str, speaker: Speaker
    ) -> list[Action]:
        """What organisers and coordinators can do for the whole organisation."""
        _ = speaker.gettext
        name = organisation_name(catalogue, organisation, speaker)
        return [
            Action(ActionKind.VOLUNTEER, _("New event"), f"do:{NEW}"),
            Action(
                ActionKind.VOLUNTEER,
                _("Message to all subscribers of %(organisation)s") % {"organisation": name},
                f"do:{TO_ORGANISATION}",
            ),
        ]

    async def picked(self, step: Step, value: str) -> list[Reply]:
        """An activity was chosen: the menu of what can be done with it."""
        activity_id = pick(step.data, "acts", value)
        activity = step.catalogue.activity(activity_id) if activity_id else None
        if activity is None or activity.organisation != step.organisation:
            return stale(step.speaker)
        if not await self.permissions.may_manage(step.user, activity, step.catalogue):
            return refused(step.speaker)
        dialogue = moved_on(step.dialogue, "menu", step.now, activity=activity.id)
        await save(self.dialogues, dialogue)
        speaker = step.speaker
        _ = speaker.gettext
        actions = [
            Action(ActionKind.VOLUNTEER, _("Cancel a session"), f"do:{CANCEL}"),
            Action(ActionKind.VOLUNTEER, _("Move a session"), f"do:{MOVE}"),
            Action(ActionKind.VOLUNTEER, _("Add a date"), f"do:{ADD}"),
            Action(ActionKind.VOLUNTEER, _("Message to subscribers"), f"do:{TO_ACTIVITY}"),
        ]
        if await self.permissions.may_lead(step.user, step.organisation, step.catalogue):
            actions += self.organisation_actions(step.catalogue, step.organisation, speaker)
        actions.append(close_action(speaker))
        text = _("%(title)s: what do you want to do?") % {
            "title": localised(activity.title, speaker)
        }
        return say(speaker, text, actions)

    async def operation(self, step: Step, what: str) -> list[Reply]:
        """Start one operation from the menu (or the organisation's list)."""
        if what in LEAD_OPERATIONS:
            if not await self.permissions.may_lead(step.user, step.organisation, step.catalogue):
                return refused(step.speaker)
        elif step.dialogue.step != "menu" or step.activity is None:
            return stale(step.speaker)
        if what in (CANCEL, MOVE):
            return await self.sessions.begin(step, what)
        if what in (ADD, NEW):
            return await self.additions.begin(step, what)
        if what in (TO_ACTIVITY, TO_ORGANISATION):
            return await self.broadcasting.begin(step, what)
        return stale(step.speaker)
