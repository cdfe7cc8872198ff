"""Finnish holidays by name: a holiday key turned into the coming days it covers.

The keys are those of the ``holidays:`` mapping in ``catalog/data/time/<language>.yaml``
(see the comment at the top of ``fi.yaml``). Their dates come from the ``holidays`` package's
table for Finland (Easter and the feasts that move with it, midsummer, All Saints' Day);
New Year's Eve (31 December) and May Day Eve ("vappuaatto", 30 April) are not in that table
and are derived here. Some keys are spans of several days:

- ``easter``: Good Friday to Easter Monday;
- ``midsummer``: Midsummer Eve and Midsummer Day;
- ``christmas``: Christmas Eve to Boxing Day;
- ``new_year``: New Year's Eve and New Year's Day.

A holiday asked about on ``today`` is this year's until its last day is over, then next year's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

from catalog.holidays import PACKAGE_NAMES
from catalog.holidays import finnish_holidays as public_holidays

__all__ = ["HOLIDAY_KEYS", "coming_holiday", "finnish_holidays", "holiday_days", "is_one_day"]

#: Days not in the package's table: key -> (month, day).
_FIXED: dict[str, tuple[int, int]] = {
    "new_years_eve": (12, 31),
    "vappu_eve": (4, 30),
}

#: Spans of several days: key -> (first day's key, last day's key, last day a year later).
_SPANS: dict[str, tuple[str, str, bool]] = {
    "easter": ("good_friday", "easter_monday", False),
    "midsummer": ("midsummer_eve", "midsummer_day", False),
    "christmas": ("christmas_eve", "boxing_day", False),
    "new_year": ("new_years_eve", "new_years_day", True),
}

#: Every holiday key the data files may use.
HOLIDAY_KEYS: frozenset[str] = frozenset({*PACKAGE_NAMES, *_FIXED, *_SPANS})


@cache
def finnish_holidays(year: int) -> Mapping[str, date]:
    """The single-day holidays of ``year`` by key: the public ones and the two eves."""
    days = dict(public_holidays(year))
    days.update({key: date(year, month, day) for key, (month, day) in _FIXED.items()})
    return days


def holiday_days(key: str, year: int) -> tuple[date, date] | None:
    """The first and last day of holiday ``key`` in ``year`` (a span may end in the next)."""
    if key in _SPANS:
        first_key, last_key, next_year = _SPANS[key]
        first = finnish_holidays(year).get(first_key)
        last = finnish_holidays(year + 1 if next_year else year).get(last_key)
        return (first, last) if first is not None and last is not None else None
    day = finnish_holidays(year).get(key)
    return (day, day) if day is not None else None


def coming_holiday(key: str, today: date) -> tuple[date, date] | None:
    """Holiday ``key`` as seen on ``today``: this year's until it is over, else next year's.

    None for a key that is not a holiday (see :data:`HOLIDAY_KEYS`).
    """
    if key not in HOLIDAY_KEYS:
        return None
    first_year = today.year - 1 if key in _SPANS and _SPANS[key][2] else today.year
    for year in (first_year, first_year + 1, first_year + 2):
        days = holiday_days(key, year)
        if days is not None and days[1] >= today:
            return days
    return None


def is_one_day(key: str) -> bool:
    """Whether holiday ``key`` is a single day (a weekday beside it only describes it)."""
    return key not in _SPANS
