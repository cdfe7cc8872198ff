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

from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from heapq import merge
from operator import itemgetter
from threading import RLock
from typing import cast
from zoneinfo import ZoneInfo

from catalog.localtime import local_date, to_aware
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    OccurrenceChange,
    PlaceId,
    skips_holidays,
)
from catalog.occurrences.expand import (
    Occurrence,
    changes_by_start,
    compiled_rules,
    expand_activity,
    is_move,
    local_naive,
    sort_key,
)
from catalog.occurrences.rules import CompiledRule

Month = int
"""A local calendar month as ``year * 12 + month - 1``, so that consecutive months differ by 1."""

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
    """A short run of occurrences sorted by start, with their start timestamps for bisecting.

    Only what a query hands out or an uncached month's single activity is held this way; a
    cached month keeps its occurrences in :class:`_Month`'s columns.
    """

    keys: list[float] = field(default_factory=list)
    items: list[Occurrence] = field(default_factory=list)


_MOVED, _CANCELLED, _HOLIDAY = 1, 2, 4


class _Month:
    """One month's occurrences as columns of numbers, an :class:`Occurrence` made on reading.

    An occurrence object with its two start keys and four list slots took ~220 bytes; a row
    here takes ~45 (a start instant, the activity's number, three numbers into a table of the
    month's distinct date-times, a place, flags and the rare reason/holiday), so a month of
    307,000 occurrences (100,000 activities) is ~14 MiB instead of ~67.

    Rows are appended, never moved: each activity's rows are contiguous and sorted by start
    (``first``/``count`` by activity number), and ``all_keys``/``all_rows`` list every live
    row by start (ties by activity id). Replacing an activity appends its new rows and leaves
    the old ones unreferenced until the month is rebuilt.
    """

    __slots__ = (
        "_time_numbers",
        "_value_numbers",
        "activities",
        "all_keys",
        "all_rows",
        "count",
        "first",
        "ids",
        "row_act",
        "row_end",
        "row_extra",
        "row_flags",
        "row_key",
        "row_original",
        "row_place",
        "row_start",
        "times",
        "values",
    )

    def __init__(self, ids: list[ActivityId]) -> None:
        self.ids = ids  # the index's numbering, shared and only ever appended to
        self.row_key = array("d")
        self.row_act = array("I")
        self.row_start = array("I")
        self.row_end = array("I")
        self.row_original = array("I")
        self.row_place = array("I")
        self.row_flags = array("B")
        self.row_extra = array("I")
        self.all_keys = array("d")
        self.all_rows = array("I")
        self.first = array("I")
        self.count = array("I")
        self.activities = 0
        self.times: list[datetime] = []
        self.values: list[object] = [None]
        self._time_numbers: dict[tuple[datetime, int, object], int] = {}
        self._value_numbers: dict[object, int] = {None: 0}

    # --- reading ---------------------------------------------------------------------------

    def occurrence(self, row: int) -> Occurrence:
        """Make the occurrence of one row."""
        times, flags, extra = self.times, self.row_flags[row], self.row_extra[row]
        reason: str | None = None
        holiday: str | None = None
        if extra:
            reason, holiday = cast(tuple[str | None, str | None], self.values[extra])
        return Occurrence(
            self.ids[self.row_act[row]],
            times[self.row_start[row]],
            times[self.row_end[row]],
            times[self.row_original[row]],
            cast(PlaceId | None, self.values[self.row_place[row]]),
            bool(flags & _MOVED),
            bool(flags & _CANCELLED),
            reason,
            holiday,
        )

    def occurrences(self, rows: Iterable[int]) -> list[Occurrence]:
        """Make the occurrences of ``rows``, in that order."""
        return [self.occurrence(row) for row in rows]

    def span(self, number: int | None) -> tuple[int, int]:
        """The rows ``[first, end)`` of one activity (by number); empty when it has none."""
        if number is None or number >= len(self.count):
            return 0, 0
        first = self.first[number]
        return first, first + self.count[number]

    def window(self, number: int | None, low: float, high: float) -> range:
        """The rows of one activity starting in ``[low, high)``."""
        first, end = self.span(number)
        if first == end:
            return range(0)
        keys = self.row_key
        return range(bisect_left(keys, low, first, end), bisect_left(keys, high, first, end))

    def runs_past(self, number: int | None, high: float) -> bool:
        """Whether the activity has a row starting at or after ``high`` in this month."""
        first, end = self.span(number)
        return first < end and self.row_key[end - 1] >= high

    def cancelled(self, row: int) -> bool:
        return bool(self.row_flags[row] & _CANCELLED)

    # --- writing ---------------------------------------------------------------------------

    def append(self, number: int, series: _Series) -> None:
        """Add one activity's sorted occurrences as rows (not yet in ``all_*``)."""
        while len(self.count) <= number:
            self.first.append(0)
            self.count.append(0)
        if self.count[number] == 0 and series.items:
            self.activities += 1
        elif self.count[number] and not series.items:
            self.activities -= 1
        self.first[number] = len(self.row_key)
        self.count[number] = len(series.items)
        for key, occurrence in zip(series.keys, series.items, strict=True):
            self.row_key.append(key)
            self.row_act.append(number)
            self.row_start.append(self._time(occurrence.start))
            self.row_end.append(self._time(occurrence.end))
            self.row_original.append(self._time(occurrence.original_start))
            self.row_place.append(self._value(occurrence.place))
            flags = (
                (_MOVED if occurrence.moved else 0)
                | (_CANCELLED if occurrence.cancelled else 0)
                | (_HOLIDAY if occurrence.holiday is not None else 0)
            )
            self.row_flags.append(flags)
            extra = (occurrence.reason, occurrence.holiday)
            self.row_extra.append(0 if extra == (None, None) else self._value(extra))

    def _time(self, value: datetime) -> int:
        """The number of a date-time in the month's table (the fold and zone kept apart)."""
        key = (value, value.fold, value.tzinfo)
        number = self._time_numbers.get(key)
        if number is None:
            number = self._time_numbers[key] = len(self.times)
            self.times.append(value)
        return number

    def _value(self, value: object) -> int:
        number = self._value_numbers.get(value)
        if number is None:
            number = self._value_numbers[value] = len(self.values)
            self.values.append(value)
        return number

    def sort_all(self) -> None:
        """List every live row by start; ties keep row order (rows are appended by id)."""
        live = [
            row
            for number in range(len(self.count))
            for row in range(self.first[number], self.first[number] + self.count[number])
        ]
        keys = self.row_key
        live.sort()
        live.sort(key=keys.__getitem__)
        self.all_rows = array("I", live)
        self.all_keys = array("d", (keys[row] for row in live))

    def remove(self, number: int) -> None:
        """Take an activity's rows out of ``all_*`` (the rows themselves stay, unreferenced)."""
        first, end = self.span(number)
        for row in range(first, end):
            key = self.row_key[row]
            position = bisect_left(self.all_keys, key)
            while self.all_rows[position] != row:
                position += 1
            del self.all_keys[position], self.all_rows[position]
        if first < end:
            self.count[number] = 0
            self.activities -= 1

    def insert(self, number: int) -> None:
        """Put an activity's rows into ``all_*``: after same-instant rows of lower or equal id."""
        first, end = self.span(number)
        identifier = self.ids[number]
        for row in range(first, end):
            key = self.row_key[row]
            low = bisect_left(self.all_keys, key)
            high = bisect_right(self.all_keys, key)
            position = bisect_right(self.all_rows, identifier, low, high, key=self._id_of)
            self.all_keys.insert(position, key)
            self.all_rows.insert(position, row)

    def _id_of(self, row: int) -> ActivityId:
        return self.ids[self.row_act[row]]


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
    return _Entry(activity, rules, min(firsts), last, skip_holidays)


