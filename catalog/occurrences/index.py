"""A window index over a whole catalogue's occurrences: month buckets, built lazily, cached.

Each bucket holds every occurrence whose (aware) start falls in one local calendar month,
sorted by instant, plus each activity's own sorted series. A window query bisects the one or
two buckets it touches; a small set of activities is answered from their series instead of
filtering the whole slice. Buckets are built on first use, kept in a bounded LRU, and patched in
place when one activity or one change is replaced, so a re-import that touches a few activities
does not rebuild the rest.

All methods are safe to call from several threads. A missing month is built outside the lock
from a snapshot (entries are immutable, per-activity change maps are replaced, never mutated),
so :meth:`OccurrenceIndex.warm` can run in a worker thread while questions are answered from the
months already built; a build that raced with an update is thrown away and done again.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from heapq import merge
from threading import RLock
from zoneinfo import ZoneInfo

from catalog.localtime import local_date, to_aware
from catalog.model import Activity, ActivityId, Catalogue, OccurrenceChange, skips_holidays
from catalog.occurrences.expand import (
    Occurrence,
    changes_by_start,
    compiled_rules,
    expand_activity,
    forget_shared_times,
    is_move,
    local_naive,
    sort_key,
)
from catalog.occurrences.rules import CompiledRule, shared

Month = int
"""A local calendar month as ``year * 12 + month - 1``, so that consecutive months differ by 1."""

#: From this many dated activities a month costs enough (~5 MiB and ~0.4 s per 10,000) that a
#: far one asked about for a few activities is built for them alone and not kept; below it,
#: keeping every month asked about costs less than building the few again for each question.
TRANSIENT_FROM = 20_000
#: ... when they are fewer than one in this many of the catalogue's dated activities.
TRANSIENT_SHARE = 20

#: How far :meth:`OccurrenceIndex.next_for` looks ahead for an endless rule before giving up.
NEXT_HORIZON_MONTHS = 120

_NO_CHANGES: Mapping[datetime, OccurrenceChange] = {}


def month_of(day: date) -> Month:
    """Return the month a date lies in."""
    return day.year * 12 + day.month - 1


def month_bounds(month: Month) -> tuple[date, date]:
    """Return the first and last date of a month."""
    year, index = divmod(month, 12)
    first = date(year, index + 1, 1)
    following = date(year + (index == 11), (index + 1) % 12 + 1, 1)
    return first, following - timedelta(days=1)


@dataclass(slots=True)
class _Series:
    """Occurrences sorted by start, with their start timestamps alongside for bisecting.

    The timestamps are an ``array`` of doubles: 8 bytes each instead of a float object and a
    pointer (32 bytes; ~7 MiB of a cached month at 100,000 activities), bisected as fast.
    """

    keys: array[float] = field(default_factory=lambda: array("d"))
    items: list[Occurrence] = field(default_factory=list)


@dataclass(slots=True)
class _Runs:
    """Each activity's occurrences of one month, a run per activity, laid end to end.

    The run of the activity with ordinal ``n`` is ``items[bounds[n]:bounds[n + 1]]``, sorted by
    start, its timestamps alongside in ``keys``. Flat arrays instead of a series object per
    activity: at 100,000 activities those objects (a dict slot, a dataclass, an array and a list
    each, ~300 bytes) were a third of a cached month.
    """

    bounds: array[int]
    keys: array[float]
    items: list[Occurrence]
    filled: int
    """How many runs are not empty: the activities the month has occurrences of."""

    def span(self, ordinal: int | None) -> tuple[int, int]:
        """Where the run lies; empty for an activity unknown when the month was built."""
        if ordinal is None or ordinal + 1 >= len(self.bounds):
            return 0, 0
        return self.bounds[ordinal], self.bounds[ordinal + 1]

    def within(self, ordinal: int | None, low: float, high: float) -> tuple[int, int, int]:
        """The run's occurrences starting in ``[low, high)``, and where the run ends."""
        first, end = self.span(ordinal)
        keys = self.keys
        return bisect_left(keys, low, first, end), bisect_left(keys, high, first, end), end

    def series(self, ordinal: int | None) -> _Series:
        """A copy of one run."""
        first, end = self.span(ordinal)
        return _Series(self.keys[first:end], self.items[first:end])

    def replace(self, ordinal: int, fresh: _Series) -> None:
        """Put ``fresh`` in the place of the activity's run, shifting the runs after it."""
        if ordinal + 1 >= len(self.bounds):
            self.bounds.extend([self.bounds[-1]] * (ordinal + 2 - len(self.bounds)))
        first, end = self.bounds[ordinal], self.bounds[ordinal + 1]
        self.filled += bool(fresh.items) - (end > first)
        self.keys[first:end] = fresh.keys
        self.items[first:end] = fresh.items
        shift = len(fresh.items) - (end - first)
        if shift:
            for later in range(ordinal + 1, len(self.bounds)):
                self.bounds[later] += shift


