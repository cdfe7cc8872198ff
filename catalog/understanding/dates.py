"""Calendar dates in messages: numeric forms any language uses, and turning day-month into a date.

Numeric forms are read day first, the Finnish way (``24.11.``, ``24/11``, ``24.11.2026``,
``24.11.26``); a form that is only valid month first (``11/24``) is read so. ISO dates
(``2026-11-24``) and Chinese/Japanese ``11月24日`` (also with Chinese numerals) are read too,
and a bare ``12月`` is a month. A clock time after ``klo``/``kello``/``kl``/``at`` is not a date.

A date without a year is the next such date on or after today; one that is at most
:data:`RECENT_DAYS` days past stays in this year (the user asks about a date just gone).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

#: How many days in the past a yearless date may lie before it is read as next year's.
RECENT_DAYS = 7

_HAN_DIGITS = {char: value for value, char in enumerate("一二三四五六七八九", start=1)} | {"两": 2}
_HAN_NUMBER = "[一二两三四五六七八九十]{1,3}"
_CLOCK_BEFORE = re.compile(r"(?:^|\W)(?:klo|kello|kl|at|um|a las|à|saat)\.?\s*$")


@dataclass(frozen=True, slots=True)
class NumericDate:
    """A date (or, with ``day`` None, a whole month) written with numbers, at ``start:end``."""

    start: int
    end: int
    month: int
    day: int | None
    year: int | None


@cache
def _numeric_pattern() -> re.Pattern[str]:
    number = rf"(?:\d{{1,2}}|{_HAN_NUMBER})"
    return re.compile(
        r"(?<![\d.,/:])(?:"
        r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
        r"|(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2})(?!\d)|\.)?"
        rf"|(?:(?P<hy>\d{{4}})\s*年\s*)?(?P<hm>{number})\s*月(?:\s*(?P<hd>{number})\s*[日号號])?"
        r")(?![\d/]|[.,:]\d)"
    )


def han_number(text: str) -> int:
    """The value of a number written in ASCII digits or Chinese numerals up to 99."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _HAN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return _HAN_DIGITS.get(tens, 1) * 10 + _HAN_DIGITS.get(ones, 0)


def find_numeric_dates(text: str) -> list[NumericDate]:
    """The numeric dates in normalised ``text`` (see the module docstring), in text order."""
    found: list[NumericDate] = []
    for match in _numeric_pattern().finditer(text):
        parsed = _parse(match)
        if parsed is not None:
            found.append(parsed)
    return found


def _parse(match: re.Match[str]) -> NumericDate | None:
    if match["iy"]:
        return _parse_iso(match)
    if match["hm"]:
        return _parse_han(match)
    return _parse_day_first(match)


def _parse_iso(match: re.Match[str]) -> NumericDate | None:
    day, month, year = int(match["id"]), int(match["im"]), int(match["iy"])
    return NumericDate(*match.span(), month, day, year) if _valid(day, month) else None


def _parse_han(match: re.Match[str]) -> NumericDate | None:
    month = han_number(match["hm"])
    day = han_number(match["hd"]) if match["hd"] else None
    year = int(match["hy"]) if match["hy"] else None
    if not 1 <= month <= 12 or (day is not None and not _valid(day, month)):
        return None
    return NumericDate(*match.span(), month, day, year)


def _parse_day_first(match: re.Match[str]) -> NumericDate | None:
    start, end = match.span()
    if _CLOCK_BEFORE.search(text_before(match)):
        return None
    first, second = int(match["d"]), int(match["m"])
    year = _full_year(match["y"]) if match["y"] else None
    if _valid(first, second):
        return NumericDate(start, end, second, first, year)
    if _valid(second, first):
        return NumericDate(start, end, first, second, year)
    return None


def text_before(match: re.Match[str], width: int = 10) -> str:
    """Up to ``width`` characters before ``match`` in the string it was found in."""
    return match.string[max(0, match.start() - width) : match.start()]


def _full_year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def resolve_date(day: int, month: int, year: int | None, today: date) -> date | None:
    """The date meant by ``day``.``month``.[``year``] when asked ``today`` (None if impossible)."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        if candidate < today - timedelta(days=RECENT_DAYS):
            candidate = date(today.year + 1, month, day)
    except ValueError:
        return None
    return candidate


def day_of_month(day: int, today: date) -> date | None:
    """The coming date with day number ``day``: this month's unless past, else the next one's."""
    year, month = today.year, today.month
    if day < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for _ in range(3):  # the 31st: skip months too short for it
        if day <= calendar.monthrange(year, month)[1]:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def month_range(month: int, today: date) -> tuple[date, date]:
    """The coming ``month`` as inclusive dates: the rest of it if it is this month."""
    if month == today.month:
        return today, _month_end(today.year, month)
    year = today.year if month > today.month else today.year + 1
    return date(year, month, 1), _month_end(year, month)


def this_month(today: date) -> tuple[date, date]:
    """From ``today`` to the last day of its month."""
    return today, _month_end(today.year, today.month)


def next_month(today: date) -> tuple[date, date]:
    """The whole month after ``today``'s."""
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, 1), _month_end(year, month)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def next_weekday(today: date, weekday: int) -> date:
    """The next date with ``weekday`` (0 = Monday), ``today`` itself if it is one."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def this_week(today: date) -> tuple[date, date]:
    """From ``today`` to the Sunday of this week."""
    return today, monday_of(today) + timedelta(days=6)


def next_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week after ``today``'s."""
    monday = monday_of(today) + timedelta(days=7)
    return monday, monday + timedelta(days=6)


def this_weekend(today: date) -> tuple[date, date]:
    """The coming Saturday and Sunday; on a Sunday just that Sunday."""
    saturday = monday_of(today) + timedelta(days=5)
    return max(today, saturday), saturday + timedelta(days=1)


def next_weekend(today: date) -> tuple[date, date]:
    """Saturday and Sunday of the week after ``today``'s."""
    saturday = monday_of(today) + timedelta(days=12)
    return saturday, saturday + timedelta(days=1)


def coming_days(today: date) -> tuple[date, date]:
    """Today and the six days after it ("the next few days")."""
    return today, today + timedelta(days=6)


def christmas_week(today: date) -> tuple[date, date]:
    """The Monday-to-Sunday week of the coming Christmas Eve (this one until its week ends)."""
    monday = monday_of(date(today.year, 12, 24))
    if monday + timedelta(days=6) < today:
        monday = monday_of(date(today.year + 1, 12, 24))
    return monday, monday + timedelta(days=6)
