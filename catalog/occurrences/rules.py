"""Expanding one schedule rule into the naive local starts that fall in a window of dates.

A rule is compiled once into a :class:`CompiledRule` that picks the cheapest exact way to jump
to a window instead of iterating from DTSTART every time:

``weekly`` / ``daily``
    Plain ``FREQ=WEEKLY``/``DAILY`` rules (``INTERVAL``, ``BYDAY`` without ordinals,
    ``UNTIL``, ``WKST``; the shape of nearly every club) are pure date arithmetic: the first
    matching period of the window is computed directly.
``rebased``
    Other ``YEARLY``/``MONTHLY``/``WEEKLY``/``DAILY`` rules without ``COUNT`` (``BYDAY=2TU``,
    ``BYMONTHDAY``, ``BYSETPOS`` …) are handed to dateutil restarted at the beginning of the
    interval-aligned period containing the window, with every default dateutil would take from
    DTSTART written out, so the restarted rule yields exactly the original's occurrences.
``finite``
    Rules with ``COUNT`` must be counted from DTSTART: expanded once and kept.
``scan``
    Anything else (sub-daily frequencies, multi-line rule sets) is iterated from DTSTART.
``empty``
    A rule with no occurrence at all (``BYMONTH=2;BYMONTHDAY=30``, or an ``INTERVAL`` below 1,
    which dateutil would loop on or crash over) yields nothing, instead of searching to 9999.

dateutil is never left to search unbounded (:mod:`catalog.occurrences.scan`): a window is
searched only up to its last month, a rule whose first session is not found within about a
year of DTSTART counts as empty, and a counted rule keeps the sessions of its first ten years.
The importer refuses rules beyond those bounds (:mod:`catalog.limits`), so for an imported
catalogue they change nothing.

Semantics are dateutil's, with two deliberate readings: a date-only ``UNTIL`` means the whole
local day (as the format's own ``until`` does), and ``WKST`` defaults to Monday regardless of
the process's :mod:`calendar` setting. As in dateutil, a DTSTART that the rule does not match is
not an occurrence. ``until`` (inclusive local date) and ``except`` dates are applied on top.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, Protocol, TypeVar, cast

from dateutil.rrule import rrule, rruleset, rrulestr

from catalog.limits import COUNTED_SEARCH_MONTHS, FIRST_SEARCH_MONTHS
from catalog.model import ScheduleRule
from catalog.occurrences.scan import bounded, months_between

Strategy = Literal["weekly", "daily", "rebased", "finite", "scan", "empty"]

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_PERIODIC = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_ARITHMETIC_KEYS = frozenset({"FREQ", "INTERVAL", "BYDAY", "UNTIL", "WKST"})
_DAY_SELECTORS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER")
_DATE_ONLY = re.compile(r"^\d{8}$")
_LOCAL_DATETIME = re.compile(r"^\d{8}T\d{6}$")
_HORIZON = date(9000, 12, 31)  # windows end here: stepping past date.max would overflow


class _Plan(Protocol):
    """One way of listing a rule's starts whose date lies in an inclusive window."""

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        """Yield starts with ``first <= start.date() <= last`` in order (before until/except)."""
        ...  # pragma: no cover


