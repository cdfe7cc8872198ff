"""Finland's public holidays, from the ``holidays`` package's table, by key and by date.

The keys are those the understanding uses (``catalog/data/time/<language>.yaml``) and the
replies name (``independence_day``...). :func:`public_holiday` is what ``holidays: skip`` in the
catalogue reads: a scheduled session on one of these days is not held.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

__all__ = ["PACKAGE_NAMES", "finnish_holidays", "public_holiday"]

#: The package's English (en_US) names of the Finnish holidays that are single days.
PACKAGE_NAMES: dict[str, str] = {
    "new_years_day": "New Year's Day",
    "epiphany": "Epiphany",
    "good_friday": "Good Friday",
    "easter_sunday": "Easter Sunday",
    "easter_monday": "Easter Monday",
    "vappu": "May Day",
    "ascension_day": "Ascension Day",
    "pentecost": "Pentecost",
    "midsummer_eve": "Midsummer Eve",
    "midsummer_day": "Midsummer Day",
    "all_saints_day": "All Saints' Day",
    "independence_day": "Independence Day",
    "christmas_eve": "Christmas Eve",
    "christmas_day": "Christmas Day",
    "boxing_day": "Second Day of Christmas",
}


@cache
def finnish_holidays(year: int) -> Mapping[str, date]:
    """The public holidays of ``year`` by key, from the package's table (read once a year).

    The package is imported here, on the first holiday asked about, as it takes a while.
    """
    from holidays import country_holidays

    table = country_holidays("FI", years=year, language="en_US")
    by_name: dict[str, date] = {}
    for day, names in table.items():
        for name in str(names).split("; "):
            by_name[name] = day
    return {key: by_name[name] for key, name in PACKAGE_NAMES.items() if name in by_name}


@cache
def _by_date(year: int) -> Mapping[date, str]:
    return {day: key for key, day in finnish_holidays(year).items()}


def public_holiday(day: date) -> str | None:
    """The key of the Finnish public holiday on ``day``, or ``None`` on an ordinary day."""
    return _by_date(day.year).get(day)