ChangeMap = Mapping[ActivityId, Mapping[datetime, OccurrenceChange]]


def _organisation_holidays(catalogue: Catalogue) -> dict[str, str | None]:
    """Each organisation's ``holidays`` setting, which its activities inherit."""
    return {organisation.id: organisation.holidays for organisation in catalogue.organisations}


def _expand_month(
    entry: _Entry | None, month: Month, changes: ChangeMap, zone: ZoneInfo
) -> list[Occurrence]:
    """List the entry's occurrences whose aware start lies in ``month``.

    The window starts a day early: a wall time in a DST gap just before midnight belongs,
    once shifted, to the next day (and perhaps month).
    """
    if entry is None:
        return []
    first, last = month_bounds(month)
    if entry.first > last or (entry.last is not None and entry.last < first - timedelta(1)):
        return []
    own = changes.get(entry.activity.id, _NO_CHANGES)
    found = expand_activity(
        entry.activity, entry.rules, zone, first - timedelta(days=1), last, own, entry.skip_holidays
    )
    return [o for o in found if o.start.year * 12 + o.start.month - 1 == month]


def _build_month(
    month: Month,
    entries: Iterable[tuple[int, _Entry]],
    changes: ChangeMap,
    zone: ZoneInfo,
    ids: list[ActivityId],
) -> _Month:
    """Materialise one month; ``entries`` (numbered) in id order: same-instant ties by id."""
    bucket = _Month(ids)
    for number, entry in entries:
        series = _sorted(_expand_month(entry, month, changes, zone))
        if series.items:
            bucket.append(number, series)
    bucket.sort_all()
    return bucket