def rule_parts(text: str) -> dict[str, str] | None:
    """``KEY -> VALUE`` of a one-line RRULE, upper-cased; ``None`` for anything more complex."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body or any(mark in body for mark in ":\r\n"):
        return None
    parts: dict[str, str] = {}
    for pair in body.split(";"):
        key, equals, value = pair.partition("=")
        key = key.strip().upper()
        if not equals or not key or key in parts:
            return None
        parts[key] = value.strip().upper()
    return parts


def _text(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={value}" for key, value in parts.items())


def normalised_parts(parts: dict[str, str]) -> dict[str, str]:
    """Widen a date-only ``UNTIL`` to its whole day and make ``WKST`` explicit."""
    result = dict(parts)
    until = result.get("UNTIL")
    if until is not None and _DATE_ONLY.match(until):
        result["UNTIL"] = until + "T235959"
    result.setdefault("WKST", "MO")
    return result


def _until(parts: dict[str, str]) -> datetime | None:
    value = parts.get("UNTIL")
    if value is None:
        return None
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def _weekdays(parts: dict[str, str]) -> tuple[int, ...] | None:
    """Plain ``BYDAY`` weekdays (0 = Monday); ``None`` when ordinals make it more than that."""
    value = parts.get("BYDAY")
    if value is None:
        return ()
    codes = [code.strip() for code in value.split(",")]
    if not all(code in WEEKDAY_CODES for code in codes):
        return None
    return tuple(sorted({WEEKDAY_CODES.index(code) for code in codes}))


def _interval(parts: dict[str, str]) -> int:
    return int(parts.get("INTERVAL", "1"))


# --- the plans --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Weekly:
    """Every ``interval``-th week (weeks begin on WKST), on fixed weekdays, at one time."""

    dtstart: datetime
    interval: int
    week0: date
    offsets: tuple[int, ...]  # days after the week's first day, ascending

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        first = max(first, self.dtstart.date())
        if first > last:
            return
        weeks = (first - self.week0).days // 7
        week = self.week0 + timedelta(weeks=weeks - weeks % self.interval)
        clock, step = self.dtstart.time(), timedelta(weeks=self.interval)
        while week <= last:
            for offset in self.offsets:
                day = week + timedelta(days=offset)
                if day > last:
                    return
                if day >= first:
                    yield datetime.combine(day, clock)
            week += step


@dataclass(frozen=True, slots=True)
class _Daily:
    """Every ``interval``-th day from DTSTART, optionally only on some weekdays."""

    dtstart: datetime
    interval: int
    weekdays: frozenset[int] | None

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        origin = self.dtstart.date()
        first = max(first, origin)
        steps = -(-(first - origin).days // self.interval)
        day = origin + timedelta(days=steps * self.interval)
        clock, step = self.dtstart.time(), timedelta(days=self.interval)
        while day <= last:
            if self.weekdays is None or day.weekday() in self.weekdays:
                yield datetime.combine(day, clock)
            day += step


@dataclass(frozen=True, slots=True)
class _Rebased:
    """A dateutil rule restarted at the aligned period that contains the window's first day."""

    rule: rrule
    dtstart: datetime
    freq: str
    interval: int
    wkst: int

    def _anchor(self, day: date) -> datetime:
        origin = self.dtstart
        if self.freq == "YEARLY":
            years = day.year - origin.year
            return datetime(origin.year + years - years % self.interval, 1, 1)
        if self.freq == "MONTHLY":
            months = (day.year - origin.year) * 12 + day.month - origin.month
            aligned = origin.year * 12 + origin.month - 1 + months - months % self.interval
            return datetime(aligned // 12, aligned % 12 + 1, 1)
        if self.freq == "WEEKLY":
            week0 = origin.date() - timedelta(days=(origin.weekday() - self.wkst) % 7)
            weeks = (day - week0).days // 7
            return datetime.combine(week0 + timedelta(weeks=weeks - weeks % self.interval), time())
        days = (day - origin.date()).days
        return datetime.combine(origin.date() + timedelta(days=days - days % self.interval), time())

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        first = max(first, self.dtstart.date())
        if first > last:
            return
        anchor = max(self._anchor(first), self.dtstart)
        budget = months_between(anchor.date(), last) + 3  # the window's months, and no more
        for start in bounded(self.rule, budget, dtstart=anchor):
            day = start.date()
            if day > last:
                return
            if day >= first:
                yield start


@dataclass(frozen=True, slots=True)
class _Finite:
    """Every start of a counted rule, expanded once."""

    all_starts: tuple[datetime, ...]

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        low = bisect_left(self.all_starts, datetime.combine(first, time()))
        high = bisect_right(self.all_starts, datetime.combine(last, time.max))
        yield from self.all_starts[low:high]


@dataclass(frozen=True, slots=True)
class _Scan:
    """A dateutil rule (or rule set) iterated from DTSTART: correct, slow for far windows."""

    rule: rrule | rruleset

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        for start in self.rule:
            day = start.date()
            if day > last:
                return
            if day >= first:
                yield start


@dataclass(frozen=True, slots=True)
class _Empty:
    """A rule that never occurs (e.g. the 30th of February)."""

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        return iter(())


# --- compiling ---------------------------------------------------------------------------


def _explicit_defaults(parts: dict[str, str], dtstart: datetime) -> dict[str, str]:
    """Write out what dateutil would otherwise take from DTSTART, so DTSTART can move."""
    result = dict(parts)
    result.setdefault("BYHOUR", str(dtstart.hour))
    result.setdefault("BYMINUTE", str(dtstart.minute))
    result.setdefault("BYSECOND", str(dtstart.second))
    if not any(key in parts for key in _DAY_SELECTORS):
        freq = parts["FREQ"]
        if freq == "YEARLY":
            result.setdefault("BYMONTH", str(dtstart.month))
            result["BYMONTHDAY"] = str(dtstart.day)
        elif freq == "MONTHLY":
            result["BYMONTHDAY"] = str(dtstart.day)
        elif freq == "WEEKLY":
            result["BYDAY"] = WEEKDAY_CODES[dtstart.weekday()]
    return result


def _arithmetic(parts: dict[str, str], dtstart: datetime) -> _Plan | None:
    if parts.get("FREQ") not in ("WEEKLY", "DAILY") or not parts.keys() <= _ARITHMETIC_KEYS:
        return None
    weekdays = _weekdays(parts)
    wkst = parts["WKST"]
    if weekdays is None or wkst not in WEEKDAY_CODES:
        return None
    interval = _interval(parts)
    if parts["FREQ"] == "DAILY":
        return _Daily(dtstart, interval, frozenset(weekdays) if weekdays else None)
    start_of_week = WEEKDAY_CODES.index(wkst)
    week0 = dtstart.date() - timedelta(days=(dtstart.weekday() - start_of_week) % 7)
    offsets = sorted((day - start_of_week) % 7 for day in weekdays or (dtstart.weekday(),))
    return _Weekly(dtstart, interval, shared(week0), shared(tuple(offsets)))


def _plan(text: str, dtstart: datetime) -> tuple[Strategy, _Plan, datetime | None]:
    """Choose the strategy and plan; also return the RRULE's ``UNTIL`` as a local bound."""
    raw = rule_parts(text)
    if raw is None or "FREQ" not in raw:
        return "scan", _Scan(rrulestr(text, dtstart=dtstart)), None
    parts = normalised_parts(raw)
    try:
        until = _until(parts)
    except ValueError:
        return "scan", _Scan(rrulestr(text, dtstart=dtstart)), None
    if _interval(parts) < 1:
        return "empty", _Empty(), until
    arithmetic = _arithmetic(parts, dtstart)
    if arithmetic is not None:
        return ("weekly" if parts["FREQ"] == "WEEKLY" else "daily"), arithmetic, until
    rule = rrulestr(_text(parts), dtstart=dtstart)
    assert isinstance(rule, rrule)
    if next(bounded(rule, FIRST_SEARCH_MONTHS), None) is None:
        return "empty", _Empty(), until
    if "COUNT" in parts:
        return "finite", _Finite(tuple(bounded(rule, COUNTED_SEARCH_MONTHS))), until
    if parts["FREQ"] not in _PERIODIC:
        return "scan", _Scan(rule), until
    explicit = rrulestr(_text(_explicit_defaults(parts, dtstart)), dtstart=dtstart)
    assert isinstance(explicit, rrule)
    wkst = WEEKDAY_CODES.index(parts["WKST"]) if parts["WKST"] in WEEKDAY_CODES else 0
    return "rebased", _Rebased(explicit, dtstart, parts["FREQ"], _interval(parts), wkst), until


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A schedule rule ready to list the occurrences of any window quickly."""

    rule: ScheduleRule
    strategy: Strategy
    length: timedelta
    last_start: datetime | None  # the latest possible start (until / UNTIL / COUNT)
    _plan: _Plan = field(repr=False, compare=False)
    _exceptions: frozenset[date] = field(repr=False, compare=False)

    @property
    def first_date(self) -> date:
        """The earliest local date an occurrence can have (DTSTART's)."""
        return self.rule.start.date()

    @property
    def last_date(self) -> date | None:
        """The latest local date an occurrence can have; ``None`` for an endless rule."""
        return self.last_start.date() if self.last_start is not None else None

    def starts(self, first: date, last: date) -> Iterator[datetime]:
        """Naive local starts dated ``first``…``last`` (inclusive), until/except honoured."""
        last = min(last, _HORIZON)
        if self.last_start is not None:
            last = min(last, self.last_start.date())
        if first > last:
            return
        for start in self._plan.starts(first, last):
            if self.last_start is not None and start > self.last_start:
                return
            if start.date() not in self._exceptions:
                yield start

    def sessions(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """Naive local ``(start, end)`` pairs of :meth:`starts`; end is start + wall length."""
        length = self.length
        for start in self.starts(first, last):
            yield start, start + length


_Value = TypeVar("_Value", bound=Hashable)


def shared(value: _Value) -> _Value:
    """The first equal value seen (of the same type).

    A catalogue's rules repeat a few hundred dates, lengths and weekday sets: one object each
    instead of one per rule is ~15 MiB at 100,000 activities.
    """
    return cast(_Value, _first_equal(value))


@lru_cache(maxsize=4_096, typed=True)
def _first_equal(value: Hashable) -> Hashable:
    return value


#: One empty set shared by the rules without exceptions (nearly all): an empty frozenset is
#: ~200 bytes, 20 MiB over a catalogue of 100,000 activities.
_NO_EXCEPTIONS: frozenset[date] = frozenset()


@lru_cache(maxsize=4_096)
def compile_rule(rule: ScheduleRule) -> CompiledRule:
    """Pick the fastest exact strategy for ``rule`` (cached: rules are immutable values).

    The cache serves the one-activity callers (a calendar feed, a poster, a preview); the
    occurrence index keeps each activity's compiled rules itself, so a cache the size of a
    national catalogue would only double-book them (~10 MiB at 100,000 activities).
    """
    dtstart = rule.start
    if dtstart.microsecond or dtstart.tzinfo is not None:
        dtstart = dtstart.replace(microsecond=0, tzinfo=None)
    strategy, plan, until = _plan(rule.rrule, dtstart)
    bounds = [bound for bound in (until,) if bound is not None]
    if rule.until is not None:
        bounds.append(datetime.combine(rule.until, time.max))
    if isinstance(plan, _Finite):
        bounds.append(plan.all_starts[-1] if plan.all_starts else dtstart)
    if isinstance(plan, _Empty):
        bounds.append(dtstart)
    return CompiledRule(
        rule=rule,
        strategy=strategy,
        length=shared(rule.length),
        last_start=min(bounds) if bounds else None,
        _plan=plan,
        _exceptions=frozenset(rule.exceptions) if rule.exceptions else _NO_EXCEPTIONS,
    )


def expand_rule(
    rule: ScheduleRule, window_start: date, window_end: date
) -> Iterator[tuple[datetime, datetime]]:
    """Naive local ``(start, end)`` of ``rule``'s occurrences starting on the window's dates."""
    return compile_rule(rule).sessions(window_start, window_end)
