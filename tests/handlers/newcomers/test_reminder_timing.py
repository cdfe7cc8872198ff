"""Lead times, quiet hours and planning, in Helsinki, across both DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.localtime import to_aware, to_local
from catalog.model import ActivityId
from catalog.occurrences import Occurrence
from handlers.core.events import ChatId, UserId
from handlers.newcomers.reminder_timing import (
    DEFAULT_LEADS,
    DEFAULT_QUIET_HOURS,
    EVENING_BEFORE,
    STARTED,
    SUPERSEDED,
    TWO_HOURS_BEFORE,
    Lead,
    QuietHours,
    Subscription,
    Window,
    occurrence_key,
    plan_reminders,
    reminder_key,
    reminder_times,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
QUIET = DEFAULT_QUIET_HOURS
ANA = UserId("telegram:1")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return to_aware(datetime(year, month, day, hour, minute), HELSINKI)


def walls(start: datetime, leads: tuple[Lead, ...] = DEFAULT_LEADS) -> list[datetime]:
    return [to_local(m, HELSINKI) for _, m in reminder_times(start, leads, QUIET, HELSINKI)]


def occurrence(start: datetime, *, cancelled: bool = False, hours: int = 2) -> Occurrence:
    return Occurrence(
        ActivityId("club"),
        start,
        start + timedelta(hours=hours),
        to_local(start, HELSINKI),
        None,
        cancelled=cancelled,
    )


def test_defaults_are_the_evening_before_at_18_and_two_hours_before() -> None:
    assert walls(local(2026, 11, 24, 17, 0)) == [
        datetime(2026, 11, 23, 18, 0),
        datetime(2026, 11, 24, 15, 0),
    ]


def test_march_change_keeps_18_on_the_wall_and_two_real_hours() -> None:
    # Sunday 2027-03-28: clocks go 03:00 EET -> 04:00 EEST.
    start = local(2027, 3, 28, 17, 0)
    evening, before = reminder_times(start, DEFAULT_LEADS, QUIET, HELSINKI)
    assert to_local(evening[1], HELSINKI) == datetime(2027, 3, 27, 18, 0)
    assert evening[1].astimezone(HELSINKI).utcoffset() == timedelta(
        hours=2
    )  # still winter time on Saturday
    assert start.astimezone(UTC) - before[1].astimezone(UTC) == timedelta(hours=2)
    assert to_local(before[1], HELSINKI) == datetime(2027, 3, 28, 15, 0)
    # The day after: both reminders in summer time, same wall times.
    assert walls(local(2027, 3, 29, 17, 0)) == [
        datetime(2027, 3, 28, 18, 0),
        datetime(2027, 3, 29, 15, 0),
    ]


def test_a_session_in_the_night_of_the_change_counts_real_hours() -> None:
    # 04:30 EEST on 2027-03-28 is 01:30 UTC; two real hours earlier is 01:30 EET. The session
    # itself starts in the quiet hours, so its reminder may be sent in them.
    start = local(2027, 3, 28, 4, 30)
    assert walls(start, (TWO_HOURS_BEFORE,)) == [datetime(2027, 3, 28, 1, 30)]


def test_october_change_reminds_at_the_same_wall_times() -> None:
    # Sunday 2026-10-25: clocks go 04:00 EEST -> 03:00 EET.
    start = local(2026, 10, 25, 17, 0)
    [(_, evening), (_, before)] = reminder_times(start, DEFAULT_LEADS, QUIET, HELSINKI)
    assert to_local(evening, HELSINKI) == datetime(2026, 10, 24, 18, 0)
    assert evening.astimezone(HELSINKI).utcoffset() == timedelta(hours=3)
    assert before.astimezone(HELSINKI).utcoffset() == timedelta(hours=2)
    # 23 wall hours, plus the repeated hour:
    assert start.astimezone(UTC) - evening.astimezone(UTC) == timedelta(hours=24)


def test_quiet_reminder_is_deferred_to_morning_when_still_before_the_start() -> None:
    assert walls(local(2026, 11, 24, 9, 0), (TWO_HOURS_BEFORE,)) == [datetime(2026, 11, 24, 8, 0)]


def test_quiet_reminder_is_advanced_to_the_evening_when_morning_is_too_late() -> None:
    assert walls(local(2026, 11, 24, 8, 0), (TWO_HOURS_BEFORE,)) == [datetime(2026, 11, 23, 21, 59)]


def test_two_leads_on_the_same_instant_remind_once() -> None:
    day_before = Lead(before=timedelta(hours=24))
    times = reminder_times(
        local(2026, 11, 24, 18, 0), (EVENING_BEFORE, day_before), QUIET, HELSINKI
    )
    assert [lead for lead, _ in times] == [EVENING_BEFORE]


@pytest.mark.parametrize("code", ["evening-18:00", "evening-07:30", "before-120m", "before-5m"])
def test_lead_codes_round_trip(code: str) -> None:
    assert Lead.parse(code).code == code


@pytest.mark.parametrize("code", ["", "evening", "before-0m", "before-2h", "evening-18"])
def test_bad_lead_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="lead"):
        Lead.parse(code)


def test_quiet_hours_that_do_not_cross_midnight() -> None:
    lunch = QuietHours(time(12), time(13))
    assert lunch.contains(time(12, 30))
    assert not lunch.contains(time(13))
    assert not lunch.contains(time(23))


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: to_aware(d.replace(second=0, microsecond=0), HELSINKI)
)
leads = st.one_of(
    st.builds(lambda h, m: Lead(evening=time(h, m)), st.integers(16, 21), st.sampled_from([0, 30])),
    st.builds(lambda m: Lead(before=timedelta(minutes=m)), st.integers(5, 3 * 24 * 60)),
)


@given(instants, st.lists(leads, min_size=1, max_size=4))
def test_reminders_precede_the_start_and_respect_quiet_hours(
    start: datetime, chosen: list[Lead]
) -> None:
    times = reminder_times(start, chosen, QUIET, HELSINKI)
    moments = [m for _, m in times]
    assert moments == sorted(set(moments))
    starts_quiet = QUIET.is_quiet(start, HELSINKI)
    for lead, moment in times:
        assert moment < start
        if lead.before is not None and moment == lead.instant(start, HELSINKI):
            assert start.astimezone(UTC) - moment.astimezone(UTC) == lead.before
        assert starts_quiet or not QUIET.is_quiet(moment, HELSINKI)
        if starts_quiet or not QUIET.is_quiet(lead.instant(start, HELSINKI), HELSINKI):
            assert moment == lead.instant(start, HELSINKI)


@given(instants)
def test_the_evening_before_is_on_the_previous_local_day_at_its_wall_time(start: datetime) -> None:
    moment = EVENING_BEFORE.instant(start, HELSINKI)
    wall = to_local(moment, HELSINKI)
    assert wall.time() == time(18)
    assert wall.date() == to_local(start, HELSINKI).date() - timedelta(days=1)


# --- planning ------------------------------------------------------------------------------------


def subscription(created: datetime) -> Subscription:
    return Subscription(ANA, ChatId("telegram:1"), created, activity=ActivityId("club"), id=7)


def test_plan_only_counts_reminders_after_subscribing_and_in_the_window() -> None:
    start = local(2026, 11, 24, 17, 0)
    sub = subscription(local(2026, 11, 23, 20, 0))  # after the evening-before reminder
    now = local(2026, 11, 24, 10, 0)
    planned = plan_reminders(
        sub, [occurrence(start)], Window(now, now + timedelta(hours=6)), HELSINKI
    )
    assert [(p.lead, to_local(p.due_at, HELSINKI), p.dropped) for p in planned] == [
        (TWO_HOURS_BEFORE, datetime(2026, 11, 24, 15, 0), None)
    ]
    named = occurrence_key(planned[0].occurrence)
    assert planned[0].key == reminder_key(ANA, named, TWO_HOURS_BEFORE)
    short = Window(now, now + timedelta(hours=4))
    assert plan_reminders(sub, [occurrence(start)], short, HELSINKI) == []


def test_after_downtime_only_the_latest_overdue_reminder_is_sent() -> None:
    start = local(2026, 11, 24, 17, 0)
    sub = subscription(local(2026, 11, 1, 12, 0))
    now = local(2026, 11, 24, 16, 0)  # down since before the evening-before reminder
    planned = plan_reminders(
        sub, [occurrence(start)], Window(now, now + timedelta(hours=6)), HELSINKI
    )
    assert [(p.lead, p.dropped) for p in planned] == [
        (EVENING_BEFORE, SUPERSEDED),
        (TWO_HOURS_BEFORE, None),
    ]


def test_after_downtime_reminders_of_a_started_occurrence_are_dropped() -> None:
    start = local(2026, 11, 24, 17, 0)
    sub = subscription(local(2026, 11, 1, 12, 0))
    now = local(2026, 11, 24, 17, 30)
    planned = plan_reminders(
        sub, [occurrence(start)], Window(now, now + timedelta(hours=6)), HELSINKI
    )
    assert {p.dropped for p in planned} == {STARTED}
    assert len(planned) == 2


def test_a_cancelled_occurrence_plans_one_cancellation_at_the_first_reminder() -> None:
    start = local(2026, 11, 24, 17, 0)
    sub = subscription(local(2026, 11, 1, 12, 0))
    now = local(2026, 11, 23, 12, 0)
    window = Window(now, now + timedelta(days=2))
    [notice] = plan_reminders(sub, [occurrence(start, cancelled=True)], window, HELSINKI)
    assert notice.is_cancellation
    assert to_local(notice.due_at, HELSINKI) == datetime(2026, 11, 23, 18, 0)
    assert notice.key.startswith("cancelled:telegram:1:club:2026-11-24T17:00")


def test_incremental_windows_plan_each_reminder_once() -> None:
    sub = subscription(local(2026, 11, 1, 12, 0))
    occurrences = [occurrence(local(2026, 11, day, 17, 0)) for day in range(20, 28)]
    now = local(2026, 11, 19, 0, 0)
    keys: list[str] = []
    since = None
    for _ in range(48):
        until = now + timedelta(hours=6)
        keys += [
            p.key for p in plan_reminders(sub, occurrences, Window(now, until, since), HELSINKI)
        ]
        since, now = until, now + timedelta(hours=5)
    assert len(keys) == len(set(keys)) == 16