def _sorted(occurrences: Iterable[Occurrence]) -> _Series:
    """Sort by instant; ties keep their input order (the index feeds activities by id)."""
    keyed = [(o.start.timestamp(), o) for o in occurrences]
    keyed.sort(key=itemgetter(0))
    return _Series([key for key, _ in keyed], [o for _, o in keyed])


class OccurrenceIndex:
    """Answers "what is on between these instants" over a catalogue in a few milliseconds.

    ``changes`` are the volunteers' per-occurrence changes; ``max_buckets`` bounds how many
    months are kept materialised (least recently used ones are dropped).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        changes: Iterable[OccurrenceChange] = (),
        *,
        max_buckets: int = 12,
    ) -> None:
        self.max_buckets = max(1, max_buckets)
        self._lock = RLock()
        self._reset(catalogue, changes)

    def _reset(self, catalogue: Catalogue, changes: Iterable[OccurrenceChange]) -> None:
        self._generation = getattr(self, "_generation", 0) + 1
        self.zone = ZoneInfo(catalogue.timezone)
        self._buckets: OrderedDict[Month, _Month] = OrderedDict()
        # Activities are numbered for the months' columns; numbers are never reused or taken
        # back (the list is shared with the months and only appended to).
        self._ids: list[ActivityId] = []
        self._numbers: dict[ActivityId, int] = {}
        self._activities: dict[ActivityId, Activity] = {a.id: a for a in catalogue.activities}
        self._organisation_holidays = _organisation_holidays(catalogue)
        self._changes = changes_by_start(changes, self.zone)
        self._entries: dict[ActivityId, _Entry] = {}
        for activity in catalogue.activities:
            self._set_entry(activity.id)

    # --- queries --------------------------------------------------------------------------

    def between(
        self,
        start: datetime,
        end: datetime,
        activity_ids: Collection[ActivityId] | None = None,
        include_cancelled: bool = False,
        *,
        holidays_only: bool = False,
    ) -> list[Occurrence]:
        """List occurrences starting in ``[start, end)`` by start; naive bounds are local times.

        ``activity_ids`` narrows to those activities; cancelled ones only on request.
        ``holidays_only`` keeps the sessions left out for a public holiday (cancelled ones,
        so with ``include_cancelled``): chosen before any occurrence is made, so a reply that
        looks for them over a month of many activities does not make all of them.
        """
        skip = _CANCELLED if not include_cancelled else 0
        wanted = _as_set(activity_ids)
        low, high = self._timestamp(start), self._timestamp(end)
        found: list[Occurrence] = []
        months = self._months(low, high)
        self._prepare(months)
        with self._lock:
            slices = [(bucket, *_span(bucket, low, high)) for bucket in self._get(months)]
            if wanted is not None and _prefer_series(wanted, slices):
                numbers = self._numbered(wanted)
                for bucket, _, _ in slices:
                    for number in numbers:
                        window = bucket.window(number, low, high)
                        found += _usable(bucket, window, skip, holidays_only)
                found.sort(key=sort_key)
                return found
            chosen = None if wanted is None else self._numbered(wanted)
            for bucket, lo, hi in slices:
                rows: Iterable[int] = bucket.all_rows[lo:hi]
                if chosen is not None:
                    acts = bucket.row_act
                    rows = [row for row in rows if acts[row] in chosen]
                found += _usable(bucket, rows, skip, holidays_only)
        return found

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
        cheaper walk) stops early however much the window holds.
        """
        wanted = _as_set(activity_ids)
        low, high = self._timestamp(start), self._timestamp(end)
        months = self._months(low, high)
        self._prepare(months)
        with self._lock:
            slices = [(bucket, *_span(bucket, low, high)) for bucket in self._get(months)]
            by_series = wanted is not None and _prefer_series(wanted, slices, expect)
            numbers = None if wanted is None else self._numbered(wanted)
            for bucket, lo, hi in slices:
                if numbers is not None and by_series:
                    runs = []
                    for number in numbers:
                        rows = bucket.window(number, low, high)
                        if rows:
                            runs.append(bucket.occurrences(rows))
                    ordered: Iterable[Occurrence] = merge(*runs, key=sort_key)
                else:
                    ordered = _walk(bucket, bucket.all_rows[lo:hi], numbers)
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
        self._prepare(months)
        with self._lock:
            slices = [(bucket, *_span(bucket, low, high)) for bucket in self._get(months)]
            scanned = sum(hi - lo for _, lo, hi in slices)
            if wanted is None or len(wanted) * _FIRST_HIT_COST > scanned:
                numbers = None if wanted is None else self._numbered(wanted)
                done: set[int] = set()
                for bucket, lo, hi in slices:
                    acts = bucket.row_act
                    for row in bucket.all_rows[lo:hi]:
                        number = acts[row]
                        if number in done or (numbers is not None and number not in numbers):
                            continue
                        occurrence = bucket.occurrence(row)
                        if usable(occurrence):
                            first[occurrence.activity] = occurrence
                            done.add(number)
                return first
            for activity_id in wanted:
                hit = _first_in(slices, self._numbers.get(activity_id), low, high, usable)
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

        Safe to run in a worker thread: months are built without holding the lock.
        """
        self._prepare(range(month_of(first), month_of(last) + 1))

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

    def _prepare(self, months: range) -> None:
        """Build missing months from a snapshot, outside the lock (retrying after a race)."""
        if len(months) > self.max_buckets:
            return  # they could not all stay cached: built one by one under the lock instead
        for month in months:
            for _ in range(3):
                with self._lock:
                    if month in self._buckets:
                        break
                    generation = self._generation
                    entries = self._numbered_entries()
                    changes = dict(self._changes)
                    zone = self.zone
                bucket = _build_month(month, entries, changes, zone, self._ids)
                with self._lock:
                    if self._generation == generation:
                        self._store(month, bucket)
                        break

    def _get(self, months: Iterable[Month]) -> list[_Month]:
        """The months' buckets (lock held); one evicted meanwhile is rebuilt here."""
        return [self._bucket(month) for month in months]

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
            if activity_id not in self._numbers:
                self._numbers[activity_id] = len(self._ids)
                self._ids.append(activity_id)

    def _numbered_entries(self) -> list[tuple[int, _Entry]]:
        """Every entry with its number, in id order (lock held)."""
        return [(self._numbers[i], self._entries[i]) for i in sorted(self._entries)]

    def _numbered(self, ids: Collection[ActivityId]) -> set[int]:
        """The numbers of those of ``ids`` that the index has ever known."""
        numbers = self._numbers
        return {numbers[i] for i in ids if i in numbers}

    def _build(self, month: Month) -> _Month:
        return _build_month(month, self._numbered_entries(), self._changes, self.zone, self._ids)

    def _store(self, month: Month, bucket: _Month) -> None:
        self._buckets[month] = bucket
        self._buckets.move_to_end(month)
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)

    def _bucket(self, month: Month) -> _Month:
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
            first, end = bucket.span(self._numbers.get(entry.activity.id))
            return _Series(list(bucket.row_key[first:end]), bucket.occurrences(range(first, end)))
        return _sorted(_expand_month(entry, month, self._changes, self.zone))

    def _refresh(self, activity_id: ActivityId) -> None:
        """Recompute one activity's entry and its occurrences in every cached bucket."""
        self._generation += 1
        self._set_entry(activity_id)
        entry = self._entries.get(activity_id)
        number = self._numbers.get(activity_id)
        if number is None:
            return  # never dated: no month holds it, and it has none now
        for month, bucket in self._buckets.items():
            bucket.remove(number)
            fresh = _sorted(_expand_month(entry, month, self._changes, self.zone))
            if fresh.items:
                bucket.append(number, fresh)
                bucket.insert(number)