@dataclass(slots=True)
class _Bucket:
    """One month: every occurrence in order, and each activity's own run.

    A ``partial`` one holds only the activities and days one question asked about (see
    :meth:`OccurrenceIndex._transient`): it has no runs, and is read in order and filtered.
    """

    all: _Series
    runs: _Runs
    partial: bool = False


@dataclass(frozen=True, slots=True)
class _Entry:
    """A dated activity with its compiled rules and the dates it can possibly occur on."""

    activity: Activity
    rules: tuple[CompiledRule, ...]
    first: date
    last: date | None  # None: an endless rule
    skip_holidays: bool = False


def _entry(
    activity: Activity,
    changes: Mapping[datetime, OccurrenceChange],
    zone: ZoneInfo,
    skip_holidays: bool = False,
) -> _Entry | None:
    """Describe a dated activity for the index; ``None`` when it never occurs (ongoing)."""
    if activity.is_ongoing:
        return None
    rules = compiled_rules(activity)
    firsts = [rule.first_date for rule in rules] + [d.start.date() for d in activity.dates]
    lasts: list[date | None] = [rule.last_date for rule in rules]
    lasts += [d.start.date() for d in activity.dates]
    for change in changes.values():
        if is_move(change) and change.new_start is not None:
            moved_to = local_naive(change.new_start, zone).date()
            firsts.append(moved_to)
            lasts.append(moved_to)
    known = [day for day in lasts if day is not None]
    last = None if len(known) < len(lasts) else max(known)
    return _Entry(activity, rules, shared(min(firsts)), last and shared(last), skip_holidays)


ChangeMap = Mapping[ActivityId, Mapping[datetime, OccurrenceChange]]


def _organisation_holidays(catalogue: Catalogue) -> dict[str, str | None]:
    """Each organisation's ``holidays`` setting, which its activities inherit."""
    return {organisation.id: organisation.holidays for organisation in catalogue.organisations}


def _expand_month(
    entry: _Entry | None,
    month: Month,
    changes: ChangeMap,
    zone: ZoneInfo,
    days: tuple[date, date] | None = None,
) -> list[Occurrence]:
    """List the entry's occurrences whose aware start lies in ``month`` (and its ``days``).

    The window starts a day early: a wall time in a DST gap just before midnight belongs,
    once shifted, to the next day (and perhaps month).
    """
    if entry is None:
        return []
    first, last = month_bounds(month)
    if days is not None:
        first, last = max(first, days[0]), min(last, days[1])
    if entry.first > last or (entry.last is not None and entry.last < first - timedelta(1)):
        return []
    own = changes.get(entry.activity.id, _NO_CHANGES)
    found = expand_activity(
        entry.activity, entry.rules, zone, first - timedelta(days=1), last, own, entry.skip_holidays
    )
    return [o for o in found if o.start.year * 12 + o.start.month - 1 == month]


def _build_month(
    month: Month,
    entries: Iterable[_Entry],
    changes: ChangeMap,
    zone: ZoneInfo,
    ordinals: Mapping[ActivityId, int],
) -> _Bucket:
    """Materialise one month; ``entries`` in id order, so same-instant ties sort by id.

    ``ordinals`` places each activity's run (every entry has one; it only ever grows).
    """
    own: list[tuple[int, list[Occurrence]]] = []
    for entry in entries:
        found = _expand_month(entry, month, changes, zone)
        if found:
            found.sort(key=_instant)
            own.append((ordinals[entry.activity.id], found))
    forget_shared_times()
    ordered = _sorted(occurrence for _, found in own for occurrence in found)
    own.sort(key=_first)
    lengths = [0] * len(ordinals)  # ordinals are 0, 1, 2 … in the order activities came
    for ordinal, found in own:
        lengths[ordinal] = len(found)
    items = [occurrence for _, found in own for occurrence in found]
    runs = _Runs(
        array("q", itertools.accumulate(lengths, initial=0)),
        array("d", map(_instant, items)),
        items,
        len(own),
    )
    return _Bucket(ordered, runs)


