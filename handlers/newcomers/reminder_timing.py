"""When reminders are due: lead times, quiet hours, and planning them from subscriptions.

Pure functions over values, so that the rules can be tested exhaustively with a controlled
clock; :mod:`bot.scheduling` runs them and writes the result to the outbox.

The rules (issue "Reminders and subscriptions"):

- a lead time is either *the evening before* at a local wall time (18:00 by default) or a
  fixed real duration *before* the start (2 hours by default). The evening before is a wall
  time on the previous local date, so it stays at 18:00 on both sides of a DST change; "2 hours
  before" is two real hours (computed in UTC: Python subtracts wall time within one zone), so
  a 04:30 EEST start on the spring-change night is reminded at 01:30 EET;
- nothing is sent in the quiet hours (22:00–08:00 local, half-open) unless the occurrence
  itself starts in them. A reminder that falls in them is deferred to their end when that is
  still before the start, otherwise advanced to the last minute before they began;
- a reminder is only planned when it falls after the subscription was made, and is never at
  or after the start; two leads that land on the same instant give one reminder;
- a cancelled occurrence gets one cancellation notice instead of its reminders, due when its
  first reminder would have been;
- reminders that came due while the bot was down are sent late if their occurrence has not
  started, but only the latest of them per occurrence (the others are *superseded*); those of
  an occurrence that already started are *dropped*. Both are planned as rows marked dropped,
  so they are counted and their idempotency keys are used up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from catalog.localtime import to_aware, to_local
from catalog.model import Activity, ActivityId, Catalogue
from catalog.occurrences import Occurrence
from catalog.scope import belongs_to
from handlers.core.events import ChatId, UserId

_EVENING = re.compile(r"evening-(\d\d):(\d\d)")
_BEFORE = re.compile(r"before-(\d+)m")


@dataclass(frozen=True, slots=True)
class Lead:
    """How long before an occurrence to remind: the evening before at a time, or a duration.

    Exactly one of ``evening`` and ``before`` is set. :attr:`code` is its stable spelling in
    the database and in idempotency keys.
    """

    evening: time | None = None
    before: timedelta | None = None
    code: str = field(init=False, compare=False, repr=False)
    """``evening-18:00`` or ``before-120m``; spelt once, as every reminder key carries it."""

    def __post_init__(self) -> None:
        if (self.evening is None) == (self.before is None):
            raise ValueError("a lead is either an evening time or a duration before")
        if self.before is not None and self.before <= timedelta(0):
            raise ValueError("a lead duration must be positive")
        if self.evening is not None:
            code = f"evening-{self.evening:%H:%M}"
        else:
            assert self.before is not None
            code = f"before-{int(self.before.total_seconds() // 60)}m"
        object.__setattr__(self, "code", code)

    @classmethod
    def parse(cls, code: str) -> Lead:
        """Read a :attr:`code` back; ``ValueError`` for anything else."""
        if found := _EVENING.fullmatch(code):
            return cls(evening=time(int(found[1]), int(found[2])))
        if found := _BEFORE.fullmatch(code):
            return cls(before=timedelta(minutes=int(found[1])))
        raise ValueError(f"not a lead time: {code!r}")

    def instant(self, start: datetime, zone: tzinfo) -> datetime:
        """The instant this lead names for an occurrence starting at aware ``start``."""
        if self.before is not None:  # real time: aware arithmetic in one zone is wall time
            return (start.astimezone(UTC) - self.before).astimezone(zone)
        assert self.evening is not None
        previous: date = to_local(start, zone).date() - timedelta(days=1)
        return to_aware(datetime.combine(previous, self.evening), zone)


EVENING_BEFORE = Lead(evening=time(18, 0))
TWO_HOURS_BEFORE = Lead(before=timedelta(hours=2))
DEFAULT_LEADS: tuple[Lead, ...] = (EVENING_BEFORE, TWO_HOURS_BEFORE)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local wall times ``[start, end)`` when nothing is sent; may run past midnight."""

    start: time = time(22, 0)
    end: time = time(8, 0)

    def contains(self, wall: time) -> bool:
        """Whether a local wall time is quiet."""
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def is_quiet(self, instant: datetime, zone: tzinfo) -> bool:
        """Whether an aware instant is quiet in ``zone``."""
        return self.contains(to_local(instant, zone).time())

    def quiet_end(self, instant: datetime, zone: tzinfo) -> datetime:
        """The first instant after quiet ``instant`` that is not quiet."""
        local = to_local(instant, zone)
        day = local.date()
        if local.time() >= self.end and self.start > self.end:
            day += timedelta(days=1)  # late evening: quiet ends tomorrow morning
        return to_aware(datetime.combine(day, self.end), zone)

    def quiet_start(self, instant: datetime, zone: tzinfo) -> datetime:
        """The instant the quiet period containing quiet ``instant`` began."""
        local = to_local(instant, zone)
        day = local.date()
        if local.time() < self.start:
            day -= timedelta(days=1)  # early morning: it began yesterday evening
        return to_aware(datetime.combine(day, self.start), zone)