def _as_set(ids: Collection[ActivityId] | None) -> set[ActivityId] | frozenset[ActivityId] | None:
    if ids is None or isinstance(ids, set | frozenset):
        return ids
    return set(ids)


def _span(bucket: _Month, low: float, high: float) -> tuple[int, int]:
    """The positions in ``bucket.all_*`` of the rows starting in ``[low, high)``."""
    return bisect_left(bucket.all_keys, low), bisect_left(bucket.all_keys, high)


def _usable(
    bucket: _Month, rows: Iterable[int], skip: int, holidays_only: bool
) -> list[Occurrence]:
    """The occurrences of ``rows`` without the ``skip`` flags (holiday ones only on request).

    Chosen from the flags before any occurrence is made.
    """
    if not skip and not holidays_only:
        return bucket.occurrences(rows)
    flags, need = bucket.row_flags, _HOLIDAY if holidays_only else 0
    return [
        bucket.occurrence(row)
        for row in rows
        if not flags[row] & skip and flags[row] & need == need
    ]


def _walk(bucket: _Month, rows: Iterable[int], numbers: set[int] | None) -> Iterator[Occurrence]:
    """The occurrences of ``rows`` (of the activities numbered ``numbers``), made as walked."""
    acts = bucket.row_act
    for row in rows:
        if numbers is None or acts[row] in numbers:
            yield bucket.occurrence(row)