def _first(pair: tuple[int, list[Occurrence]]) -> int:
    return pair[0]


def _partial_month(
    month: Month,
    entries: Iterable[_Entry],
    changes: ChangeMap,
    zone: ZoneInfo,
    first: date,
    last: date,
) -> _Bucket:
    """The occurrences of ``entries`` in ``month`` dated ``first``…``last`` (a day's margin)."""
    found: list[Occurrence] = []
    for entry in entries:
        found += _expand_month(entry, month, changes, zone, (first, last))
    return _Bucket(_sorted(found), _Runs(array("q", [0]), array("d"), [], 0), partial=True)


def _sorted(occurrences: Iterable[Occurrence]) -> _Series:
    """Sort by instant; ties keep their input order (the index feeds activities by id).

    No ``(key, occurrence)`` pair is made per occurrence: building a month of 100,000
    activities held ~300,000 of them at once (~25 MiB at the process's peak); the sort's own
    keys are dropped when it ends, and the kept ones go straight into an array.
    """
    items = list(occurrences)
    items.sort(key=_instant)
    return _Series(array("d", map(_instant, items)), items)


def _instant(occurrence: Occurrence) -> float:
    return occurrence.start.timestamp()


class OccurrenceIndex:
    """Answers "what is on between these instants" over a catalogue in a few milliseconds.

    ``changes`` are the volunteers' per-occurrence changes; ``max_buckets`` bounds how many
    months are kept materialised (least recently used ones are dropped).

    A month outside the range last :meth:`warm`-ed, asked about for a small share of a large
    catalogue (a holiday in March asked in one network of the whole country), is built from
    those activities alone and not kept: caching the country's month for it would cost ~28 MiB
    and seconds at 100,000 activities, expanding the few asked for a few milliseconds.
    ``transient_from`` is the size from which that applies (below it a whole month is cheap).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        changes: Iterable[OccurrenceChange] = (),
        *,
        max_buckets: int = 12,
        transient_from: int = TRANSIENT_FROM,
    ) -> None:
        self.max_buckets = max(1, max_buckets)
        self.transient_from = transient_from
        self._warmed = range(0)
        self._last_partial: tuple[Hashable, _Bucket] | None = None
        self._lock = RLock()
        self._reset(catalogue, changes)

    def _reset(self, catalogue: Catalogue, changes: Iterable[OccurrenceChange]) -> None:
        self._generation = getattr(self, "_generation", 0) + 1
        self.zone = ZoneInfo(catalogue.timezone)
        self._buckets: OrderedDict[Month, _Bucket] = OrderedDict()
        self._activities: dict[ActivityId, Activity] = {a.id: a for a in catalogue.activities}
        self._organisation_holidays = _organisation_holidays(catalogue)
        self._changes = changes_by_start(changes, self.zone)
        self._entries: dict[ActivityId, _Entry] = {}
        self._ordinals: dict[ActivityId, int] = {}
        for activity in catalogue.activities:
            self._set_entry(activity.id)

    # --- queries --------------------------------------------------------------------------

    def between(
        self,
        start: datetime,
        end: datetime,
        activity_ids: Collection[ActivityId] | None = None,
        include_cancelled: bool = False,
    ) -> list[Occurrence]:
        """List occurrences starting in ``[start, end)`` by start; naive bounds are local times.

        ``activity_ids`` narrows to those activities; cancelled ones only on request.
        """
        wanted = _as_set(activity_ids)
        low, high = self._timestamp(start), self._timestamp(end)
        found: list[Occurrence] = []
        months = self._months(low, high)
        self._prepare(months, wanted)
        with self._lock:
            buckets = self._get(months, wanted, low, high)
            slices = [(bucket, *_span(bucket.all, low, high)) for bucket in buckets]
            partial = any(bucket.partial for bucket in buckets)
            if wanted is not None and not partial and _prefer_series(wanted, slices):
                # Sorted by the series' own timestamps, in the order of sort_key (instant, then
                # activity, ties as listed): no datetime is asked for its timestamp again.
                keyed: list[tuple[float, str, int, Occurrence]] = []
                listed = itertools.count()
                ordinals = [self._ordinals.get(activity_id) for activity_id in wanted]
                for bucket, _, _ in slices:
                    runs = bucket.runs
                    for ordinal in ordinals:
                        lo, hi, _ = runs.within(ordinal, low, high)
                        if lo < hi:
                            pairs = zip(runs.keys[lo:hi], runs.items[lo:hi], strict=True)
                            keyed += ((key, o.activity, next(listed), o) for key, o in pairs)
                keyed.sort()
                found = [occurrence for *_, occurrence in keyed]
            else:
                for bucket, lo, hi in slices:
                    chunk = bucket.all.items[lo:hi]
                    found += chunk if wanted is None else [o for o in chunk if o.activity in wanted]
        if include_cancelled:
            return found
        return [o for o in found if not o.cancelled]

    def scan(
        self,
        start: datetime,
        end: datetime,
        activity_ids: Collection[ActivityId] | None,
        visit: Callable[[Occurrence], bool],
        *,
        expect: int | None = None,
    ) -> None:
        """Show occurrences starting in ``[start, end)`` to ``visit`` in start order.

        The walk ends when ``visit`` returns ``False``; cancelled ones are shown too (the
        visitor decides). Unlike :meth:`between` nothing is gathered or sorted first, so a
        caller that needs only the first few (``expect`` of them, a hint for choosing the
        cheaper walk) stops early however much the window holds: months are built as the
        walk reaches them, so one that stops in this month never materialises the next two
        (~30 MiB each at 100,000 activities).
        """
        wanted = _as_set(activity_ids)
        low, high = self._timestamp(start), self._timestamp(end)
        for month in self._months(low, high):
            self._prepare(range(month, month + 1), wanted)
            with self._lock:
                bucket = self._get([month], wanted, low, high)[0]
                lo, hi = _span(bucket.all, low, high)
                if (
                    wanted is not None
                    and not bucket.partial
                    and _prefer_series(wanted, [(bucket, lo, hi)], expect)
                ):
                    pieces = []
                    for activity_id in wanted:
                        ordinal = self._ordinals.get(activity_id)
                        first, last, _ = bucket.runs.within(ordinal, low, high)
                        if first < last:
                            pieces.append(bucket.runs.items[first:last])
                    ordered: Iterable[Occurrence] = merge(*pieces, key=sort_key)
                else:
                    chunk = bucket.all.items[lo:hi]
                    ordered = chunk if wanted is None else _only(chunk, wanted)
                for occurrence in ordered:
                    if not visit(occurrence):
                        return

    def first_each(
        self,
        start: datetime,
        end: datetime,
        activity_ids: Collection[ActivityId] | None = None,
        *,
        include_cancelled: bool = False,
        ends_after: datetime | None = None,
    ) -> dict[ActivityId, Occurrence]:
        """Find each activity's first occurrence starting in ``[start, end)`` (unordered).

        ``ends_after`` skips occurrences already over at that instant (e.g. "now"). Cheaper
        than :meth:`between` for the matcher: each wanted activity is bisected on its own and
        stops at its first hit.
        """
        wanted = _as_set(activity_ids)
        low, high = self._timestamp(start), self._timestamp(end)
        limit = None if ends_after is None else self._aware(ends_after).astimezone(UTC)

        def usable(occurrence: Occurrence) -> bool:
            return (include_cancelled or not occurrence.cancelled) and (
                limit is None or occurrence.end > limit
            )

        first: dict[ActivityId, Occurrence] = {}
        months = self._months(low, high)
        self._prepare(months, wanted)
        with self._lock:
            buckets = self._get(months, wanted, low, high)
            slices = [(bucket, *_span(bucket.all, low, high)) for bucket in buckets]
            scanned = sum(hi - lo for _, lo, hi in slices)
            partial = any(bucket.partial for bucket in buckets)
            if wanted is None or partial or len(wanted) * _FIRST_HIT_COST > scanned:
                for bucket, lo, hi in slices:
                    for occurrence in bucket.all.items[lo:hi]:
                        key = occurrence.activity
                        if key in first or (wanted is not None and key not in wanted):
                            continue
                        if usable(occurrence):
                            first[key] = occurrence
                return first
            for activity_id in wanted:
                hit = _first_in(slices, self._ordinals.get(activity_id), low, high, usable)
                if hit is not None:
                    first[activity_id] = hit
        return first

    def next_for(
        self, activity_id: ActivityId, after: datetime, *, include_cancelled: bool = False
    ) -> Occurrence | None:
        """Find the activity's first occurrence starting at or after ``after`` (or ``None``).

        Cancelled occurrences are skipped unless ``include_cancelled``.
        """
        moment = self._timestamp(after)
        with self._lock:
            entry = self._entries.get(activity_id)
            if entry is None:
                return None
            day = local_date(self._aware(after), self.zone)
            month = max(month_of(day), month_of(entry.first))
            stop = month + NEXT_HORIZON_MONTHS
            if entry.last is not None:
                stop = min(stop, month_of(entry.last + timedelta(days=1)))
            while month <= stop:
                series = self._series(entry, month)
                for occurrence in series.items[bisect_left(series.keys, moment) :]:
                    if include_cancelled or not occurrence.cancelled:
                        return occurrence
                month += 1
        return None

    def warm(self, first: date, last: date) -> None:
        """Build the buckets of every month from ``first`` to ``last`` ahead of questions.

        Safe to run in a worker thread: months are built without holding the lock. These months
        are always kept (see the class).
        """
        self.keep(first, last)
        self._prepare(self._warmed)

    def keep(self, first: date, last: date) -> None:
        """Keep the months from ``first`` to ``last`` once built, whoever asks (see the class).

        The matcher calls it with each question's today, so the kept months follow the clock
        in a process that runs for months.
        """
        self._warmed = range(month_of(first), month_of(last) + 1)

    def cached_months(self) -> tuple[tuple[int, int], ...]:
        """``(year, month)`` of the buckets currently materialised, least recently used first."""
        with self._lock:
            return tuple((m // 12, m % 12 + 1) for m in self._buckets)

    # --- updates --------------------------------------------------------------------------

    def update_activity(
        self, activity: Activity, changes: Iterable[OccurrenceChange] | None = None
    ) -> None:
        """Add or replace one activity (and, when given, all of its changes)."""
        with self._lock:
            self._activities[activity.id] = activity
            if changes is not None:
                own = changes_by_start((c for c in changes if c.activity == activity.id), self.zone)
                self._changes[activity.id] = own.get(activity.id, {})
            self._refresh(activity.id)

    def remove_activity(self, activity_id: ActivityId) -> None:
        """Forget a withdrawn activity and its changes."""
        with self._lock:
            self._activities.pop(activity_id, None)
            self._changes.pop(activity_id, None)
            self._refresh(activity_id)

    def apply_change(self, change: OccurrenceChange) -> None:
        """Add or replace one volunteer's change (keyed by activity and original start)."""
        with self._lock:
            key = local_naive(change.original_start, self.zone)
            own = dict(self._changes.get(change.activity, _NO_CHANGES))
            own[key] = change
            self._changes[change.activity] = own
            self._refresh(change.activity)

    def withdraw_change(self, activity_id: ActivityId, original_start: datetime) -> bool:
        """Undo a change; ``False`` when there was none."""
        with self._lock:
            own = dict(self._changes.get(activity_id, _NO_CHANGES))
            if own.pop(local_naive(original_start, self.zone), None) is None:
                return False
            self._changes[activity_id] = own
            self._refresh(activity_id)
            return True

    def reload(
        self, catalogue: Catalogue, changes: Iterable[OccurrenceChange] | None = None
    ) -> frozenset[ActivityId]:
        """Take a re-imported catalogue (and changes), refreshing only what differs.

        Returns the ids of the activities whose occurrences had to be recomputed.
        """
        with self._lock:
            if ZoneInfo(catalogue.timezone) != self.zone:
                self._reset(catalogue, self._all_changes() if changes is None else changes)
                return frozenset(self._activities)
            incoming = {a.id: a for a in catalogue.activities}
            holidays = _organisation_holidays(catalogue)
            touched = {
                i
                for i in incoming.keys() | self._activities.keys()
                if incoming.get(i) != self._activities.get(i)
                or (
                    i in incoming and self._skips(incoming[i]) != self._skips(incoming[i], holidays)
                )
            }
            self._organisation_holidays = holidays
            if changes is not None:
                grouped = changes_by_start(changes, self.zone)
                touched |= {
                    i
                    for i in grouped.keys() | self._changes.keys()
                    if grouped.get(i, {}) != self._changes.get(i, {})
                }
                self._changes = grouped
            self._activities = incoming
            for activity_id in touched:
                self._refresh(activity_id)
            return frozenset(touched)

    # --- internals ------------------------------------------------------------------------

    def changes(self) -> list[OccurrenceChange]:
        """Every volunteer's change the index holds (what a calendar feed shows besides rules)."""
        with self._lock:
            return self._all_changes()

    def skips_holidays(self, activity_id: ActivityId) -> bool:
        """Whether the activity's sessions on public holidays are left out."""
        with self._lock:
            activity = self._activities.get(activity_id)
            return activity is not None and self._skips(activity)

    def _skips(self, activity: Activity, holidays: Mapping[str, str | None] | None = None) -> bool:
        table = self._organisation_holidays if holidays is None else holidays
        return skips_holidays(activity, table.get(activity.organisation))

    def _all_changes(self) -> list[OccurrenceChange]:
        return [change for own in self._changes.values() for change in own.values()]

    def _aware(self, value: datetime) -> datetime:
        return value if value.tzinfo is not None else to_aware(value, self.zone)

    def _timestamp(self, value: datetime) -> float:
        return self._aware(value).timestamp()

    def _months(self, low: float, high: float) -> range:
        """The local months that instants ``[low, high)`` touch."""
        if high <= low:
            return range(0)
        first = local_date(datetime.fromtimestamp(low, UTC), self.zone)
        last = local_date(datetime.fromtimestamp(high, UTC) - timedelta(microseconds=1), self.zone)
        return range(month_of(first), month_of(last) + 1)

    def _prepare(self, months: range, wanted: Collection[ActivityId] | None = None) -> None:
        """Build missing months from a snapshot, outside the lock (retrying after a race)."""
        if len(months) > self.max_buckets:
            return  # they could not all stay cached: built one by one under the lock instead
        for month in months:
            if self._transient(month, wanted):
                continue
            for _ in range(3):
                with self._lock:
                    if month in self._buckets:
                        break
                    generation = self._generation
                    entries = [self._entries[i] for i in sorted(self._entries)]
                    changes = dict(self._changes)
                    zone = self.zone
                    ordinals = dict(self._ordinals)
                bucket = _build_month(month, entries, changes, zone, ordinals)
                with self._lock:
                    if self._generation == generation:
                        self._store(month, bucket)
                        break

    def _get(
        self,
        months: Iterable[Month],
        wanted: Collection[ActivityId] | None = None,
        low: float = 0.0,
        high: float = 0.0,
    ) -> list[_Bucket]:
        """The months' buckets (lock held); one evicted meanwhile is rebuilt here.

        A month not kept that :meth:`_transient` allows is built for ``wanted`` and the days of
        ``[low, high)`` alone; the last such is reused (a search often reads a window twice).
        """
        buckets = []
        for month in months:
            if wanted is None or not self._transient(month, wanted):
                buckets.append(self._bucket(month))
                continue
            key = (self._generation, month, low, high, frozenset(wanted))
            if self._last_partial is None or self._last_partial[0] != key:
                ids = sorted(i for i in wanted if i in self._entries)
                first = local_date(datetime.fromtimestamp(low, UTC), self.zone)
                last = local_date(datetime.fromtimestamp(high, UTC), self.zone)
                partial = _partial_month(
                    month, [self._entries[i] for i in ids], self._changes, self.zone, first, last
                )
                self._last_partial = (key, partial)
            buckets.append(self._last_partial[1])
        return buckets

    def _transient(self, month: Month, wanted: Collection[ActivityId] | None) -> bool:
        """Whether a month not kept is better built for ``wanted`` alone and thrown away."""
        return (
            wanted is not None
            and month not in self._buckets
            and month not in self._warmed
            and len(self._entries) >= self.transient_from
            and len(wanted) * TRANSIENT_SHARE < len(self._entries)
        )

    def _set_entry(self, activity_id: ActivityId) -> None:
        activity = self._activities.get(activity_id)
        entry = None
        if activity is not None:
            own = self._changes.get(activity_id, _NO_CHANGES)
            entry = _entry(activity, own, self.zone, self._skips(activity))
        if entry is None:
            self._entries.pop(activity_id, None)
        else:
            self._entries[activity_id] = entry
            self._ordinals.setdefault(activity_id, len(self._ordinals))

    def _build(self, month: Month) -> _Bucket:
        entries = [self._entries[i] for i in sorted(self._entries)]
        return _build_month(month, entries, self._changes, self.zone, self._ordinals)

    def _store(self, month: Month, bucket: _Bucket) -> None:
        self._buckets[month] = bucket
        self._buckets.move_to_end(month)
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)

    def _bucket(self, month: Month) -> _Bucket:
        bucket = self._buckets.get(month)
        if bucket is None:
            bucket = self._build(month)
            self._store(month, bucket)
        else:
            self._buckets.move_to_end(month)
        return bucket

    def _series(self, entry: _Entry, month: Month) -> _Series:
        """One activity's month, from the cached bucket or expanded on its own."""
        bucket = self._buckets.get(month)
        if bucket is not None:
            return bucket.runs.series(self._ordinals.get(entry.activity.id))
        return _sorted(_expand_month(entry, month, self._changes, self.zone))

    def _refresh(self, activity_id: ActivityId) -> None:
        """Recompute one activity's entry and its occurrences in every cached bucket."""
        self._generation += 1
        self._set_entry(activity_id)
        entry = self._entries.get(activity_id)
        ordinal = self._ordinals.get(activity_id)
        if ordinal is None:
            return  # never dated: no month holds it
        for month, bucket in self._buckets.items():
            old = bucket.runs.series(ordinal)
            for key, occurrence in zip(old.keys, old.items, strict=True):
                _remove(bucket.all, key, occurrence)
            fresh = _sorted(_expand_month(entry, month, self._changes, self.zone))
            bucket.runs.replace(ordinal, fresh)
            for key, occurrence in zip(fresh.keys, fresh.items, strict=True):
                _insert(bucket.all, key, occurrence)


