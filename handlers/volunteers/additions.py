"""Adding to the tray: a one-off date of an activity, or a new event of the organisation.

Add a date: ``add-when`` (typed) → ``duration`` → ``confirm-add``. New event (organisers and
coordinators only): ``new-title`` (typed, in the volunteer's language) → ``new-kind`` →
``new-when`` (typed) → ``duration`` → ``new-place`` → ``confirm-add``. Confirming hands the
addition to a unit of work, recorded as the volunteer's, together with the end of the dialogue.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from catalog.localtime import to_aware
from catalog.model import Activity, ActivityId, OneOffDate, OrganisationId, PlaceId
from catalog.vocabulary import KINDS
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.formatting import activity_title, day_heading, localised, place_line, time_range
from handlers.core.log_ids import who
from handlers.core.numbers import ascii_number
from handlers.core.ports import DialogueStore, UnitOfWorkFactory
from handlers.volunteers.session_changes import place_choices
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
from handlers.volunteers.typed_input import (
    DURATIONS,
    TITLE_MAX,
    TITLE_MIN,
    clean_title,
    duration_text,
    future_problem,
    kind_label,
    new_activity_id,
    parse_when,
    resolve_when,
    taken_ids,
    usual_minutes,
)

log = logging.getLogger(__name__)

STEPS = frozenset(
    {"add-when", "new-title", "new-kind", "new-when", "duration", "new-place", "confirm-add"}
)

ADD = "add"
NEW = "new"

#: What a new event is: something newcomers take part in, open to everyone.
NEW_EVENT_CLASS = "participation"
NEW_EVENT_AUDIENCE = ("everyone",)


def example_when(step: Step) -> str:
    """A date and time a week from now, written the way the volunteer should write one."""
    day = step.now.astimezone(step.zone).date() + timedelta(days=7)
    return f"{day.day}.{day.month}. 18:30"


def session_times(step: Step) -> tuple[datetime, datetime] | None:
    """The new session's local start and end from the dialogue, if both are known."""
    start, minutes = step.data.get("time", ""), step.data.get("minutes", "")
    length = ascii_number(minutes)
    if not start or length is None:
        return None
    begins = datetime.fromisoformat(start)
    return begins, begins + timedelta(minutes=length)


