"""A kind subscription's reminders: one message per day listing that day's sessions.

Why not a reminder per session. "Language clubs in my network" covers every club of the
network: in a town of twenty clubs that is forty messages a week, and in a network of a
national deployment (a thousand activities and more) it asked for millions of reminders a
day — more than a newcomer reads and more than Telegram delivers. So a subscription to a kind
plans one *day digest* per local day with sessions of its kind: due at the subscription's
earliest reminder time for the day's first session (with the default times, the evening
before at 18:00; quiet hours apply as to any reminder), listing the day's sessions, cancelled
ones marked.

The rules beside those of :mod:`handlers.newcomers.reminder_timing`:

- a digest is planned only when its time falls after the subscription was made, and a day
  whose sessions are all cancelled has none;
- a digest that came due while no scheduler ran is sent late if a session of its day has not
  started, listing only those; otherwise it is dropped (recorded and counted, as reminders);
- a session cancelled after its day's digest went out gets the cancellation notice an
  activity subscriber gets (the same key, so one notice per person): :func:`plan_digests` is
  told which digests are out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from catalog.localtime import to_local
from catalog.occurrences import Occurrence
from handlers.newcomers.reminder_timing import (
    STARTED,
    PlannedReminder,
    Subscription,
    Window,
    cancellation_key,
    reminder_times,
)

#: How much wider than a reminder's a digest's sessions are read, on each side: a day is
#: listed whole, so the day of the window's edges must be read to its start and its end.
DAY_MARGIN = timedelta(days=1, hours=2)


@dataclass(frozen=True, slots=True)
class PlannedDigest:
    """The one message of a kind subscription about one local day.

    ``sessions`` are the day's sessions it lists, in order of start (cancelled ones too);
    ``dropped`` is ``None`` for a message to send, else why it will not be.
    """

    key: str
    subscription: Subscription
    day: date
    sessions: tuple[Occurrence, ...]
    due_at: datetime
    dropped: str | None = None


def digest_key(subscription: Subscription, day: date) -> str:
    """Idempotency key of a kind subscription's digest of one local day."""
    return f"digest:{subscription.user}:{subscription.target}:{day.isoformat()}"


def sessions_by_day(
    occurrences: Iterable[Occurrence], zone: tzinfo
) -> dict[date, tuple[Occurrence, ...]]:
    """Occurrences grouped by their local start date, each day in order of start.

    Computed once per kind and network in a planning pass and shared by its subscribers.
    """
    days: dict[date, list[Occurrence]] = {}
    for occurrence in occurrences:
        days.setdefault(to_local(occurrence.start, zone).date(), []).append(occurrence)
    return {
        day: tuple(sorted(found, key=lambda o: (o.start, o.activity)))
        for day, found in sorted(days.items())
    }


def plan_digests(
    subscription: Subscription,
    days: Mapping[date, Sequence[Occurrence]],
    window: Window,
    zone: tzinfo,
    out: Collection[str] = (),
) -> tuple[list[PlannedDigest], list[PlannedReminder]]:
    """The digests ``subscription`` calls for in the window, and late cancellation notices.

    ``days`` are the covered activities' sessions by local day (:func:`sessions_by_day`),
    whole days, cancelled ones included. ``out`` are the keys of digests already in the
    outbox (sent, being sent or dropped): such a day gets no digest again, but each of its
    cancelled sessions gets a cancellation notice.
    """
    digests: list[PlannedDigest] = []
    notices: list[PlannedReminder] = []
    now = window.utc[0]
    for day, sessions in days.items():
        live = [o for o in sessions if not o.cancelled]
        if not live:
            continue
        times = [
            moment
            for _, moment in reminder_times(
                live[0].start, subscription.leads, window.quiet, zone
            )
            if moment > subscription.created_at
        ]
        if not times:
            continue
        due = times[0]
        key = digest_key(subscription, day)
        if key in out:
            notices += _late_cancellations(subscription, sessions, due, window)
            continue
        if not window.includes(due):
            continue
        listed = tuple(sessions)
        dropped = None
        if due <= now:
            upcoming = tuple(o for o in sessions if o.start > now)
            if any(not o.cancelled for o in upcoming):
                listed = upcoming
            else:
                dropped = STARTED
        digests.append(PlannedDigest(key, subscription, day, listed, due, dropped))
    return digests, notices


def _late_cancellations(
    subscription: Subscription, sessions: Sequence[Occurrence], due: datetime, window: Window
) -> list[PlannedReminder]:
    """Cancellation notices for a day whose digest is out, for sessions not yet started."""
    now = window.utc[0]
    return [
        PlannedReminder(cancellation_key(subscription.user, o), subscription, o, max(due, now))
        for o in sessions
        if o.cancelled and o.start > now
    ]