def _as_set(ids: Collection[ActivityId] | None) -> set[ActivityId] | frozenset[ActivityId] | None:
    if ids is None or isinstance(ids, set | frozenset):
        return ids
    return set(ids)


def _span(series: _Series, low: float, high: float) -> tuple[int, int]:
    return bisect_left(series.keys, low), bisect_left(series.keys, high)


#: Measured cost ratios (bench_occurrences): bisecting one activity's series in one bucket costs
#: about as much as filtering this many occurrences of a slice; a first hit needs one bucket.
_SERIES_COST = 8
_FIRST_HIT_COST = 6


def _only(chunk: list[Occurrence], wanted: Collection[ActivityId]) -> Iterable[Occurrence]:
    return (occurrence for occurrence in chunk if occurrence.activity in wanted)


def _prefer_series(
    wanted: Collection[ActivityId],
    slices: list[tuple[_Bucket, int, int]],
    expect: int | None = None,
) -> bool:
    """Whether bisecting each wanted activity beats filtering the slices (a cost estimate).

    With ``expect`` (the caller stops after that many hits), a filtering walk is expected to
    stop once it has met that many wanted occurrences: at about ``expect`` over the wanted
    share of the activities it passes.
    """
    scanned = sum(hi - lo for _, lo, hi in slices)
    if expect is not None and slices:
        activities = max(bucket.runs.filled for bucket, _, _ in slices)
        share = min(1.0, len(wanted) / max(1, activities))
        scanned = min(scanned, int(expect / max(share, 1e-9)) * 2)
    return len(wanted) * len(slices) * _SERIES_COST < scanned


