"""A schedule in words and the next sessions, as the form's preview shows them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from catalog.model import Activity, ActivityId, OneOffDate, ScheduleRule
from handlers.coordination.console.preview import next_sessions, schedule_summary
from handlers.core.i18n import Translator
from tests.bot.storage.catalogues import full_catalogue, minimal_activity

ENGLISH = Translator().speaker("en")
FINNISH = Translator().speaker("fi")
TUESDAYS = ScheduleRule(
    rrule="FREQ=WEEKLY;BYDAY=TU",
    start=datetime(2026, 9, 1, 17, 0),
    end=time(18, 30),
    until=date(2027, 5, 25),
    exceptions=(date(2026, 10, 20), date(2027, 1, 5)),
)


def _activity(*rules: ScheduleRule, dates: tuple[OneOffDate, ...] = ()) -> Activity:
    return replace(minimal_activity("kerho"), schedule=rules, dates=dates)


def test_a_weekly_rule_reads_as_a_sentence() -> None:
    summary = schedule_summary(_activity(TUESDAYS), ENGLISH, date(2026, 11, 1))
    assert summary == "every Tuesday 17:00–18:30 until 25 May, except 5 January"


def test_the_sentence_is_translated_and_formatted_for_the_locale() -> None:
    summary = schedule_summary(_activity(TUESDAYS), FINNISH, date(2026, 11, 1))
    assert summary == "joka tiistai 17.00–18.30 25. toukokuuta asti, paitsi 5. tammikuuta"


def test_a_rule_still_to_start_says_from_when_and_every_other_week() -> None:
    fortnightly = replace(TUESDAYS, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", until=None)
    summary = schedule_summary(_activity(fortnightly), ENGLISH, date(2026, 8, 1))
    assert summary == (
        "every 2 weeks on Tuesday and Thursday 17:00–18:30 from 1 September, "
        "except 20 October and 5 January"
    )


def test_other_rules_and_one_off_dates_are_named_too() -> None:
    monthly = replace(TUESDAYS, rrule="FREQ=MONTHLY;BYDAY=1SA", until=None, exceptions=())
    once = OneOffDate(datetime(2026, 12, 12, 10, 0), datetime(2026, 12, 12, 12, 0))
    past = OneOffDate(datetime(2026, 1, 12, 10, 0), datetime(2026, 1, 12, 12, 0))
    summary = schedule_summary(_activity(monthly, dates=(once, past)), ENGLISH, date(2026, 11, 1))
    assert summary == "on a repeating schedule, 17:00–18:30; on 12 December 10:00–12:00"


def test_an_activity_without_dates_is_on_offer_all_the_time() -> None:
    assert schedule_summary(_activity(), ENGLISH, date(2026, 11, 1)) == (
        "no dates: it is on offer all the time"
    )


def test_the_next_sessions_come_after_now_and_skip_exceptions() -> None:
    catalogue = full_catalogue()
    now = datetime(2026, 10, 13, 15, 0, tzinfo=UTC)  # 18:00 in Helsinki: that day's has begun
    found = next_sessions(_activity(TUESDAYS), catalogue, now)
    assert [o.start.date() for o in found] == [
        date(2026, 10, 27),
        date(2026, 11, 3),
        date(2026, 11, 10),
    ]
    assert all(o.activity == ActivityId("kerho") for o in found)
    assert next_sessions(_activity(TUESDAYS), catalogue, now, count=1) == found[:1]

