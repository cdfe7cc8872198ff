"""Finland's public holidays, from the ``holidays`` package's table, by key and by date.

The keys are those the understanding uses (``catalog/data/time/<language>.yaml``) and the
replies name (``independence_day``...). :func:`public_holiday` is what ``holidays: skip`` in the
catalogue reads: a scheduled session on one of these days is not held.

The package's dates for 2000–2100 travel as data (``catalog/data/holidays-fi.json``, written
by ``python -m tools.holiday_table``): importing the package loads every country's and
calendar's module (~10 MiB resident for Finland's fifteen days). A test checks the file
against the installed package year by year; years outside it are asked from the package.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources

__all__ = ["PACKAGE_NAMES", "TABLE_NAME", "finnish_holidays", "package_holidays", "public_holiday"]

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

#: The file under ``catalog/data`` with the package's dates.
TABLE_NAME = "holidays-fi.json"


@cache
def finnish_holidays(year: int) -> Mapping[str, date]:
    """The public holidays of ``year`` by key: from the table, else from the package."""
    known = _table().get(year)
    return known if known is not None else package_holidays(year)


def package_holidays(year: int) -> dict[str, date]:
    """The public holidays of ``year`` by key, asked from the ``holidays`` package itself.

    The package is imported here, only when needed, as it takes a while and ~10 MiB.
    """
    from holidays import country_holidays

    table = country_holidays("FI", years=year, language="en_US")
    by_name: dict[str, date] = {}
    for day, names in table.items():
        for name in str(names).split("; "):
            by_name[name] = day
    return {key: by_name[name] for key, name in PACKAGE_NAMES.items() if name in by_name}


@cache
def _table() -> dict[int, dict[str, date]]:
    """The shipped table: year -> key -> date."""
    text = (resources.files("catalog") / "data" / TABLE_NAME).read_text(encoding="utf-8")
    years: dict[str, dict[str, str]] = json.loads(text)["years"]
    return {
        int(year): {key: date.fromisoformat(day) for key, day in days.items()}
        for year, days in years.items()
    }


@cache
def _by_date(year: int) -> Mapping[date, str]:
    return {day: key for key, day in finnish_holidays(year).items()}


def public_holiday(day: date) -> str | None:
    """The key of the Finnish public holiday on ``day``, or ``None`` on an ordinary day."""
    return _by_date(day.year).get(day)
