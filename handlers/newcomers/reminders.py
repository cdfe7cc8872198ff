"""Subscribing, listing and stopping reminders, and the texts of the messages they send.

:class:`Reminders` is the part of the conversation about subscriptions; :class:`ReminderFlow`
owns the ``remind``/``reminders`` commands and the reminder choices in the flow table. The message
texts are rendered here, in the subscriber's language, when a reminder is planned; the
outbox stores the rendered :class:`Reply` and sends it unchanged.

Choices carry small arguments (Telegram allows 64 bytes of callback data): ``REMIND`` an
activity id or ``kind:<kind>``; ``STOP_REMINDERS`` a subscription id; ``REMINDER_TIMES``
``<subscription id>:<lead code>[,<lead code>]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from catalog.model import Activity, ActivityId, Catalogue
from catalog.occurrences import Occurrence
from catalog.vocabulary import KINDS
from handlers.core.events import Action, ActionKind, ChatId, Profile, Reply
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import (
    activity_title,
    clock,
    day_heading,
    localised,
    place_line,
    time_range,
)
from handlers.core.i18n import Speaker
from handlers.core.numbers import ascii_number
from handlers.core.ports import Clock, DemandEvent, SubscriptionListener, SubscriptionStore
from handlers.core.turn import Turn
from handlers.newcomers.answers import holiday_notice, invalid_choice_reply
from handlers.newcomers.calendar import FeedLinks, calendar_action
from handlers.newcomers.day_digest import PlannedDigest
from handlers.newcomers.demand import DemandTally
from handlers.newcomers.reminder_timing import (
    DEFAULT_LEADS,
    EVENING_BEFORE,
    TWO_HOURS_BEFORE,
    Lead,
    Subscription,
)
from handlers.volunteers.reasons import reason_text
from handlers.volunteers.typed_input import kind_label

if TYPE_CHECKING:
    from handlers.newcomers.assistant import Answer

KIND_ARGUMENT = "kind:"

#: The lead-time presets offered after subscribing, besides the default pair.
ONE_DAY_BEFORE = Lead(before=timedelta(days=1))
ONE_HOUR_BEFORE = Lead(before=timedelta(hours=1))
LEAD_PRESETS: tuple[tuple[Lead, ...], ...] = (
    DEFAULT_LEADS,
    (EVENING_BEFORE,),
    (TWO_HOURS_BEFORE,),
    (ONE_DAY_BEFORE, ONE_HOUR_BEFORE),
)


# --- texts -------------------------------------------------------------------------------------


def lead_text(lead: Lead, speaker: Speaker) -> str:
    """``the evening before at 18:00`` / ``2 hours before`` in the reader's language."""
    if lead.evening is not None:
        return speaker.gettext("the evening before at %(time)s") % {
            "time": speaker_time(lead, speaker)
        }
    assert lead.before is not None
    minutes = int(lead.before.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return speaker.ngettext("%(count)d day before", "%(count)d days before", days) % {
            "count": days
        }
    if minutes % 60 == 0:
        hours = minutes // 60
        return speaker.ngettext("%(count)d hour before", "%(count)d hours before", hours) % {
            "count": hours
        }
    return speaker.ngettext("%(count)d minute before", "%(count)d minutes before", minutes) % {
        "count": minutes
    }


def speaker_time(lead: Lead, speaker: Speaker) -> str:
    """An evening lead's wall time in the reader's locale."""
    assert lead.evening is not None
    return clock(datetime.combine(date(2000, 1, 1), lead.evening), speaker)


def leads_text(leads: Sequence[Lead], speaker: Speaker) -> str:
    """Every lead of a subscription, joined for a sentence."""
    return ", ".join(lead_text(lead, speaker) for lead in leads)


def _when(occurrence: Occurrence, speaker: Speaker) -> str:
    day = day_heading(occurrence.start.date(), speaker)
    return f"{day} {time_range(occurrence.start, occurrence.end, speaker)}"


def _stop(subscription: Subscription, speaker: Speaker) -> Action:
    return Action(
        ActionKind.STOP_REMINDERS, speaker.gettext("Stop these reminders"), str(subscription.id)
    )


def _actions(
    subscription: Subscription, occurrence: Occurrence, speaker: Speaker, links: FeedLinks | None
) -> tuple[Action, ...]:
    """Stop, and "Add to calendar" where feeds are served."""
    add = calendar_action(links, occurrence.activity, speaker)
    return (_stop(subscription, speaker), *([add] if add is not None else []))


def for_subscription(reply: Reply, subscription: Subscription, speaker: Speaker) -> Reply:
    """A reminder or cancellation rendered for one subscription, made another's.

    Only the stop button names the subscription: a planning pass renders an occurrence's
    text once per language and hands it to every subscriber reading that language.
    """
    # The stop button comes first (see _actions); "Add to calendar" is the activity's own.
    return replace(reply, actions=(_stop(subscription, speaker), *reply.actions[1:]))


def reminder_reply(
    catalogue: Catalogue,
    occurrence: Occurrence,
    subscription: Subscription,
    speaker: Speaker,
    links: FeedLinks | None = None,
) -> Reply:
    """A reminder of one occurrence: what, when, where, and any change to this time."""
    _ = speaker.gettext
    title = activity_title(catalogue, occurrence.activity, speaker)
    lines = [_("Reminder: %(title)s") % {"title": title}, _when(occurrence, speaker)]
    if occurrence.moved:
        day = day_heading(occurrence.start.date(), speaker)
        moved_to = f"{day} {clock(occurrence.start, speaker)}"
        lines.append(_("Changed this time: it is now at %(time)s.") % {"time": moved_to})
    place = place_line(catalogue, occurrence.place, speaker)
    if place:
        lines.append(place)
    reason = reason_text(occurrence.reason, speaker)
    if reason:
        lines.append(_("Reason: %(reason)s.") % {"reason": reason})
    actions = _actions(subscription, occurrence, speaker, links)
    return Reply("\n".join(lines), speaker.language, actions)


def cancellation_reply(
    catalogue: Catalogue,
    occurrence: Occurrence,
    subscription: Subscription,
    speaker: Speaker,
    links: FeedLinks | None = None,
) -> Reply:
    """The notice sent instead of a reminder when this occurrence is cancelled (or a holiday)."""
    _ = speaker.gettext
    actions = _actions(subscription, occurrence, speaker, links)
    if occurrence.holiday is not None:
        return Reply(holiday_notice(catalogue, occurrence, speaker), speaker.language, actions)
    title = activity_title(catalogue, occurrence.activity, speaker)
    lines = [
        _("Cancelled this time: %(title)s") % {"title": title},
        _when(occurrence, speaker),
    ]
    reason = reason_text(occurrence.reason, speaker)
    if reason:
        lines.append(_("Reason: %(reason)s.") % {"reason": reason})
    return Reply("\n".join(lines), speaker.language, actions)


#: Sessions a day digest lists before saying how many more there are: a phone screen's worth.
DIGEST_LINES = 8


def digest_reply(
    catalogue: Catalogue, digest: PlannedDigest, subscription: Subscription, speaker: Speaker
) -> Reply:
    """A kind subscription's message about one day: its sessions, cancelled ones marked."""
    _ = speaker.gettext
    title = f"{kind_label(subscription.kind or '', speaker)}, {day_heading(digest.day, speaker)}"
    lines = [_("Reminder: %(title)s") % {"title": title}]
    for occurrence in digest.sessions[:DIGEST_LINES]:
        session = (
            f"{time_range(occurrence.start, occurrence.end, speaker)} "
            f"{activity_title(catalogue, occurrence.activity, speaker)}"
        )
        if occurrence.cancelled:
            session = _("Cancelled this time: %(title)s") % {"title": session}
        lines.append(session)
    more = len(digest.sessions) - DIGEST_LINES
    if more > 0:
        lines.append(
            speaker.ngettext("…and %(count)d more.", "…and %(count)d more.", more)
            % {"count": more}
        )
    return Reply("\n".join(lines), speaker.language, (_stop(subscription, speaker),))


def new_activity_reply(
    catalogue: Catalogue, activity: Activity, subscription: Subscription, speaker: Speaker
) -> Reply:
    """Tell a kind subscriber about a new activity of that kind in their network."""
    _ = speaker.gettext
    text = _("New near you: %(title)s") % {"title": localised(activity.title, speaker)}
    place = place_line(catalogue, activity.place, speaker)
    if place:
        text += "\n" + place
    actions = (
        Action(ActionKind.SHOW, _("Tell me more"), activity.id),
        _stop(subscription, speaker),
    )
    return Reply(text, speaker.language, actions)


def subscription_title(subscription: Subscription, catalogue: Catalogue, speaker: Speaker) -> str:
    """What a subscription is about, for the ``/reminders`` list."""
    if subscription.activity is not None:
        activity = catalogue.activity(subscription.activity)
        if activity is None:
            return speaker.gettext("an activity no longer on offer")
        return localised(activity.title, speaker)
    return speaker.gettext("all activities of the kind “%(kind)s”") % {
        "kind": kind_label(subscription.kind or "", speaker)
    }


def parse_times_argument(argument: str) -> tuple[int, tuple[Lead, ...]] | None:
    """Read ``<id>:<code>[,<code>]`` from a ``REMINDER_TIMES`` choice; ``None`` if malformed."""
    text, _, codes = argument.partition(":")
    number = ascii_number(text)
    if number is None or not codes:
        return None
    try:
        leads = tuple(Lead.parse(code) for code in codes.split(","))
    except ValueError:
        return None
    return number, leads


# --- the conversation about subscriptions ------------------------------------------------------


class Reminders:
    """Subscribe, list, change lead times and stop; tells the planner about every change."""

    def __init__(
        self, store: SubscriptionStore, listener: SubscriptionListener, clock: Clock
    ) -> None:
        self.store = store
        self.listener = listener
        self.clock = clock

    async def subscribe(
        self,
        profile: Profile,
        chat: ChatId,
        argument: str,
        catalogue: Catalogue,
        speaker: Speaker,
    ) -> Reply:
        """``REMIND`` an activity id or ``kind:<kind>``: subscribe with the default times."""
        _ = speaker.gettext
        argument = argument.strip()
        if argument.startswith(KIND_ARGUMENT):
            kind = argument.removeprefix(KIND_ARGUMENT)
            if kind not in KINDS or profile.network is None:
                return Reply(_("Sorry, I cannot remind you of that."), speaker.language)
            wanted = Subscription(
                profile.user, chat, self.clock(), kind=kind, network=profile.network
            )
        else:
            activity = catalogue.activity(argument)
            if activity is None:
                return Reply(_("Sorry, that activity is no longer on offer."), speaker.language)
            wanted = Subscription(profile.user, chat, self.clock(), activity=ActivityId(argument))
        existing = {s.target: s for s in await self.store.for_user(profile.user)}
        if wanted.target in existing:
            wanted = replace(wanted, leads=existing[wanted.target].leads)
        stored = await self.store.add(wanted)
        await self.listener.subscriptions_changed(profile.user)
        return self.confirmation(stored, catalogue, speaker)

    def confirmation(
        self, subscription: Subscription, catalogue: Catalogue, speaker: Speaker
    ) -> Reply:
        """Say what will be sent when, and offer the other lead-time presets."""
        _ = speaker.gettext
        text = _("I will remind you of %(what)s: %(when)s.") % {
            "what": subscription_title(subscription, catalogue, speaker),
            "when": leads_text(subscription.leads, speaker),
        }
        if subscription.kind is not None:
            text += "\n" + _("You get one message a day that lists them all.")
            text += "\n" + _("I will also tell you when a new one starts near you.")
        actions = [
            Action(
                ActionKind.REMINDER_TIMES,
                leads_text(preset, speaker),
                f"{subscription.id}:{','.join(lead.code for lead in preset)}",
            )
            for preset in LEAD_PRESETS
            if preset != subscription.leads
        ]
        actions.append(_stop(subscription, speaker))
        return Reply(text, speaker.language, tuple(actions))

    async def change_times(
        self, profile: Profile, argument: str, catalogue: Catalogue, speaker: Speaker
    ) -> Reply | None:
        """``REMINDER_TIMES``: pick other lead times; ``None`` for a stale or forged choice."""
        parsed = parse_times_argument(argument)
        if parsed is None:
            return None
        number, leads = parsed
        current = await self.store.get(number)
        if current is None or current.user != profile.user:
            return None
        stored = await self.store.add(replace(current, leads=leads))
        await self.listener.subscriptions_changed(profile.user)
        return self.confirmation(stored, catalogue, speaker)

    async def stop(
        self, profile: Profile, argument: str, catalogue: Catalogue, speaker: Speaker
    ) -> Reply:
        """``STOP_REMINDERS``: cancel one subscription (its pending reminders go too)."""
        _ = speaker.gettext
        number = ascii_number(argument)
        removed = None if number is None else await self.store.remove(profile.user, number)
        if removed is None:
            return Reply(_("That reminder was already stopped."), speaker.language)
        await self.listener.subscriptions_changed(profile.user)
        return Reply(
            _("Stopped: I will no longer remind you of %(what)s.")
            % {"what": subscription_title(removed, catalogue, speaker)},
            speaker.language,
        )

    async def listing(self, profile: Profile, catalogue: Catalogue, speaker: Speaker) -> Reply:
        """``/reminders``: every subscription with its times and a button to stop it."""
        _ = speaker.gettext
        subscriptions = await self.store.for_user(profile.user)
        if not subscriptions:
            return Reply(
                _("You have no reminders. Ask about an activity and choose “Remind me”."),
                speaker.language,
            )
        lines = [_("Your reminders:")]
        actions = []
        for number, subscription in enumerate(subscriptions, start=1):
            title = subscription_title(subscription, catalogue, speaker)
            lines.append(f"{number}. {title}: {leads_text(subscription.leads, speaker)}")
            actions.append(
                Action(
                    ActionKind.STOP_REMINDERS,
                    _("Stop %(number)d") % {"number": number},
                    str(subscription.id),
                )
            )
        return Reply("\n".join(lines), speaker.language, tuple(actions))

    async def forget(self, profile: Profile) -> None:
        """The user deleted their data: drop their subscriptions and everything queued."""
        await self.store.remove_all(profile.user)
        await self.listener.forgotten(profile.user)


class ReminderFlow(FlowBase):
    """``/remind``, ``/reminders`` and the reminder buttons, over :class:`Reminders`."""

    declaration = FlowDeclaration(
        "reminders",
        commands=(
            CommandSpec("remind", N_("Remind me of an activity"), in_groups=False),
            CommandSpec("reminders", N_("Your reminders"), in_groups=False),
        ),
        choices=frozenset(
            {ActionKind.REMIND, ActionKind.STOP_REMINDERS, ActionKind.REMINDER_TIMES}
        ),
    )

    def __init__(
        self,
        reminders: Reminders,
        speakers: Callable[[str | None], Speaker],
        tally: DemandTally | None = None,
    ) -> None:
        self.reminders = reminders
        self.speakers = speakers
        self.tally = tally

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/remind <activity or kind>`` subscribes; ``/reminders`` or a bare ``/remind`` lists."""
        if name == "remind" and argument:
            if argument in KINDS:
                argument = KIND_ARGUMENT + argument
            return [await self.subscribe(turn, argument)]
        return [await self.reminders.listing(turn.profile, turn.catalogue, turn.speaker)]

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """``REMIND``, ``STOP_REMINDERS`` and ``REMINDER_TIMES``."""
        profile, catalogue, speaker = turn.profile, turn.catalogue, turn.speaker
        if kind is ActionKind.REMIND:
            if self.tally is not None:  # a reminder taken after an answer
                await self.tally.followed(turn, DemandEvent.REMINDER)
            return [await self.subscribe(turn, argument)]
        if kind is ActionKind.STOP_REMINDERS:
            return [await self.reminders.stop(profile, argument, catalogue, speaker)]
        changed = await self.reminders.change_times(profile, argument, catalogue, speaker)
        return [changed or invalid_choice_reply(speaker)]

    async def subscribe(self, turn: Turn, argument: str) -> Reply:
        """Subscribe the user to an activity id or ``kind:<kind>``."""
        return await self.reminders.subscribe(
            turn.profile, turn.chat, argument, turn.catalogue, turn.speaker
        )

    async def remind_asked(self, turn: Turn, answer: Answer) -> list[Reply]:
        """'Remind me about the language club': subscribe to the best match it found.

        With no match, the answer already says so; nothing is subscribed.
        """
        if answer.search is None or not answer.search.matches:
            return []
        best = answer.search.matches[0].activity.id
        if self.tally is not None:
            await self.tally.followed(turn, DemandEvent.REMINDER)
        speaker = self.speakers(answer.query.language)
        confirmation = await self.reminders.subscribe(
            turn.profile, turn.chat, best, turn.catalogue, speaker
        )
        if len(answer.query.kinds) == 1:  # offer the whole kind, e.g. every language club
            [kind] = answer.query.kinds
            every = Action(
                ActionKind.REMIND,
                speaker.gettext("All activities of this kind"),
                f"{KIND_ARGUMENT}{kind}",
            )
            confirmation = replace(confirmation, actions=(*confirmation.actions, every))
        return [confirmation]

    async def forget(self, profile: Profile) -> None:
        """The user deleted their data: drop their subscriptions and everything queued."""
        await self.reminders.forget(profile)