DEFAULT_QUIET_HOURS = QuietHours()

#: How long before the quiet hours a reminder advanced out of them is sent.
BEFORE_QUIET = timedelta(minutes=1)


def reminder_times(
    start: datetime,
    leads: Iterable[Lead],
    quiet: QuietHours,
    zone: tzinfo,
) -> list[tuple[Lead, datetime]]:
    """When to remind of an occurrence starting at aware ``start``, earliest first (in UTC).

    Applies the quiet-hour rule (see the module docstring), drops times not before the start
    and keeps one lead per instant (the first given).
    """
    return list(_reminder_times(start, tuple(leads), quiet, zone))


@lru_cache(maxsize=65_536)
def _reminder_times(
    start: datetime, leads: tuple[Lead, ...], quiet: QuietHours, zone: tzinfo
) -> tuple[tuple[Lead, datetime], ...]:
    """:func:`reminder_times`, cached.

    A planning pass asks it again for every subscriber of an occurrence with the same leads
    (thousands of times for a popular one).
    """
    start = start.astimezone(UTC)  # compare instants: within one zone Python compares walls
    starts_quiet = quiet.is_quiet(start, zone)
    found: dict[datetime, Lead] = {}
    for lead in leads:
        moment = lead.instant(start, zone).astimezone(UTC)
        if not starts_quiet and quiet.is_quiet(moment, zone):
            deferred = quiet.quiet_end(moment, zone).astimezone(UTC)
            moment = (
                deferred
                if deferred < start
                else quiet.quiet_start(moment, zone).astimezone(UTC) - BEFORE_QUIET
            )
        if moment < start:
            found.setdefault(moment, lead)
    return tuple(sorted(((lead, moment) for moment, lead in found.items()), key=lambda p: p[1]))


# --- subscriptions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscription:
    """A user's wish to be reminded: of one activity, or of a kind in one network.

    ``chat`` is where reminders go (on Matrix the direct-message room, not the user id).
    ``id`` is assigned by the store.
    """

    user: UserId
    chat: ChatId
    created_at: datetime
    activity: ActivityId | None = None
    kind: str | None = None
    network: str | None = None
    leads: tuple[Lead, ...] = DEFAULT_LEADS
    id: int | None = None
    target: str = field(init=False, compare=False, repr=False)
    """What it is about, unique per user: ``a:<activity>`` or ``k:<network>:<kind>``.

    Spelt once: a planning pass asks it several times of each of a million subscriptions.
    """

    def __post_init__(self) -> None:
        if (self.activity is None) == (self.kind is None or self.network is None):
            raise ValueError("a subscription names an activity, or a kind and a network")
        if self.activity is not None:
            target = f"a:{self.activity}"
        else:
            target = f"k:{self.network}:{self.kind}"
        object.__setattr__(self, "target", target)

    def covers(self, catalogue: Catalogue, activity: Activity) -> bool:
        """Whether reminders of ``activity`` follow from this subscription."""
        if self.activity is not None:
            return activity.id == self.activity
        network = catalogue.network(self.network or "")
        return (
            network is not None
            and self.kind in activity.kinds
            and belongs_to(catalogue, activity, network)
        )


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A subscription with what sending needs of its user: their language, and if active."""

    subscription: Subscription
    language: str | None
    active: bool


def covered_activities(subscription: Subscription, catalogue: Catalogue) -> list[ActivityId]:
    """The ids of the catalogue's activities the subscription reminds of, in file order."""
    if subscription.activity is not None:
        found = catalogue.activity(subscription.activity)
        return [found.id] if found is not None else []
    return [a.id for a in catalogue.activities if subscription.covers(catalogue, a)]


# --- planning -----------------------------------------------------------------------------------

STARTED = "started"
"""Dropped: the occurrence had started before the reminder could be sent."""

SUPERSEDED = "superseded"
"""Dropped: a later reminder of the same occurrence, also overdue, is sent instead."""


def occurrence_key(occurrence: Occurrence) -> str:
    """The stable name of an occurrence: its activity and original local start."""
    return f"{occurrence.activity}:{occurrence.original_start.isoformat(timespec='minutes')}"


def reminder_key(user: UserId, occurrence: str, lead: Lead) -> str:
    """Idempotency key of one reminder; the same for an activity and a kind subscription.

    ``occurrence`` is the :func:`occurrence_key`: a planning pass makes it once per
    occurrence, not once per subscriber and lead.
    """
    return f"reminder:{user}:{occurrence}:{lead.code}"


def cancellation_key(user: UserId, occurrence: Occurrence) -> str:
    """Idempotency key of the one cancellation notice of an occurrence."""
    return f"cancelled:{user}:{occurrence_key(occurrence)}"


