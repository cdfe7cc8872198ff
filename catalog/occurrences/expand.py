"""One activity's concrete occurrences in a window of local dates, with volunteers' changes.

Which occurrences belong to a window ``first``…``last`` (inclusive local dates):

- a scheduled or one-off session belongs by the local date of its start;
- a **cancelled** session stays where it was, flagged ``cancelled`` (so a reply can say
  "cancelled this time" instead of silently leaving it out);
- a **moved** session belongs by its *new* start: it leaves the window it was moved out of and
  appears in the window it was moved into, however far it moved. Moves are found exactly, not
  by looking a guessed margin beyond the window: every change of the activity whose new start
  lies in the window is checked against the rule on its original date;
- a change whose original start is not (or no longer) a session of the activity is ignored:
  after a re-import moved the club to 18:00, a cancellation of "17:00" cancels nothing.

An activity that skips holidays (``holidays: skip``, see :meth:`Catalogue.skips_holidays`)
keeps its scheduled sessions on Finnish public holidays, flagged ``cancelled`` with the
``holiday``'s key, so that a reply can say why a usual session is not on. One-off dates and
sessions a volunteer moved are explicit, and held whatever the day.

Identical sessions (two rules, or a rule and a one-off date, giving the same start and end)
are listed once. A change applies to every session that starts at its original start.

Instants come from :func:`catalog.localtime.to_aware` (RFC 5545: skipped wall times move forward
by the gap, repeated ones are their first instance). The end is a wall-clock end: a session
from 03:30 to 04:30 on the autumn change night lasts two real hours, because 04:30 comes once,
in winter time. When the spring gap makes the end no later than the start (03:30–04:30 both
become 04:30), the session keeps its length from the shifted start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache

from catalog.holidays import public_holiday
from catalog.localtime import to_aware, to_local
from catalog.model import HOLIDAYS_SKIP, Activity, ActivityId, OccurrenceChange, PlaceId
from catalog.occurrences.rules import CompiledRule, compile_rule

ChangeKey = tuple[ActivityId, datetime]
"""``(activity id, original naive local start)``: how a change names its occurrence."""


@dataclass(frozen=True, slots=True)
class Deviation:
    """How an occurrence differs from its schedule; see :class:`Occurrence` for the fields."""

    moved: bool = False
    cancelled: bool = False
    reason: str | None = None
    holiday: str | None = None


@dataclass(frozen=True, slots=True, init=False)
class Occurrence:
    """One concrete session of an activity, as the reader will see it.

    ``start``/``end`` are aware, in the catalogue's zone (after any move);
    ``original_start`` is the naive local start the schedule gave, the key of a change;
    ``moved``, ``cancelled``, a volunteer's ``reason`` and the ``holiday`` (the public holiday's
    key that a ``holidays: skip`` activity is not held on; such an occurrence is ``cancelled``
    too, so everything that leaves cancelled sessions out does).

    Those four live in one :class:`Deviation`, absent for the great majority of sessions that
    run as scheduled: three slots fewer on each of the ~300,000 occurrences a cached month
    holds at 100,000 activities.
    """

    activity: ActivityId
    start: datetime
    end: datetime
    original_start: datetime
    place: PlaceId | None
    deviation: Deviation | None

    def __init__(
        self,
        activity: ActivityId,
        start: datetime,
        end: datetime,
        original_start: datetime,
        place: PlaceId | None,
        *,
        moved: bool = False,
        cancelled: bool = False,
        reason: str | None = None,
        holiday: str | None = None,
    ) -> None:
        deviation = None
        if moved or cancelled or reason is not None or holiday is not None:
            deviation = Deviation(moved, cancelled, reason, holiday)
        set_field = object.__setattr__  # frozen: as the generated __init__ does
        set_field(self, "activity", activity)
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "original_start", original_start)
        set_field(self, "place", place)
        set_field(self, "deviation", deviation)

    @property
    def moved(self) -> bool:
        """Whether a volunteer moved it (in time or place)."""
        return self.deviation is not None and self.deviation.moved

    @property
    def cancelled(self) -> bool:
        """Whether it is not held (a volunteer's cancellation or a skipped holiday)."""
        return self.deviation is not None and self.deviation.cancelled

    @property
    def reason(self) -> str | None:
        """The volunteer's reason for a change, if they gave one."""
        return None if self.deviation is None else self.deviation.reason

    @property
    def holiday(self) -> str | None:
        """The public holiday it is not held on, for a ``holidays: skip`` activity."""
        return None if self.deviation is None else self.deviation.holiday


def local_naive(value: datetime, zone: tzinfo) -> datetime:
    """Read a change's date-time as a naive local wall time (aware values are converted)."""
    return value if value.tzinfo is None else to_local(value, zone)


def changes_by_start(
    changes: Iterable[OccurrenceChange], zone: tzinfo
) -> dict[ActivityId, dict[datetime, OccurrenceChange]]:
    """Group changes per activity, keyed by naive local original start (later ones win)."""
    grouped: dict[ActivityId, dict[datetime, OccurrenceChange]] = {}
    for change in changes:
        key = local_naive(change.original_start, zone)
        grouped.setdefault(change.activity, {})[key] = change
    return grouped


def is_move(change: OccurrenceChange) -> bool:
    """Whether the change (when not a cancellation) alters time or place."""
    return not change.cancelled and (
        change.new_start is not None or change.new_end is not None or change.new_place is not None
    )


def sessions(
    activity: Activity, rules: Sequence[CompiledRule], first: date, last: date
) -> Iterator[tuple[datetime, datetime]]:
    """Naive local ``(start, end)`` of every scheduled and one-off session dated in the window."""
    for rule in rules:
        yield from rule.sessions(first, last)
    for one_off in activity.dates:
        if first <= one_off.start.date() <= last:
            yield one_off.start, one_off.end


def _instants(start: datetime, end: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """Aware start and end; an end that a DST gap swallowed keeps the wall-clock length."""
    aware_start, aware_end = to_aware(start, zone), to_aware(end, zone)
    if aware_end <= aware_start:
        aware_end = aware_start + (end - start)
    return aware_start, aware_end


@lru_cache(maxsize=65_536)
def _shared(start: datetime, end: datetime, zone: tzinfo) -> tuple[datetime, datetime, datetime]:
    """The naive start and the aware instants of a session, one set of objects per time.

    Sessions start at a few thousand distinct times a month, so a month of 100,000
    activities shares them instead of holding three datetimes per occurrence (half the
    memory of a cached month).
    """
    return start, *_instants(start, end, zone)


def forget_shared_times() -> None:
    """Drop the cache behind the shared session times once a month has been built.

    The occurrences keep the objects they share; the cache itself (a key, a value and a link
    per distinct time, ~8 MiB at 10,000 activities) would only serve that month again, and
    its dates are no other month's. Another index building at the same moment only shares
    less.
    """
    _shared.cache_clear()


def _make(
    activity: Activity,
    zone: tzinfo,
    session: tuple[datetime, datetime],
    change: OccurrenceChange | None,
    holiday: str | None = None,
) -> Occurrence:
    start, end = session
    if holiday is not None and (change is None or not is_move(change)):
        aware_start, aware_end = _instants(start, end, zone)
        reason = change.reason if change is not None else None
        return Occurrence(
            activity.id,
            aware_start,
            aware_end,
            start,
            activity.place,
            cancelled=True,
            reason=reason,
            holiday=holiday,
        )
    if change is None or not (change.cancelled or is_move(change)):
        start, aware_start, aware_end = _shared(start, end, zone)
        reason = change.reason if change is not None else None
        return Occurrence(activity.id, aware_start, aware_end, start, activity.place, reason=reason)
    if change.cancelled:
        aware_start, aware_end = _instants(start, end, zone)
        return Occurrence(
            activity.id,
            aware_start,
            aware_end,
            start,
            activity.place,
            cancelled=True,
            reason=change.reason,
        )
    new_start, new_end, place = moved_to(change, session, activity.place, zone)
    aware_start, aware_end = _instants(new_start, new_end, zone)
    moved = (new_start, new_end, place) != (start, end, activity.place)
    return Occurrence(
        activity.id, aware_start, aware_end, start, place, moved=moved, reason=change.reason
    )


def moved_to(
    change: OccurrenceChange,
    session: tuple[datetime, datetime],
    place: PlaceId | None,
    zone: tzinfo,
) -> tuple[datetime, datetime, PlaceId | None]:
    """Where a move takes a session: unset fields keep their value, the length is kept."""
    start, end = session
    new_start = local_naive(change.new_start, zone) if change.new_start is not None else start
    if change.new_end is not None:
        new_end = local_naive(change.new_end, zone)
    else:
        new_end = new_start + (end - start)
    if new_end <= new_start:  # an inconsistent change: keep the original length
        new_end = new_start + (end - start)
    return new_start, new_end, change.new_place if change.new_place is not None else place


def expand_activity(
    activity: Activity,
    rules: Sequence[CompiledRule],
    zone: tzinfo,
    first: date,
    last: date,
    changes: Mapping[datetime, OccurrenceChange],
    skip_holidays: bool = False,
) -> list[Occurrence]:
    """List the activity's occurrences in the window, given its compiled rules and changes.

    ``changes`` maps naive local original starts to the activity's changes;
    ``skip_holidays`` flags scheduled sessions on public holidays (see the module). Unsorted.
    """
    if not changes and len(rules) == 1 and not activity.dates and not skip_holidays:
        return _plain(activity, rules[0], zone, first, last)
    result: list[Occurrence] = []
    seen: set[tuple[datetime, datetime]] = set()
    scheduled = _scheduled(rules, first, last) if skip_holidays else frozenset()
    for session in sessions(activity, rules, first, last):
        if session in seen:
            continue
        seen.add(session)
        change = changes.get(session[0]) if changes else None
        if change is not None and is_move(change):
            new_start = moved_to(change, session, activity.place, zone)[0]
            if not first <= new_start.date() <= last:
                continue  # moved out of the window
        holiday = public_holiday(session[0].date()) if session in scheduled else None
        result.append(_make(activity, zone, session, change, holiday))
    if changes:
        result += _moved_in(activity, rules, zone, first, last, changes)
    return result


def _scheduled(
    rules: Sequence[CompiledRule], first: date, last: date
) -> frozenset[tuple[datetime, datetime]]:
    """The sessions the rules (not the one-off dates) give in the window."""
    return frozenset(session for rule in rules for session in rule.sessions(first, last))


def _plain(
    activity: Activity, rule: CompiledRule, zone: tzinfo, first: date, last: date
) -> list[Occurrence]:
    """The common case, kept tight: one rule, no one-off dates, no changes."""
    activity_id, place, length = activity.id, activity.place, rule.length
    result = []
    for start in rule.starts(first, last):
        start, aware_start, aware_end = _shared(start, start + length, zone)
        result.append(Occurrence(activity_id, aware_start, aware_end, start, place))
    return result


def _moved_in(
    activity: Activity,
    rules: Sequence[CompiledRule],
    zone: tzinfo,
    first: date,
    last: date,
    changes: Mapping[datetime, OccurrenceChange],
) -> list[Occurrence]:
    """Sessions from outside the window that a change moved into it."""
    result: list[Occurrence] = []
    for original, change in changes.items():
        if not is_move(change) or first <= original.date() <= last:
            continue
        new_day = (local_naive(change.new_start, zone) if change.new_start else original).date()
        if not first <= new_day <= last:
            continue
        seen: set[tuple[datetime, datetime]] = set()
        for session in sessions(activity, rules, original.date(), original.date()):
            if session[0] == original and session not in seen:
                seen.add(session)
                result.append(_make(activity, zone, session, change))
    return result


def sort_key(occurrence: Occurrence) -> tuple[float, str]:
    """Chronological order (by instant, not wall time); sort stably to keep ties as listed."""
    return occurrence.start.timestamp(), occurrence.activity


def compiled_rules(activity: Activity) -> tuple[CompiledRule, ...]:
    """Compile the activity's schedule rules (cached per rule)."""
    return tuple(compile_rule(rule) for rule in activity.schedule)


def activity_occurrences(
    activity: Activity,
    zone: tzinfo,
    window_start: date,
    window_end: date,
    changes: Mapping[ChangeKey, OccurrenceChange],
    skip_holidays: bool | None = None,
) -> list[Occurrence]:
    """List the activity's occurrences starting on the window's local dates, in time order.

    ``changes`` maps ``(activity id, original local start)`` to a change; only this activity's
    are used. Cancelled occurrences are included, flagged. ``skip_holidays`` defaults to the
    activity's own ``holidays`` (pass :meth:`Catalogue.skips_holidays` to honour its
    organisation's).
    """
    if skip_holidays is None:
        skip_holidays = activity.holidays == HOLIDAYS_SKIP
    own = {
        local_naive(start, zone): change
        for (activity_id, start), change in changes.items()
        if activity_id == activity.id
    }
    found = expand_activity(
        activity, compiled_rules(activity), zone, window_start, window_end, own, skip_holidays
    )
    return sorted(found, key=sort_key)
