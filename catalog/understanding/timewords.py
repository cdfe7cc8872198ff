"""When a newcomer means: the time words of a chat message turned into a :class:`TimeWindow`.

The message is normalised (:mod:`catalog.understanding.mapped_text`) and scanned with the
time words of the detected language (:mod:`catalog.understanding.timepatterns`, data in
``catalog/data/time/``) and for numeric dates (:mod:`catalog.understanding.dates`). If the
detected language finds no day, the other languages written in the same script are tried,
and the one that explains the most text wins; ``language=None`` tries them all.

What is found is then resolved against the local date in Europe/Helsinki (weeks run Monday to
Sunday):

- today, tomorrow, the day after tomorrow; tonight is today from 17:00, this morning today
  until 12:00, this afternoon today 12:00-18:00;
- this week is today to Sunday, next week next Monday to Sunday; this weekend is the coming
  Saturday and Sunday (on a Sunday just that day), next weekend the one of next week; this
  month is today to the month's end, next month the whole next month; a month's name is the
  coming such month; "the next few days" are today and six more; Christmas week is the
  Monday-Sunday week of Christmas Eve;
- a holiday named ("jouluaattona", "at Easter") is its coming days, this year's until they
  are over (:mod:`catalog.understanding.holidays`); a weekday beside a one-day holiday
  describes it, one beside a span ("Saturday at Easter") is that day within it, and so is a
  date or one-day holiday inside a span named beside it ("Good Friday at Easter", "in
  December, on the 12th"). The first holiday named is also told apart
  (:attr:`TimeReading.holiday`);
- a weekday is the next such day (today if it is today); with "next" it is the one in next
  week, and with a week, weekend or month named too it is the first one in that range;
- a date is that date (see :func:`catalog.understanding.dates.resolve_date` for the year);
  a day number alone ("the 28th") is the coming date with that number;
  weekdays written beside a date are taken as describing it;
- several days or ranges give the smallest window holding them all ("Monday or Tuesday");
- part-of-day words (evening, morning, afternoon) narrow the day found; alone they give a
  clock range with no window ("illalla": from 17:00);
- clock phrases ("after 6 pm", "klo 18", "between 17 and 19", "before noon") give a clock range
  (:mod:`catalog.understanding.clocktimes`) that wins over a part of day named beside it;
  "kuuden jälkeen illalla" moves an hour without am/pm to the evening;
- "in three days", "in two weeks" are that day (``in_days``, ``in_weeks`` in the data);
- misspelt time words of the hinted language ("tusday", "tistaina", "завтро") are put right
  before scanning (:mod:`catalog.understanding.timetypos`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from catalog.understanding import clocktimes, dates, timetypos
from catalog.understanding.holidays import coming_holiday, is_one_day
from catalog.understanding.mapped_text import normalise_mapped, split_at
from catalog.understanding.query import ClockRange, Holiday, TimeWindow
from catalog.understanding.timepatterns import TIME_LANGUAGES, Found, time_patterns

__all__ = ["TimeReading", "find_window", "find_window_spans", "local_today"]

TIME_ZONE = "Europe/Helsinki"

_RANGES: dict[str, Callable[[date], tuple[date, date]]] = {
    "this_week": dates.this_week,
    "next_week": dates.next_week,
    "this_weekend": dates.this_weekend,
    "next_weekend": dates.next_weekend,
    "this_month": dates.this_month,
    "next_month": dates.next_month,
    "coming_days": dates.coming_days,
    "christmas_week": dates.christmas_week,
}
#: Parts of the day as clock ranges of session starts (the labelling conventions of
#: shared/eval/README.md: morning until 11:59, afternoon 12-18, evening from 17:00).
_PART_TIMES: dict[str, ClockRange] = {
    "evening": ClockRange(time(17, 0), None),
    "morning": ClockRange(None, time(11, 59)),
    "afternoon": clocktimes.AFTERNOON,
}
_LATIN = ("fi", "en", "sv", "et", "tr", "es", "fr", "so")


@dataclass(frozen=True, slots=True)
class TimeReading:
    """The window a message asks about and where in the message its time words stand.

    ``spans`` are ``(start, end)`` character offsets into the original text, in order;
    they are empty when nothing was found. ``language`` is the language whose time words
    were read (None when only numeric dates were found or nothing at all). ``clock`` is the
    part of the day or clock range asked for, with or without a window; ``holiday`` the
    holiday named, if any (its days are the window).
    """

    window: TimeWindow | None
    spans: tuple[tuple[int, int], ...] = ()
    language: str | None = None
    clock: ClockRange | None = None
    holiday: Holiday | None = None


def find_window(text: str, language: str | None, now: datetime) -> TimeWindow | None:
    """The window of local dates ``text`` asks about when written at ``now``, if any.

    ``language`` is the detected language, a hint: its words are tried first. ``now`` is
    best timezone-aware; a naive ``now`` is taken as Helsinki local time.
    """
    return find_window_spans(text, language, now).window


def find_window_spans(
    text: str, language: str | None, now: datetime, *, other_languages: bool = True
) -> TimeReading:
    """Like :func:`find_window`, also telling which characters were time words.

    ``other_languages=False`` reads only ``language``'s time words: for a long message whose
    language is sure, trying every other language of its script costs much and finds nothing.
    """
    mapped = normalise_mapped(text)
    base = _base_language(language)
    if base is not None:
        mapped = timetypos.correct(mapped, timetypos.speller(base))
        mapped = split_at(mapped, time_patterns(base).splits)
    found, read_as = read_time_words(mapped.text, language, other_languages=other_languages)
    today = local_today(now)
    window, clock, used = resolve(found, today)
    if window is None and clock is None:
        return TimeReading(None, (), None)
    spans = tuple(mapped.original_span(item.start, item.end) for item in used)
    return TimeReading(window, spans, read_as, clock, named_holiday(used, today))


def named_holiday(used: Iterable[Found], today: date) -> Holiday | None:
    """The first holiday among the expressions ``used``, with its coming days."""
    for item in used:
        if item.kind == "holiday":
            span = coming_holiday(str(item.value), today)
            if span is not None:
                return Holiday(str(item.value), *span)
    return None


def local_today(now: datetime) -> date:
    """The Helsinki date at ``now`` (a naive ``now`` is taken as Helsinki time already)."""
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(_zone()).date()


@cache
def _zone() -> ZoneInfo:
    return ZoneInfo(TIME_ZONE)


def read_time_words(
    text: str, language: str | None, *, other_languages: bool = True
) -> tuple[list[Found], str | None]:
    """The time expressions in normalised ``text`` and the language they were read in."""
    numeric = [_numeric_found(item) for item in dates.find_numeric_dates(text)]
    base = _base_language(language)
    primary = time_patterns(base).scan(text) if base else []
    if base and (_names_a_day([*primary, *numeric]) or not other_languages):
        return _without_overlaps([*primary, *numeric]), base
    other, found = _best_other_language(text, base)
    if other is None:
        return _without_overlaps([*primary, *numeric]), base if primary else None
    return _without_overlaps([*primary, *numeric, *found]), other


def _best_other_language(text: str, hint: str | None) -> tuple[str | None, list[Found]]:
    """The language of ``text``'s script, other than ``hint``, whose time words explain most.

    With a hint, only day-naming words count, and none that the hinted language lists as
    its own ordinary words (French "homme" is not Estonian "tomorrow").
    """
    excluded = time_patterns(hint).not_time_words if hint else frozenset()
    best_language: str | None = None
    best: list[Found] = []
    best_length = 0
    for code in _script_languages(text):
        if code == hint:
            continue
        found = [
            item
            for item in time_patterns(code).scan(text)
            if hint is None
            or (
                item.kind not in ("part", "month", "clock")
                and text[item.start : item.end] not in excluded
            )
        ]
        length = sum(item.end - item.start for item in found if item.kind != "part")
        if length > best_length:
            best_language, best, best_length = code, found, length
    return best_language, best


def _base_language(language: str | None) -> str | None:
    if language is None:
        return None
    if language == "fi-x-plain":
        return "fi"
    base = language.split("-")[0].lower()
    return base if base in TIME_LANGUAGES else None


@cache
def _script_patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    return (
        (re.compile("[a-z]"), _LATIN),
        (re.compile("[\u0400-\u04ff]"), ("ru", "uk")),
        (re.compile("[\u0600-\u06ff]"), ("ar", "fa")),
        (re.compile("[\u3400-\u9fff\uf900-\ufaff]"), ("zh",)),
    )


def _script_languages(text: str) -> list[str]:
    """The languages written in the scripts that ``text`` uses."""
    found: list[str] = []
    for pattern, languages in _script_patterns():
        if pattern.search(text):
            found.extend(languages)
    return found


def _numeric_found(item: dates.NumericDate) -> Found:
    if item.day is None:
        return Found("month", item.month, item.start, item.end)
    return Found("date", item.month, item.start, item.end, item.day, item.year)


def _names_a_day(found: Iterable[Found]) -> bool:
    return any(item.kind not in ("part", "clock") for item in found)


def _without_overlaps(found: Sequence[Found]) -> list[Found]:
    """Keep the earliest, then longest, of overlapping expressions, in text order.

    A day number that is part of a whole date ("يوم 12" in "يوم 12 ديسمبر") gives way to it.
    """
    dated = [item for item in found if item.kind == "date"]
    found = [
        item
        for item in found
        if item.kind != "day_of_month"
        or not any(item.start < other.end and other.start < item.end for other in dated)
    ]
    kept: list[Found] = []
    reach = -1
    for item in sorted(found, key=lambda item: (item.start, item.start - item.end)):
        if item.start >= reach:
            kept.append(item)
            reach = item.end
    return kept


def resolve(
    found: Sequence[Found], today: date
) -> tuple[TimeWindow | None, ClockRange | None, list[Found]]:
    """The window and clock range ``found`` describes together, and the expressions used."""
    days: list[tuple[date, date]] = []
    ranges: list[tuple[date, date]] = []
    named_dates: list[date] = []
    weekdays: list[Found] = []
    parts: set[str] = set()
    clocks: list[Found] = []
    used: list[Found] = []
    for item in found:
        if item.kind == "clock":
            clocks.append(item)
        elif item.kind == "date":
            assert item.day is not None
            assert isinstance(item.value, int)
            resolved = dates.resolve_date(item.day, item.value, item.year, today)
            if resolved is None:
                continue
            named_dates.append(resolved)
        elif item.kind == "day_of_month":
            assert item.day is not None
            resolved = dates.day_of_month(item.day, today)
            if resolved is None:
                continue
            named_dates.append(resolved)
        elif item.kind == "day":
            assert isinstance(item.value, int)
            day = today + timedelta(days=item.value)
            days.append((day, day))
        elif item.kind == "today_part":
            days.append((today, today))
            parts.add(str(item.value))
        elif item.kind == "holiday":
            span = coming_holiday(str(item.value), today)
            if span is None:
                continue
            if is_one_day(str(item.value)):
                named_dates.append(span[0])
            else:
                ranges.append(span)
        elif item.kind == "range":
            ranges.append(_RANGES[str(item.value)](today))
        elif item.kind == "month":
            assert isinstance(item.value, int)
            ranges.append(dates.month_range(item.value, today))
        elif item.kind in ("weekday", "next_weekday", "coming_weekday"):
            weekdays.append(item)
        else:
            parts.add(str(item.value))
        used.append(item)
    if named_dates and ranges and all(any(a <= d <= b for a, b in ranges) for d in named_dates):
        ranges = []  # "on Good Friday, at Easter", "in December, on the 12th": the day itself
    days.extend((day, day) for day in named_dates)
    if weekdays and not named_dates:
        days.extend(_weekday_days(weekdays, ranges, today))
        ranges = []
    days.extend(ranges)
    clock = _clock(clocks, parts)
    if not days:
        kept = [item for item in used if item.kind in ("part", "clock")] if clock else []
        return None, clock, kept
    start = min(first for first, _ in days)
    end = max(last for _, last in days)
    return TimeWindow(start, end), clock, used


def _clock(clocks: Sequence[Found], parts: set[str]) -> ClockRange | None:
    """The clock range of the clock phrases, else of the one part of day named.

    An ambiguous hour ("9" without am/pm) beside an evening or afternoon word is moved to
    the evening ("yhdeksän jälkeen illalla" is from 21:00).
    """
    if not clocks:
        return _PART_TIMES[next(iter(parts))] if len(parts) == 1 else None
    later = bool(parts & {"evening", "afternoon"})
    ranges = [
        clocktimes.to_evening(item.clock) if later and item.ambiguous else item.clock
        for item in clocks
        if item.clock is not None
    ]
    return clocktimes.narrow(ranges) if ranges else None


def _weekday_days(
    weekdays: Sequence[Found], ranges: Sequence[tuple[date, date]], today: date
) -> list[tuple[date, date]]:
    """Each weekday as a date: in the range named beside it, else the coming (or next) one."""
    scope = (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else None
    days: list[tuple[date, date]] = []
    for item in weekdays:
        assert isinstance(item.value, int)
        if scope is not None:
            day = dates.next_weekday(scope[0], item.value)
            if day > scope[1]:
                day = dates.next_weekday(today, item.value)
        elif item.kind == "next_weekday":
            day = dates.monday_of(today) + timedelta(days=7 + item.value)
        elif item.kind == "coming_weekday":
            day = dates.next_weekday(today + timedelta(days=1), item.value)
        else:
            day = dates.next_weekday(today, item.value)
        days.append((day, day))
    return days