def new_activity_key(user: UserId, activity: ActivityId) -> str:
    """Idempotency key of the notice that an activity of a subscribed kind appeared."""
    return f"new:{user}:{activity}"


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One message a subscription calls for: a reminder (``lead``) or a cancellation.

    ``dropped`` is ``None`` for a message to send, else why it will not be (it is still
    recorded, so that it is counted and never planned again).
    """

    key: str
    subscription: Subscription
    occurrence: Occurrence
    due_at: datetime
    lead: Lead | None = None
    dropped: str | None = None

    @property
    def is_cancellation(self) -> bool:
        """Whether this is the cancellation notice rather than a reminder."""
        return self.lead is None


@dataclass(frozen=True, slots=True)
class Window:
    """Plan reminders due in ``(since, until]`` as seen at ``now``; ``since`` may be open."""

    now: datetime
    until: datetime
    since: datetime | None = None
    quiet: QuietHours = field(default=DEFAULT_QUIET_HOURS)
    utc: tuple[datetime, datetime | None, datetime] = field(
        init=False, compare=False, repr=False
    )
    """``now``, ``since`` and ``until`` in UTC, converted once (not for every reminder)."""

    def __post_init__(self) -> None:
        since = None if self.since is None else _utc(self.since)
        object.__setattr__(self, "utc", (_utc(self.now), since, _utc(self.until)))

    def lookahead(self, leads: Iterable[Lead]) -> timedelta:
        """How far past ``until`` an occurrence may start and still be reminded in the window."""
        longest = timedelta(days=2)  # the evening before: at most ~30 h plus a DST hour
        for lead in leads:
            if lead.before is not None:
                longest = max(longest, lead.before + timedelta(hours=10))  # quiet deferral
        return longest

    def includes(self, moment: datetime) -> bool:
        """Whether an instant falls in ``(since, until]``."""
        _, since, until = self.utc
        return (since is None or moment > since) and moment <= until


def subscription_times(
    subscription: Subscription, start: datetime, quiet: QuietHours, zone: tzinfo
) -> list[tuple[Lead, datetime]]:
    """The subscription's reminder times for a session starting at ``start``, earliest first.

    Only those after the subscription was made: it never reminds of what came due before.
    """
    return [
        (lead, moment)
        for lead, moment in reminder_times(start, subscription.leads, quiet, zone)
        if moment > subscription.created_at
    ]


def plan_reminders(
    subscription: Subscription,
    occurrences: Iterable[Occurrence],
    window: Window,
    zone: tzinfo,
) -> list[PlannedReminder]:
    """Everything ``subscription`` calls for in the window, for the given occurrences.

    ``occurrences`` must be the covered activities' occurrences (cancelled ones included)
    that could have a reminder in the window; others are simply not matched.
    """
    planned: list[PlannedReminder] = []
    for occurrence in occurrences:
        times = subscription_times(subscription, occurrence.start, window.quiet, zone)
        if not times:
            continue
        if occurrence.cancelled:
            planned += _cancellation(subscription, occurrence, times[0][1], window)
        else:
            planned += _reminders(subscription, occurrence, times, window)
    return planned


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _cancellation(
    subscription: Subscription, occurrence: Occurrence, due: datetime, window: Window
) -> list[PlannedReminder]:
    if not window.includes(due):
        return []
    key = cancellation_key(subscription.user, occurrence)
    dropped = STARTED if _utc(occurrence.start) <= window.utc[0] else None
    return [PlannedReminder(key, subscription, occurrence, due, None, dropped)]


def _reminders(
    subscription: Subscription,
    occurrence: Occurrence,
    times: Sequence[tuple[Lead, datetime]],
    window: Window,
) -> list[PlannedReminder]:
    now = window.utc[0]
    started = _utc(occurrence.start) <= now
    overdue = [moment for _, moment in times if moment <= now]
    latest_overdue = max(overdue) if overdue else None
    named = occurrence_key(occurrence)
    planned = []
    for lead, moment in times:
        if not window.includes(moment):
            continue
        dropped = None
        if started:
            dropped = STARTED
        elif moment <= now and moment != latest_overdue:
            dropped = SUPERSEDED
        key = reminder_key(subscription.user, named, lead)
        planned.append(PlannedReminder(key, subscription, occurrence, moment, lead, dropped))
    return planned


@dataclass(frozen=True, slots=True)
class NewActivityNotice:
    """Tell a kind subscriber that a new activity of that kind appeared in their network."""

    key: str
    subscription: Subscription
    activity: ActivityId


def new_activity_notices(
    subscriptions: Iterable[Subscription],
    catalogue: Catalogue,
    new_ids: Iterable[ActivityId],
) -> list[NewActivityNotice]:
    """The notices a re-import calls for: each new activity to each kind subscriber it matches.

    One notice per user and activity, even when several of their subscriptions match.
    """
    fresh = [a for a in (catalogue.activity(i) for i in sorted(set(new_ids))) if a is not None]
    seen: set[str] = set()
    notices = []
    for subscription in subscriptions:
        if subscription.kind is None:
            continue
        for activity in fresh:
            key = new_activity_key(subscription.user, activity.id)
            if key not in seen and subscription.covers(catalogue, activity):
                seen.add(key)
                notices.append(NewActivityNotice(key, subscription, activity.id))
    return notices