class Additions:
    """The add-a-date and new-event steps of the volunteer flow."""

    def __init__(self, dialogues: DialogueStore, units: UnitOfWorkFactory) -> None:
        self.dialogues = dialogues
        self.units = units

    async def begin(self, step: Step, op: str) -> list[Reply]:
        """Ask for the new date (add) or the new event's name (new)."""
        _ = step.speaker.gettext
        if op == ADD and step.activity is not None:
            await save(self.dialogues, moved_on(step.dialogue, "add-when", step.now, op=op))
            return self.when_question(step)
        if op == NEW:
            await save(self.dialogues, moved_on(step.dialogue, "new-title", step.now, op=op))
            text = _("Write the name of the new event in %(language)s.") % {
                "language": step.speaker.language_name(step.speaker.language)
            }
            return say(step.speaker, text, (close_action(step.speaker),))
        return stale(step.speaker)

    def when_question(self, step: Step, problem: str | None = None) -> list[Reply]:
        """Ask for the date and time (after what was wrong with the last answer)."""
        ask = step.speaker.gettext("Write the date and time, for example %(example)s.") % {
            "example": example_when(step)
        }
        text = f"{problem}\n{ask}" if problem else ask
        return say(step.speaker, text, (close_action(step.speaker),))

    # --- typed answers --------------------------------------------------------------------

    async def text(self, step: Step, text: str) -> list[Reply]:
        """A typed date and time, or the new event's name."""
        state = step.dialogue.step
        if state in ("add-when", "new-when"):
            return await self.when_typed(step, text)
        if state == "new-title":
            return await self.title_typed(step, text)
        return say(step.speaker, buttons_please(step.speaker))

    async def when_typed(self, step: Step, text: str) -> list[Reply]:
        """Read ``d.m.[yyyy] hh:mm``; a past, far or unreadable one is asked again."""
        _ = step.speaker.gettext
        typed = parse_when(text)
        today = step.now.astimezone(step.zone).date()
        local = resolve_when(typed, None, today) if typed else None
        if local is None:
            unclear = _("I did not understand that date and time. Write it like %(example)s.")
            return self.when_question(step, unclear % {"example": example_when(step)})
        problem = future_problem(local, step.zone, step.now, step.speaker)
        if problem:
            return self.when_question(step, problem)
        await save(self.dialogues, step.dialogue.at("duration", step.now, time=local.isoformat()))
        return self.duration_question(step)

    async def title_typed(self, step: Step, text: str) -> list[Reply]:
        """The new event's name; then ask what kind of event it is."""
        _ = step.speaker.gettext
        title = clean_title(text)
        if title is None:
            problem = _("Please write a name of %(low)d to %(high)d characters.") % {
                "low": TITLE_MIN,
                "high": TITLE_MAX,
            }
            return say(step.speaker, problem, (close_action(step.speaker),))
        dialogue = step.dialogue.at(
            "new-kind", step.now, title=title, title_language=step.speaker.language
        )
        await save(self.dialogues, dialogue)
        actions = [
            Action(ActionKind.VOLUNTEER, kind_label(kind, step.speaker), f"kind:{kind}")
            for kind in KINDS
        ]
        text = _("What kind of event is it?")
        return say(step.speaker, text, (*actions, close_action(step.speaker)))

    # --- choices --------------------------------------------------------------------------

    def durations(self, step: Step) -> list[int]:
        """The lengths offered: the activity's usual one first, then the presets."""
        activity = step.activity if step.data.get("op") == ADD else None
        usual = usual_minutes(activity) if activity else None
        return list(dict.fromkeys([*([usual] if usual else []), *DURATIONS]))

    def duration_question(self, step: Step) -> list[Reply]:
        """Ask how long the session lasts."""
        _ = step.speaker.gettext
        actions = [
            Action(ActionKind.VOLUNTEER, duration_text(minutes, step.speaker), f"dur:{minutes}")
            for minutes in self.durations(step)
        ]
        text = _("How long does it last?")
        return say(step.speaker, text, (*actions, close_action(step.speaker)))

    async def choice(self, step: Step, op: str, value: str) -> list[Reply]:
        """``kind:<kind>``, ``dur:<minutes>``, ``place:<n>``, ``ok``."""
        state, new = step.dialogue.step, step.data.get("op") == NEW
        if state == "new-kind" and op == "kind" and value in KINDS and new:
            await save(self.dialogues, step.dialogue.at("new-when", step.now, kind=value))
            return self.when_question(step)
        minutes = ascii_number(value) if op == "dur" else None
        if state == "duration" and minutes is not None:
            if minutes not in self.durations(step):
                return stale(step.speaker)
            if new:
                return await self.ask_place(step, minutes=value)
            return await self.confirm(step, minutes=value)
        if state == "new-place" and op == "place" and new:
            place = pick(step.data, "places", value)
            if place is None:
                return stale(step.speaker)
            return await self.confirm(step, place=place)
        if state == "confirm-add" and op == "ok":
            return await self.commit(step)
        return stale(step.speaker)

    async def ask_place(self, step: Step, **data: str) -> list[Reply]:
        """Ask where the new event is."""
        places = place_choices(step.catalogue, step.organisation)
        dialogue = step.dialogue.at("new-place", step.now, **data, places=",".join(places))
        await save(self.dialogues, dialogue)
        actions = [
            Action(
                ActionKind.VOLUNTEER,
                place_line(step.catalogue, place, step.speaker) or place,
                f"place:{number}",
            )
            for number, place in enumerate(places)
        ]
        text = step.speaker.gettext("Where is it?")
        return say(step.speaker, text, (*actions, close_action(step.speaker)))

    async def confirm(self, step: Step, **data: str) -> list[Reply]:
        """Show what will be added before it is."""
        dialogue = await save(self.dialogues, step.dialogue.at("confirm-add", step.now, **data))
        step = replace(step, dialogue=dialogue)
        times = session_times(step)
        if times is None:
            return stale(step.speaker)
        speaker = step.speaker
        _ = speaker.gettext
        start, end = (to_aware(t, step.zone) for t in times)
        when = f"{day_heading(start.date(), speaker)} {time_range(start, end, speaker)}"
        if step.data.get("op") == NEW:
            lines = [
                _("New event: %(title)s") % {"title": step.data.get("title", "")},
                kind_label(step.data.get("kind", ""), speaker),
                when,
                place_line(step.catalogue, PlaceId(step.data.get("place", "")), speaker) or "",
            ]
        else:
            activity = step.activity
            title = activity_title(step.catalogue, activity.id, speaker) if activity else ""
            lines = [_("New session of %(title)s: %(when)s") % {"title": title, "when": when}]
        lines.append(_("Add it?"))
        confirm = Action(ActionKind.VOLUNTEER, _("Confirm"), "ok")
        return say(
            speaker, "\n".join(line for line in lines if line), (confirm, close_action(speaker))
        )

    async def commit(self, step: Step) -> list[Reply]:
        """Store the addition (as this volunteer's) and end the flow, in one commit."""
        times = session_times(step)
        if times is None:
            return stale(step.speaker)
        problem = future_problem(times[0], step.zone, step.now, step.speaker)
        if problem:
            await save(self.dialogues, step.dialogue.at(f"{step.data.get('op')}-when", step.now))
            return self.when_question(step, problem)
        if step.data.get("op") == NEW:
            title, event = self.new_event(step, times)
            async with self.units() as unit:
                if event is not None:
                    await unit.catalogue.add_activity(event, step.user)
                await unit.dialogues.clear(step.user)
                await unit.commit()
            if event is not None:
                log.info("event %s added by %s", event.id, who(step.user))
        else:
            activity = step.activity
            if activity is None:
                return stale(step.speaker)
            if self.taken(step, activity.id, times[0]):
                await save(self.dialogues, step.dialogue.at("add-when", step.now))
                return self.when_question(
                    step, step.speaker.gettext("There is already a session at that time.")
                )
            async with self.units() as unit:
                await unit.catalogue.add_date(activity.id, OneOffDate(*times), step.user)
                await unit.dialogues.clear(step.user)
                await unit.commit()
            log.info("date added to %s by %s", activity.id, who(step.user))
            title = localised(activity.title, step.speaker)
        start, end = (to_aware(t, step.zone) for t in times)
        when = f"{day_heading(start.date(), step.speaker)} {time_range(start, end, step.speaker)}"
        return say(
            step.speaker,
            step.speaker.gettext("Added: %(title)s, %(when)s.") % {"title": title, "when": when},
        )

    def taken(self, step: Step, activity: ActivityId, start: datetime) -> bool:
        """Whether the activity already has a session starting then."""
        instant = to_aware(start, step.zone)
        found = step.index.between(
            instant, instant + timedelta(minutes=1), [activity], include_cancelled=True
        )
        return bool(found)

    def new_event(
        self, step: Step, times: tuple[datetime, datetime]
    ) -> tuple[str, Activity | None]:
        """The new event's title, and the event (``None`` when its id is in the catalogue)."""
        data = step.data
        title = data.get("title", "")
        activity_id = data.get("new_id") or new_activity_id(
            step.organisation, title, times[0].date(), taken_ids(step.catalogue)
        )
        if step.catalogue.activity(activity_id) is not None:
            return title, None
        return title, Activity(
            id=ActivityId(activity_id),
            organisation=OrganisationId(step.organisation),
            klass=NEW_EVENT_CLASS,
            kinds=(data.get("kind", ""),),
            title=((data.get("title_language", step.speaker.language), title),),
            audience=NEW_EVENT_AUDIENCE,
            place=PlaceId(data["place"]) if data.get("place") else None,
            dates=(OneOffDate(*times),),
        )
