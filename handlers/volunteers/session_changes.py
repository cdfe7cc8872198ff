"""Cancelling or moving one session: pick it, say what changes and why, confirm.

Steps (dialogue ``step``): ``occurrence`` → (move: ``move-time`` → ``move-place``) →
``reason`` → ``confirm-change``. The session is named by its original local start (the key
of an :class:`~catalog.model.OccurrenceChange`) and found again in the current occurrence
index at every step, so a session that has started or disappeared meanwhile is stale.
Confirming stores the change (recorded with who made it), queues the notices and ends the
dialogue in one unit of work: after a crash either all three happened or none did.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from catalog.localtime import to_local
from catalog.model import Activity, ActivityId, Catalogue, OccurrenceChange, PlaceId
from catalog.occurrences import Occurrence, OccurrenceIndex
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.formatting import activity_title, clock, day_heading, place_line
from handlers.core.log_ids import who
from handlers.core.ports import DialogueStore, UnitOfWorkFactory
from handlers.volunteers.notices import SessionNotices, notice_reply
from handlers.volunteers.reasons import REASONS, reason_label
from handlers.volunteers.steps import (
    Step,
    buttons_please,
    close_action,
    moved_on,
    pick,
    save,
    say,
    stale,
)
from handlers.volunteers.typed_input import future_problem, parse_when, resolve_when

log = logging.getLogger(__name__)

#: How many coming sessions are offered to cancel or move.
UPCOMING = 8

#: How far past the offered ones a session is looked for again when confirming.
SEARCHED = 40

#: How many places are offered for a move or a new event.
MAX_PLACES = 10

STEPS = frozenset({"occurrence", "move-time", "move-place", "reason", "confirm-change"})

CANCEL = "cancel"
MOVE = "move"


def upcoming(
    index: OccurrenceIndex, activity: ActivityId, now: datetime, limit: int = UPCOMING
) -> list[Occurrence]:
    """The activity's next sessions that have not started, cancelled ones left out."""
    found: list[Occurrence] = []
    after = now
    while len(found) < limit:
        occurrence = index.next_for(activity, after)
        if occurrence is None:
            break
        found.append(occurrence)
        after = occurrence.start + timedelta(microseconds=1)
    return found


def original_key(occurrence: Occurrence) -> str:
    """How a session is named in the dialogue: its original local start."""
    return occurrence.original_start.isoformat(timespec="minutes")


def find_session(
    index: OccurrenceIndex, activity: ActivityId, key: str, now: datetime
) -> Occurrence | None:
    """The coming session with this original start, if it is still there."""
    for occurrence in upcoming(index, activity, now, SEARCHED):
        if original_key(occurrence) == key:
            return occurrence
    return None


def place_choices(
    catalogue: Catalogue, organisation: str, leave_out: PlaceId | None = None
) -> list[PlaceId]:
    """Places to offer: the organisation's own first, then others in its networks."""
    found = catalogue.organisation(organisation)
    municipalities = set()
    for network_id in found.networks if found else ():
        network = catalogue.network(network_id)
        municipalities |= {m.casefold() for m in network.municipalities} if network else set()
    own = [a.place for a in catalogue.activities if a.organisation == organisation and a.place]
    nearby = [
        p.id for p in catalogue.places if p.online or p.municipality.casefold() in municipalities
    ]
    ordered = [p for p in dict.fromkeys([*own, *nearby]) if p != leave_out]
    return ordered[:MAX_PLACES]


def session_label(occurrence: Occurrence, step: Step) -> str:
    """``Tuesday 24 November 17:00`` for a button."""
    day = day_heading(occurrence.start.date(), step.speaker)
    return f"{day} {clock(occurrence.start, step.speaker)}"


def change_of(step: Step, activity: Activity, occurrence: Occurrence) -> OccurrenceChange:
    """The change the dialogue describes, building on any earlier change of the session.

    A move writes the resulting time and place in full, so moving only the place keeps an
    earlier change of time (the new change replaces the old one).
    """
    data = step.data
    reason = data.get("reason") or None
    if data.get("op") == CANCEL:
        return OccurrenceChange(
            activity.id, occurrence.original_start, cancelled=True, reason=reason
        )
    start = to_local(occurrence.start, step.zone)
    end = to_local(occurrence.end, step.zone)
    if data.get("time"):
        start = datetime.fromisoformat(data["time"])
        end = datetime.fromisoformat(data["end"])
    place = PlaceId(data["place"]) if data.get("place") else occurrence.place
    return OccurrenceChange(
        activity.id,
        occurrence.original_start,
        new_start=start,
        new_end=end,
        new_place=place if place != activity.place else None,
        reason=reason,
    )


