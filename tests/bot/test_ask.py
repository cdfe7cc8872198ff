"""The measuring contract's ``window``: dates, plus ``from``/``to`` clock times when asked."""

from __future__ import annotations

from datetime import date, time

from bot.ask import window_json
from catalog.understanding.query import ClockRange, Query, TimeWindow

DAY = TimeWindow(date(2026, 11, 24), date(2026, 11, 24))


def test_a_window_without_a_clock_keeps_its_old_shape() -> None:
    query = Query("en", "activities", window=DAY)
    assert window_json(query) == {"start": "2026-11-24", "end": "2026-11-24"}


def test_a_clock_range_adds_from_and_to() -> None:
    query = Query("en", "activities", window=DAY, clock=ClockRange(time(18, 0), time(20, 30)))
    assert window_json(query) == {
        "start": "2026-11-24",
        "end": "2026-11-24",
        "from": "18:00",
        "to": "20:30",
    }


def test_an_open_ended_clock_range_gives_one_end() -> None:
    query = Query("en", "activities", clock=ClockRange(None, time(11, 59)))
    assert window_json(query) == {"to": "11:59"}


def test_no_time_at_all_is_null() -> None:
    assert window_json(Query("en", "activities")) is None
