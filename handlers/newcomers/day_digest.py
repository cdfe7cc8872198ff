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

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
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
    subscription_times,
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


@dataclass(frozen=True, slots=True)
class DaySessions:
    """One local day's sessions of a kind and network, with what every digest asks of them.

    Made once per kind and network in a planning pass and read by each of its subscribers
    (100,000 kind subscribers in a national pass): the day's first session that is held, the
    start of its last, and the starts to find the sessions still to come.
    """

    day: date
    sessions: tuple[Occurrence, ...]
    starts: tuple[datetime, ...]
    first_held: Occurrence | None
    last_held_start: datetime | None

    def still_to_come(self, now: datetime) -> tuple[Occurrence, ...]:
        """The sessions starting after ``now``."""
        return self.sessions[bisect_right(self.starts, now) :]


def sessions_by_day(occurrences: Iterable[Occurrence], zone: tzinfo) -> list[DaySessions]:
    """Occurrences grouped by their local start date, each day in order of start."""
    days: dict[date, list[Occurrence]] = {}
    for occurrence in occurrences:
        days.setdefault(to_local(occurrence.start, zone).date(), []).append(occurrence)
    grouped = []
    for day, found in sorted(days.items()):
        sessions = tuple(sorted(found, key=lambda o: (o.start, o.activity)))
        held = [o for o in sessions if not o.cancelled]
        grouped.append(
            DaySessions(
                day,
                sessions,
                tuple(o.start for o in sessions),
                held[0] if held else None,
                held[-1].start if held else None,
            )
        )
    return grouped


def plan_digests(
    subscription: Subscription,
    days: Iterable[DaySessions],
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
    for day in days:
        if day.first_held is None:
            continue  # every session cancelled: nothing to go to
        times = subscription_times(subscription, day.first_held.start, window.quiet, zone)
        if not times:
            continue
        due = times[0][1]
        if out and (key := digest_key(subscription, day.day)) in out:
            notices += _late_cancellations(subscription, day.sessions, due, window)
            continue
        if not window.includes(due):
            continue
        listed = day.sessions
        dropped = None
        if due <= now:
            assert day.last_held_start is not None
            if day.last_held_start > now:
                listed = day.still_to_come(now)
            else:
                dropped = STARTED
        key = digest_key(subscription, day.day)
        digests.append(PlannedDigest(key, subscription, day.day, listed, due, dropped))
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
