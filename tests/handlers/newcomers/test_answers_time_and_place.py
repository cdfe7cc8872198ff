"""Answers say what was understood: a time of day, the day of a holiday, a place elsewhere."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import ClockRange, Holiday, Query, TimeWindow
from handlers.core.i18n import Translator
from handlers.newcomers.answers import HOLIDAY_NAMES, clock_phrase, holiday_line
from handlers.newcomers.assistant import Assistant
from tests.fakes import ScriptedUnderstander

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)  # a Monday
WEDNESDAY = TimeWindow(date(2026, 11, 25), date(2026, 11, 25))


@pytest.fixture
def understander() -> ScriptedUnderstander:
    return ScriptedUnderstander()


@pytest.fixture
def assistant(demo: Catalogue, understander: ScriptedUnderstander) -> Assistant:
    return Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())


@pytest.mark.parametrize(
    ("clock", "said"),
    [
        (ClockRange(time(18, 0), None), "after 18:00"),
        (ClockRange(None, time(11, 59)), "before 12:00"),
        (ClockRange(time(12, 0), time(18, 0)), "between 12:00 and 18:00"),
    ],
)
def test_a_clock_range_is_said_plainly(clock: ClockRange, said: str) -> None:
    speaker = Translator().speaker("en")
    assert clock_phrase(clock, speaker).replace("\u2068", "").replace("\u2069", "") == said


def test_every_holiday_has_a_translated_name() -> None:
    finnish = Translator().speaker("fi")
    for key, name in HOLIDAY_NAMES.items():
        line = holiday_line(Holiday(key, date(2027, 3, 28), date(2027, 3, 28)), finnish)
        assert line is not None
        assert name not in line, f"{key} is not translated into Finnish"


def test_an_evening_question_lists_only_evening_sessions_and_says_so(
    assistant: Assistant, understander: ScriptedUnderstander
) -> None:
    evening = ClockRange(time(17, 0), None)
    understander.script["tonight?"] = Query("en", "activities", window=WEDNESDAY, clock=evening)
    answer = assistant.answer("tonight?", now=NOW, network_id="nurmijarvi")
    assert answer.search is not None
    assert answer.search.matches
    for match in answer.search.matches:
        assert match.occurrence is not None
        assert match.occurrence.start.astimezone(HELSINKI).time() >= time(17, 0)
    assert "after" in answer.reply.text.splitlines()[0]


def test_a_named_holiday_says_which_day_it_is(
    assistant: Assistant, understander: ScriptedUnderstander
) -> None:
    day = date(2026, 12, 6)
    understander.script["independence day?"] = Query(
        "en",
        "activities",
        window=TimeWindow(day, day),
        holiday=Holiday("independence_day", day, day),
    )
    answer = assistant.answer("independence day?", now=NOW, network_id="nurmijarvi")
    first_line = answer.reply.text.splitlines()[0]
    assert "Independence Day" in first_line
    assert "6 December" in first_line


def test_suggestions_from_elsewhere_say_they_are_outside_the_area(
    assistant: Assistant, understander: ScriptedUnderstander
) -> None:
    # Nurmijärvi's network offers no music; other networks do.
    understander.script["music?"] = Query("en", "activities", kinds=frozenset({"music_culture"}))
    answer = assistant.answer("music?", now=NOW, network_id="nurmijarvi")
    assert answer.search is not None
    assert not answer.search.matches
    assert "Outside your area" in answer.reply.text


def test_suggestions_in_the_users_own_area_carry_no_such_note(
    assistant: Assistant, understander: ScriptedUnderstander
) -> None:
    sunday_night = ClockRange(time(23, 0), None)
    understander.script["late?"] = Query("en", "activities", window=WEDNESDAY, clock=sunday_night)
    answer = assistant.answer("late?", now=NOW, network_id="nurmijarvi")
    assert "Maybe one of these" in answer.reply.text, "the same day without the clock is offered"
    assert "Outside your area" not in answer.reply.text
