"""Clock times, relative days and misspelt time words, per language (fixed ``now``)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding.query import ClockRange
from catalog.understanding.timewords import find_window_spans

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # a Tuesday
T18 = ClockRange(time(18), None)

CLOCKS = [
    ("en", "after 6 pm", T18), ("en", "from 6pm on", T18), ("en", "after 18:00", T18),
    ("en", "before noon", ClockRange(None, time(11, 59))),
    ("en", "between 17 and 19", ClockRange(time(17), time(19))),
    ("en", "at 9 in the evening", ClockRange(time(21), time(21, 59))),
    ("fi", "klo 18 jälkeen", T18), ("fi", "kuuden jälkeen illalla", T18),
    ("fi", "kello 17 alkaen", ClockRange(time(17), None)),
    ("fi", "klo 18.12", ClockRange(time(18, 12), time(18, 59))),
    ("fi", "yhdeksän jälkeen illalla", ClockRange(time(21), None)),
    ("fi", "klo 17-19", ClockRange(time(17), time(19))),
    ("sv", "efter kl 18", T18), ("ru", "после 18", T18), ("ru", "после шести вечера", T18),
    ("ru", "с 18:00", T18), ("ru", "до обеда", ClockRange(None, time(11, 59))),
    ("uk", "після 18", T18), ("et", "pärast kella 18", T18),
    ("ar", "بعد الساعة 6 مساء", T18), ("fa", "بعد از ساعت ۶ عصر", T18),
    ("so", "ka dib 6 fiidnimo", T18), ("tr", "saat 18'den sonra", T18),
    ("zh", "下午6点以后", T18), ("zh", "晚上6点后", T18),
    ("es", "después de las 6 de la tarde", T18), ("es", "a partir de las 18h", T18),
    ("fr", "après 18h", T18), ("fr", "avant midi", ClockRange(None, time(11, 59))),
    ("fi", "illal", ClockRange(time(17), None)), ("fi", "aamul", ClockRange(None, time(11, 59))),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "clock"), CLOCKS)
def test_clock_times(language: str, text: str, clock: ClockRange) -> None:
    reading = find_window_spans(text, language, NOW)
    assert reading.clock == clock


def test_a_day_and_a_clock_together() -> None:
    reading = find_window_spans("tomorrow from 6pm on", "en", NOW)
    assert reading.window is not None
    assert reading.window.start == date(2026, 11, 25)
    assert reading.clock == T18
    date_evening = find_window_spans("18.12 вечером", "ru", NOW)
    assert date_evening.window is not None
    assert date_evening.window.start == date(2026, 12, 18)


DAYS = [
    ("en", "in three days", 27), ("en", "in 3 days", 27), ("en", "in a week", 1),
    ("fi", "kolmen päivän päästä", 27), ("fi", "3 päivän päästä", 27),
    ("es", "dentro de tres días", 27), ("ru", "через три дня", 27), ("uk", "через 3 дні", 27),
    ("tr", "üç gün sonra", 27), ("zh", "三天后", 27), ("ar", "بعد ثلاثة أيام", 27),
    ("fa", "سه روز دیگه", 27), ("fr", "dans trois jours", 27), ("sv", "om tre dagar", 27),
    ("et", "kolme päeva pärast", 27), ("so", "saddex maalmood kadib", 27),
    ("en", "on the 15th", 15), ("fi", "15. päivä", 15), ("es", "el día 15", 15),
    ("fr", "le 15", 15), ("ru", "15-го", 15), ("zh", "15号", 15),
    # misspellings
    ("en", "tusday", 24), ("en", "tomorow", 25), ("en", "wensday", 25), ("fi", "tistaina", 24),
    ("fi", "torstiana", 26), ("fi", "huomena", 25), ("es", "mañna", 25), ("ru", "завтро", 25),
    ("ru", "пятнеца", 27),
    # chat spellings
    ("ar", "ba3d bukra", 26), ("ar", "youm el sabt", 28), ("fa", "pas farda", 26),
    ("fa", "yekshanbe", 29), ("ru", "poslezavtra", 26), ("ru", "v subbotu", 28),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "day"), DAYS)
def test_days(language: str, text: str, day: int) -> None:
    reading = find_window_spans(text, language, NOW)
    assert reading.window is not None
    assert reading.window.start.day == day


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "good evening"), ("fi", "hyvää iltaa"), ("ru", "добрый вечер"),
        ("es", "buenas tardes"), ("fr", "bonsoir"), ("en", "after 2 hours"),
        ("en", "Is there a sundae?"), ("es", "mantas"), ("fi", "Onko tästä kurssia?"),
        ("en", "weeks"), ("fi", "hyvää huomenta"),
    ],
)  # fmt: skip
def test_no_time(language: str, text: str) -> None:
    reading = find_window_spans(text, language, NOW)
    assert reading.window is None
    assert reading.clock is None


def test_spans_of_corrected_words_point_at_the_original() -> None:
    text = "Onko tistaina klo 18 jälkeen jotain?"
    reading = find_window_spans(text, "fi", NOW)
    assert [text[a:b] for a, b in reading.spans] == ["tistaina", "klo 18 jälkeen"]


def test_sunday_stays_sunday() -> None:
    reading = find_window_spans("sunday", "en", NOW)
    assert reading.window is not None
    assert reading.window.start == date(2026, 11, 29)