#: Measured cost ratios (bench_occurrences): bisecting one activity's series in one bucket costs
#: about as much as filtering this many occurrences of a slice; a first hit needs one bucket.
_SERIES_COST = 8
_FIRST_HIT_COST = 6


def _prefer_series(
    wanted: Collection[ActivityId],
    slices: list[tuple[_Month, int, int]],
    expect: int | None = None,
) -> bool:
    """Whether bisecting each wanted activity beats filtering the slices (a cost estimate).

    With ``expect`` (the caller stops after that many hits), a filtering walk is expected to
    stop once it has met that many wanted occurrences: at about ``expect`` over the wanted
    share of the activities it passes.
    """
    scanned = sum(hi - lo for _, lo, hi in slices)
    if expect is not None and slices:
        activities = max(bucket.activities for bucket, _, _ in slices)
        share = min(1.0, len(wanted) / max(1, activities))
        scanned = min(scanned, int(expect / max(share, 1e-9)) * 2)
    return len(wanted) * len(slices) * _SERIES_COST < scanned


def _first_in(
    slices: list[tuple[_Month, int, int]],
    number: int | None,
    low: float,
    high: float,
    usable: Callable[[Occurrence], bool],
) -> Occurrence | None:
    """The activity's first usable occurrence in ``[low, high)`` across consecutive buckets."""
    for bucket, _, _ in slices:
        rows = bucket.window(number, low, high)
        for row in rows:
            occurrence = bucket.occurrence(row)
            if usable(occurrence):
                return occurrence
        if bucket.runs_past(number, high):
            return None  # the series goes on past ``high``: nothing later can be in range
    return None
