"""Telling subscribers that a session was cancelled or moved, each in their own language.

The notice is generated from the structured :class:`~catalog.model.OccurrenceChange` (never
from text the volunteer typed), so every subscriber reads it in their language. The reason is
one of :data:`REASONS`, a code rendered per reader. One notice per subscriber and change:
the idempotency key names the reader, the session and a hash of the change, so confirming
the same change again queues nothing new and a later, different change is told again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from catalog.localtime import to_aware, to_local
from catalog.model import Activity, Catalogue, OccurrenceChange, PlaceId
from catalog.occurrences import Occurrence
from catalog.occurrences.expand import moved_to
from catalog.scope import belongs_to
from handlers.core.events import Reply, UserId
from handlers.core.formatting import activity_title, day_heading, place_line, time_range
from handlers.core.i18n import Speaker, Translator
from handlers.core.ports import Clock, OutgoingMessage, SubscriberDirectory, UnitOfWork
from handlers.newcomers.reminder_timing import Subscriber
from handlers.volunteers.reasons import reason_text

NOTICE = "notice"


def _when(start: datetime, end: datetime, speaker: Speaker) -> str:
    return f"{day_heading(start.date(), speaker)} {time_range(start, end, speaker)}"


def new_times(
    change: OccurrenceChange, occurrence: Occurrence, zone: ZoneInfo
) -> tuple[datetime, datetime, PlaceId | None]:
    """Where a move takes the occurrence: aware start and end, and place."""
    session = (to_local(occurrence.start, zone), to_local(occurrence.end, zone))
    start, end, place = moved_to(change, session, occurrence.place, zone)
    return to_aware(start, zone), to_aware(end, zone), place


def notice_reply(
    catalogue: Catalogue, change: OccurrenceChange, occurrence: Occurrence, speaker: Speaker
) -> Reply:
    """The notice of one change to ``occurrence`` (as it was before the change)."""
    _ = speaker.gettext
    title = activity_title(catalogue, change.activity, speaker)
    when = _when(occurrence.start, occurrence.end, speaker)
    if change.cancelled:
        lines = [_("Cancelled: %(title)s, %(when)s.") % {"title": title, "when": when}]
    else:
        lines = [_("Moved: %(title)s, %(when)s.") % {"title": title, "when": when}]
        start, end, place = new_times(change, occurrence, ZoneInfo(catalogue.timezone))
        if (start, end) != (occurrence.start, occurrence.end):
            lines.append(_("New time: %(when)s.") % {"when": _when(start, end, speaker)})
        where = place_line(catalogue, place, speaker) if place != occurrence.place else None
        if where:
            lines.append(_("New place: %(place)s.") % {"place": where})
    reason = reason_text(change.reason, speaker)
    if reason:
        lines.append(_("Reason: %(reason)s.") % {"reason": reason})
    return Reply("\n".join(lines), speaker.language)


def change_fingerprint(change: OccurrenceChange) -> str:
    """A short hash of everything the change says (equal changes, equal hash)."""
    parts = (
        "cancelled" if change.cancelled else "moved",
        change.new_start.isoformat() if change.new_start else "",
        change.new_end.isoformat() if change.new_end else "",
        change.new_place or "",
        change.reason or "",
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _start(change: OccurrenceChange) -> str:
    return change.original_start.isoformat(timespec="minutes")


def notice_key(user: UserId, change: OccurrenceChange) -> str:
    """Idempotency key of one subscriber's notice of one change.

    A cancellation takes the key of the reminder planner's own cancellation notice
    (:func:`handlers.newcomers.reminder_timing.cancellation_key`), so the subscriber hears of it
    once,
    now, and not again when the reminder would have gone out.
    """
    if change.cancelled:
        return f"cancelled:{user}:{change.activity}:{_start(change)}"
    return f"change:{user}:{change.activity}:{_start(change)}:{change_fingerprint(change)}"


def notice_batch(change: OccurrenceChange) -> str:
    """The outbox batch of every notice of changes to one session."""
    return f"change:{change.activity}:{_start(change)}"


async def find_audience(
    directory: SubscriberDirectory, catalogue: Catalogue, activities: Sequence[Activity]
) -> list[Subscriber]:
    """One active subscriber per person following any of ``activities``, looked up in SQL.

    The database narrows the subscriptions to those naming one of the activities or one of
    their kinds in one of their networks; :func:`audience` then decides exactly.
    """
    if not activities:
        return []
    kinds = sorted({kind for activity in activities for kind in activity.kinds})
    networks = [
        network.id
        for network in catalogue.networks
        if any(belongs_to(catalogue, activity, network) for activity in activities)
    ]
    candidates = await directory.subscribers_of([a.id for a in activities], kinds, networks)
    return audience(catalogue, activities, candidates)


async def audience_languages(
    directory: SubscriberDirectory, catalogue: Catalogue, activities: Sequence[Activity]
) -> dict[str | None, int]:
    """How many people :func:`find_audience` finds, per their language, counted in SQL.

    Exact, not an estimate: a kind subscription covers an activity when the activity has the
    kind and belongs to the subscription's network, so the pairs of kind and network that
    cover one of ``activities`` are listed here and the database counts their people.
    """
    if not activities:
        return {}
    pairs = sorted(
        {
            (kind, network.id)
            for activity in activities
            for network in catalogue.networks
            if belongs_to(catalogue, activity, network)
            for kind in activity.kinds
        }
    )
    return await directory.languages_of_followers([a.id for a in activities], pairs)


def audience(
    catalogue: Catalogue, activities: Sequence[Activity], subscribers: Sequence[Subscriber]
) -> list[Subscriber]:
    """One active subscriber per user whose subscriptions cover any of ``activities``.

    The user's first covering subscription is kept (its chat is where the message goes).
    """
    chosen: dict[UserId, Subscriber] = {}
    for subscriber in subscribers:
        user = subscriber.subscription.user
        if not subscriber.active or user in chosen:
            continue
        if any(subscriber.subscription.covers(catalogue, a) for a in activities):
            chosen[user] = subscriber
    return list(chosen.values())


class SessionNotices:
    """Queues the notices of one cancelled or moved session for its subscribers."""

    def __init__(
        self,
        directory: SubscriberDirectory,
        translator: Translator,
        clock: Clock,
        default_language: str = "en",
    ) -> None:
        self.directory = directory
        self.translator = translator
        self.clock = clock
        self.default_language = default_language

    async def recipients(self, catalogue: Catalogue, activity: Activity) -> list[Subscriber]:
        """Who would be told of a change to ``activity`` (one per user, active only)."""
        return await find_audience(self.directory, catalogue, [activity])

    async def notify(
        self,
        unit: UnitOfWork,
        catalogue: Catalogue,
        change: OccurrenceChange,
        occurrence: Occurrence,
    ) -> int:
        """Queue a notice for every subscriber of the activity; returns how many people.

        Written through ``unit``, the transaction that stores the change itself, so the change
        and its notices commit together. ``occurrence`` is the session as subscribers knew it.
        """
        activity = catalogue.activity(change.activity)
        if activity is None:
            return 0
        now = self.clock()
        messages = self.messages(
            catalogue,
            change,
            occurrence,
            await find_audience(unit.subscribers, catalogue, [activity]),
            now,
        )
        await unit.outbox.enqueue(messages, now)
        return len(messages)

    def messages(
        self,
        catalogue: Catalogue,
        change: OccurrenceChange,
        occurrence: Occurrence,
        subscribers: Sequence[Subscriber],
        now: datetime,
    ) -> list[OutgoingMessage]:
        """One notice per subscriber, each in their language."""
        expires = occurrence.end
        if not change.cancelled:
            expires = max(expires, new_times(change, occurrence, ZoneInfo(catalogue.timezone))[1])
        messages = []
        for subscriber in subscribers:
            subscription = subscriber.subscription
            speaker = self.translator.speaker(subscriber.language or self.default_language)
            messages.append(
                OutgoingMessage(
                    key=notice_key(subscription.user, change),
                    chat=subscription.chat,
                    user=subscription.user,
                    reply=notice_reply(catalogue, change, occurrence, speaker),
                    due_at=now,
                    category=NOTICE,
                    activity=change.activity,
                    subscription=subscription.id,
                    expires_at=expires,
                    batch=notice_batch(change),
                )
            )
        return messages