def _first_in(
    slices: list[tuple[_Bucket, int, int]],
    ordinal: int | None,
    low: float,
    high: float,
    usable: Callable[[Occurrence], bool],
) -> Occurrence | None:
    """The activity's first usable occurrence in ``[low, high)`` across consecutive buckets."""
    for bucket, _, _ in slices:
        lo, hi, end = bucket.runs.within(ordinal, low, high)
        for occurrence in bucket.runs.items[lo:hi]:
            if usable(occurrence):
                return occurrence
        if hi < end:
            return None  # the run goes on past ``high``: nothing later can be in range
    return None


def _remove(series: _Series, key: float, occurrence: Occurrence) -> None:
    position = bisect_left(series.keys, key)
    while series.items[position] is not occurrence:
        position += 1
    del series.keys[position], series.items[position]


def _insert(series: _Series, key: float, occurrence: Occurrence) -> None:
    """Insert after everything earlier, and after same-instant ones of lower or equal id."""
    low, high = bisect_left(series.keys, key), bisect_right(series.keys, key)
    position = bisect_right(series.items, occurrence.activity, low, high, key=_activity_of)
    series.keys.insert(position, key)
    series.items.insert(position, occurrence)


def _activity_of(occurrence: Occurrence) -> ActivityId:
    return occurrence.activity
