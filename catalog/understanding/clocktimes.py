"""Clock times of day in time phrases ("after 6 pm", "klo 18", "между 17 и 19") as clock ranges.

:mod:`catalog.understanding.timepatterns` finds the phrases (data keys ``after_clock``,
``before_clock``, ``between_clock``, ``at_clock`` with a ``{clock}`` placeholder); here the
clock times inside a phrase are read with the language's clock token pattern (its named
groups: ``h``/``m`` digits, ``n1``..``n12`` number words, ``noon``, ``midnight``, ``am``/``pm``
markers after the number, ``amb``/``pmb`` before it) and turned into a :class:`ClockRange`:

- after 18 is 18:00 on, before 18 until 17:59, between 17 and 19 is 17:00-19:00, at 18 (a bare
  "klo 18") is 18:00-18:59; before noon is until 11:59, before midnight until 23:59;
- a pm marker ("6 pm", "6 вечера", "下午6点") adds twelve hours; an hour 1-7 without a marker is
  taken as the afternoon or evening ("after six" is 18:00: nothing starts at 6 in the night);
- an hour 8-11 without a marker is *ambiguous*: a part-of-day word beside it ("kuuden jälkeen
  illalla", "at 9 in the evening") moves it to the evening (:func:`to_evening`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal

from catalog.understanding.query import ClockRange

ClockKind = Literal["after", "before", "between", "at"]
_NUMBER_GROUPS = tuple(f"n{value}" for value in range(1, 13))


@dataclass(frozen=True, slots=True)
class ClockTime:
    """One clock time read from a phrase; ``ambiguous`` when it may still be am or pm."""

    hour: int
    minute: int
    ambiguous: bool
    marked_pm: bool = False


#: The afternoon of the labelling conventions: the part of the day, and what "after noon"
#: means in every language.
AFTERNOON = ClockRange(time(12, 0), time(18, 0))


def read_clock(
    kind: ClockKind, text: str, token: re.Pattern[str]
) -> tuple[ClockRange, bool] | None:
    """The clock range a ``kind`` phrase ``text`` means and whether it is ambiguous (am/pm).

    None when no valid clock time is in ``text`` (25:00, 18:75).
    """
    times: list[ClockTime] = []
    noon_words = 0
    for match in token.finditer(text):
        read = _clock_time(match)
        if read is None:
            return None
        times.append(read)
        noon_words += bool(match.groupdict().get("noon"))
    if not times:
        return None
    if kind == "after" and noon_words == len(times) == 1:
        return AFTERNOON, False  # "after noon", "после обеда", "بعد الظهر": the afternoon
    if any(item.marked_pm for item in times):  # "from 5 to 7 pm": the marker covers both
        times = [_shifted(item) if item.ambiguous else item for item in times]
    first = times[0]
    ambiguous = any(item.ambiguous for item in times)
    start = time(first.hour, first.minute)
    if kind == "after":
        return ClockRange(start, None), ambiguous
    if kind == "before":
        return ClockRange(None, _minute_before(start)), ambiguous
    if kind == "at":
        return ClockRange(start, time(first.hour, 59)), ambiguous
    last = times[-1]
    end = time(last.hour, last.minute)
    if end < start and last.ambiguous:
        end = time(last.hour + 12, last.minute)
    return (ClockRange(start, end) if start <= end else ClockRange(start, None)), ambiguous


def _clock_time(match: re.Match[str]) -> ClockTime | None:
    groups = match.groupdict()
    if groups.get("noon"):
        return ClockTime(12, 0, False)
    if groups.get("midnight"):
        return ClockTime(0, 0, False)
    minute = int(groups["m"]) if groups.get("m") else 0
    if groups.get("h"):
        hour = int(groups["h"])
    else:
        hour = next((int(name[1:]) for name in _NUMBER_GROUPS if groups.get(name)), -1)
    if not 0 <= hour <= 24 or minute > 59:
        return None
    hour %= 24
    if groups.get("pm") or groups.get("pmb"):
        return ClockTime(hour + 12 if hour < 12 else hour, minute, False, marked_pm=True)
    if groups.get("am") or groups.get("amb"):
        return ClockTime(0 if hour == 12 else hour, minute, False)
    if 1 <= hour <= 7:  # "after six": nothing starts at six in the night
        return ClockTime(hour + 12, minute, False)
    return ClockTime(hour, minute, 8 <= hour <= 11)


def _shifted(item: ClockTime) -> ClockTime:
    return ClockTime(item.hour + 12, item.minute, False, marked_pm=True)


def _minute_before(moment: time) -> time:
    minutes = (moment.hour * 60 + moment.minute - 1) % (24 * 60)
    return time(minutes // 60, minutes % 60)


def to_evening(clock: ClockRange) -> ClockRange:
    """An ambiguous morning clock range moved twelve hours on ("9 illalla" is 21:00)."""
    return ClockRange(_later(clock.earliest), _later(clock.latest))


def _later(moment: time | None) -> time | None:
    if moment is None or moment.hour >= 12:
        return moment
    return time(moment.hour + 12, moment.minute)


def narrow(clocks: list[ClockRange]) -> ClockRange:
    """Several clock phrases together ("after 17 and before 20"): the range they all allow."""
    earliest = [clock.earliest for clock in clocks if clock.earliest is not None]
    latest = [clock.latest for clock in clocks if clock.latest is not None]
    low = max(earliest) if earliest else None
    high = min(latest) if latest else None
    if low is not None and high is not None and high < low:
        return clocks[0]
    return ClockRange(low, high)


def read_count(text: str, token: re.Pattern[str]) -> int:
    """The count in a relative phrase ("in 3 days", "kolmen päivän päästä"); 1 when unwritten."""
    match = token.search(text)
    if match is None:
        return 1
    if match["d"]:
        return int(match["d"])
    name = match.lastgroup or ""
    return int(name[1:]) if name.startswith("n") and name[1:].isdigit() else 1
