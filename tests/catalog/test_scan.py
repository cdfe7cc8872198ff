"""Bounded dateutil searches stop after their budget of months, and change nothing before it."""

from __future__ import annotations

from datetime import datetime

import pytest
from dateutil import rrule as dateutil_rrule
from dateutil.rrule import rrule, rrulestr

from catalog.occurrences.scan import bounded, months_between


def parsed(text: str, start: datetime) -> rrule:
    rule = rrulestr(text, dtstart=start)
    assert isinstance(rule, rrule)
    return rule


@pytest.fixture
def month_visits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count dateutil's per-month (per-year) table rebuilds: the work a search does."""
    visits = [0]
    rebuild = dateutil_rrule._iterinfo.rebuild

    def counted(self: dateutil_rrule._iterinfo, year: int, month: int) -> None:
        visits[0] += 1
        rebuild(self, year, month)

    monkeypatch.setattr(dateutil_rrule._iterinfo, "rebuild", counted)
    return visits


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;COUNT=1000;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_rule_that_never_matches_stops_at_the_budget(
    month_visits: list[int], text: str
) -> None:
    rule = parsed(text, datetime(2026, 1, 1, 17))
    assert list(bounded(rule, 14)) == []
    # without the bound dateutil rebuilds its tables for every month (year) up to 9999
    assert month_visits[0] <= 15


def test_within_the_budget_the_starts_are_dateutils(month_visits: list[int]) -> None:
    rule = parsed("FREQ=MONTHLY;BYDAY=2TU;COUNT=30", datetime(2026, 1, 1, 17))
    assert list(bounded(rule, 40)) == list(rule)
    assert list(bounded(rule, 10)) == list(rule)[:9]


def test_a_copy_is_searched_so_the_rule_stays_usable() -> None:
    rule = parsed("FREQ=DAILY", datetime(2026, 1, 1, 17))
    assert next(bounded(rule, 2)) == datetime(2026, 1, 1, 17)
    moved = datetime(2027, 3, 4, 9)
    assert next(bounded(rule, 2, dtstart=moved)) == moved
    assert type(rule) is dateutil_rrule.rrule
    assert rule.after(datetime(2090, 1, 1)) is not None  # a plain dateutil rule: unbounded


def test_months_between() -> None:
    assert months_between(datetime(2026, 1, 31).date(), datetime(2026, 2, 1).date()) == 1
    assert months_between(datetime(2026, 5, 1).date(), datetime(2026, 5, 31).date()) == 0
    assert months_between(datetime(2027, 1, 1).date(), datetime(2026, 1, 1).date()) == 0