class SessionChanges:
    """The cancel and move steps of the volunteer flow."""

    def __init__(
        self, dialogues: DialogueStore, units: UnitOfWorkFactory, notices: SessionNotices
    ) -> None:
        self.dialogues = dialogues
        self.units = units
        self.notices = notices

    async def begin(self, step: Step, op: str) -> list[Reply]:
        """List the coming sessions to cancel or move."""
        _ = step.speaker.gettext
        activity = step.activity
        if activity is None or op not in (CANCEL, MOVE):
            return stale(step.speaker)
        sessions = upcoming(step.index, activity.id, step.now)
        if not sessions:
            title = activity_title(step.catalogue, activity.id, step.speaker)
            return say(step.speaker, _("%(title)s has no coming sessions.") % {"title": title})
        keys = ",".join(original_key(o) for o in sessions)
        await save(
            self.dialogues, moved_on(step.dialogue, "occurrence", step.now, op=op, occs=keys)
        )
        question = (
            _("Which session do you want to cancel?")
            if op == CANCEL
            else _("Which session do you want to move?")
        )
        actions = [
            Action(ActionKind.VOLUNTEER, session_label(o, step), f"occ:{number}")
            for number, o in enumerate(sessions)
        ]
        return say(step.speaker, question, (*actions, close_action(step.speaker)))

    def session(self, step: Step) -> tuple[Activity, Occurrence] | None:
        """The activity and the chosen session, found again in the current index."""
        activity = step.activity
        key = step.data.get("start", "")
        if activity is None or not key:
            return None
        found = find_session(step.index, activity.id, key, step.now)
        return (activity, found) if found is not None else None

    async def choice(self, step: Step, op: str, value: str) -> list[Reply]:
        """``occ:<n>``, ``same`` (time), ``place:<n>|same``, ``reason:<code>``, ``ok``."""
        state = step.dialogue.step
        if state == "occurrence" and op == "occ":
            return await self.chosen(step, value)
        if self.session(step) is None:
            return stale(step.speaker)
        if state == "move-time" and op == "same":
            return await self.ask_place(step, time="", end="")
        if state == "move-place" and op == "place":
            return await self.placed(step, value)
        if state == "reason" and op == "reason" and value in REASONS:
            return await self.confirm(step, value)
        if state == "confirm-change" and op == "ok":
            return await self.commit(step)
        return stale(step.speaker)

    async def chosen(self, step: Step, value: str) -> list[Reply]:
        """A session was picked: ask the new time (move) or the reason (cancel)."""
        key = pick(step.data, "occs", value)
        activity = step.activity
        if key is None or activity is None:
            return stale(step.speaker)
        if find_session(step.index, activity.id, key, step.now) is None:
            return stale(step.speaker)
        if step.data.get("op") == CANCEL:
            return await self.ask_reason(step, start=key)
        dialogue = step.dialogue.at("move-time", step.now, start=key)
        await save(self.dialogues, dialogue)
        return self.time_question(step)

    def time_question(self, step: Step, problem: str | None = None) -> list[Reply]:
        """Ask for the new time (after what was wrong with the last answer, if anything)."""
        _ = step.speaker.gettext
        ask = _(
            "Write the new time, for example 18:30, or a date and time, for example "
            "24.11. 18:30. If only the place changes, press “Same time”."
        )
        same = Action(ActionKind.VOLUNTEER, _("Same time"), "same")
        text = f"{problem}\n{ask}" if problem else ask
        return say(step.speaker, text, (same, close_action(step.speaker)))

    async def text(self, step: Step, text: str) -> list[Reply]:
        """The new time of a moved session, as typed."""
        found = self.session(step)
        if found is None:
            return stale(step.speaker)
        if step.dialogue.step != "move-time":
            return say(step.speaker, buttons_please(step.speaker))
        _ = step.speaker.gettext
        occurrence = found[1]
        typed = parse_when(text)
        start = to_local(occurrence.start, step.zone)
        today = step.now.astimezone(step.zone).date()
        local = resolve_when(typed, start.date(), today) if typed else None
        if local is None:
            return self.time_question(
                step, _("I did not understand that time. Write it like 18:30.")
            )
        problem = future_problem(local, step.zone, step.now, step.speaker)
        if problem:
            return self.time_question(step, problem)
        length = to_local(occurrence.end, step.zone) - start
        return await self.ask_place(step, time=local.isoformat(), end=(local + length).isoformat())

    async def ask_place(self, step: Step, **data: str) -> list[Reply]:
        """Ask where the moved session is (or that it stays)."""
        found = self.session(step)
        if found is None:
            return stale(step.speaker)
        _ = step.speaker.gettext
        places = place_choices(step.catalogue, step.organisation, found[1].place)
        dialogue = step.dialogue.at("move-place", step.now, places=",".join(places), **data)
        await save(self.dialogues, dialogue)
        actions = [Action(ActionKind.VOLUNTEER, _("Same place"), "place:same")]
        for number, place in enumerate(places):
            label = place_line(step.catalogue, place, step.speaker) or place
            actions.append(Action(ActionKind.VOLUNTEER, label, f"place:{number}"))
        actions.append(close_action(step.speaker))
        return say(step.speaker, _("Where will it be?"), actions)

    async def placed(self, step: Step, value: str) -> list[Reply]:
        """A place (or the same one) was chosen: ask why, unless nothing changes."""
        place = "" if value == "same" else pick(step.data, "places", value)
        if place is None:
            return stale(step.speaker)
        if not place and not step.data.get("time"):
            dialogue = step.dialogue.at("move-time", step.now)
            await save(self.dialogues, dialogue)
            _ = step.speaker.gettext
            return self.time_question(
                step, _("Nothing would change: that is the same time and place.")
            )
        return await self.ask_reason(step, place=place)

    async def ask_reason(self, step: Step, **data: str) -> list[Reply]:
        """Ask for the reason, from the short list."""
        await save(self.dialogues, step.dialogue.at("reason", step.now, **data))
        actions = [
            Action(ActionKind.VOLUNTEER, reason_label(code, step.speaker), f"reason:{code}")
            for code in REASONS
        ]
        text = step.speaker.gettext("Why? Subscribers see the reason in their own language.")
        return say(step.speaker, text, (*actions, close_action(step.speaker)))

    async def confirm(self, step: Step, reason: str) -> list[Reply]:
        """Show exactly what subscribers will get, and how many, before anything changes."""
        found = self.session(step)
        if found is None:
            return stale(step.speaker)
        dialogue = await save(
            self.dialogues, step.dialogue.at("confirm-change", step.now, reason=reason)
        )
        activity, occurrence = found
        change = change_of(replace(step, dialogue=dialogue), activity, occurrence)
        preview = notice_reply(step.catalogue, change, occurrence, step.speaker)
        count = len(await self.notices.recipients(step.catalogue, activity))
        speaker = step.speaker
        if count:
            intro = speaker.ngettext(
                "%(count)d subscriber will get this message, in their own language:",
                "%(count)d subscribers will get this message, each in their own language:",
                count,
            ) % {"count": count}
        else:
            intro = speaker.gettext("Nobody is subscribed yet. Answers will show this change:")
        confirm = Action(ActionKind.VOLUNTEER, speaker.gettext("Confirm"), "ok")
        return say(speaker, f"{intro}\n\n{preview.text}", (confirm, close_action(speaker)))

    async def commit(self, step: Step) -> list[Reply]:
        """Store the change (as this volunteer's) and the subscribers' notices, in one commit."""
        found = self.session(step)
        if found is None:
            return stale(step.speaker)
        activity, occurrence = found
        if step.data.get("time"):
            problem = future_problem(
                datetime.fromisoformat(step.data["time"]), step.zone, step.now, step.speaker
            )
            if problem:
                await save(self.dialogues, step.dialogue.at("move-time", step.now))
                return self.time_question(step, problem)
        change = change_of(step, activity, occurrence)
        async with self.units() as unit:
            await unit.catalogue.change_occurrence(change, step.user)
            told = await self.notices.notify(unit, step.catalogue, change, occurrence)
            await unit.dialogues.clear(step.user)
            await unit.commit()
        log.info(
            "session %s of %s %s by %s; %d notices",
            original_key(occurrence),
            activity.id,
            "cancelled" if change.cancelled else "moved",
            who(step.user),
            told,
        )
        speaker = step.speaker
        done = speaker.gettext("Cancelled.") if change.cancelled else speaker.gettext("Moved.")
        told_text = speaker.ngettext(
            "%(count)d subscriber will be told.", "%(count)d subscribers will be told.", told
        ) % {"count": told}
        return say(speaker, f"{done} {told_text}")
