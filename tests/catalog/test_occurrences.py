from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import catalog.occurrences.index as index_module
from bench.generator import generate_catalogue, generate_catalogue_model
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    Coordinator,
    Network,
    NetworkId,
    OccurrenceChange,
    OneOffDate,
    Organisation,
    OrganisationId,
    PlaceId,
    ScheduleRule,
)
from catalog.occurrences import (
    Occurrence,
    OccurrenceIndex,
    activity_occurrences,
    compile_rule,
    expand_rule,
)
from catalog.parse import parse_document
from catalog.source import Document

HELSINKI = ZoneInfo("Europe/Helsinki")
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --- helpers ------------------------------------------------------------------------------


def rule(
    rrule: str,
    start: str,
    end: str | None = "18:30",
    *,
    duration: timedelta | None = None,
    until: str | None = None,
    exceptions: tuple[str, ...] = (),
) -> ScheduleRule:
    return ScheduleRule(
        rrule=rrule,
        start=datetime.fromisoformat(start),
        end=time.fromisoformat(end) if duration is None and end else None,
        duration=duration,
        until=date.fromisoformat(until) if until else None,
        exceptions=tuple(date.fromisoformat(d) for d in exceptions),
    )


def activity(
    activity_id: str,
    *rules: ScheduleRule,
    dates: tuple[OneOffDate, ...] = (),
    place: str | None = "hall",
) -> Activity:
    return Activity(
        id=ActivityId(activity_id),
        organisation=OrganisationId("org"),
        klass="support",
        kinds=("language_club",),
        title=(("fi", activity_id),),
        place=PlaceId(place) if place else None,
        schedule=rules,
        dates=dates,
    )


def catalogue(*activities: Activity) -> Catalogue:
    network = Network(NetworkId("n"), (("fi", "N"),), ("Espoo",), Coordinator("c@example.fi"))
    organisation = Organisation(
        OrganisationId("org"), (("fi", "O"),), "association", "local", (network.id,)
    )
    return Catalogue("Europe/Helsinki", (network,), (organisation,), (), activities)


def starts(rule_: ScheduleRule, first: date, last: date) -> list[datetime]:
    return [start for start, _ in expand_rule(rule_, first, last)]


def d(text: str) -> date:
    return date.fromisoformat(text)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text)


def aware(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


def utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def offset_hours(instant: datetime) -> float:
    offset = instant.utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def change(original: str, **fields: Any) -> OccurrenceChange:
    for key in ("new_start", "new_end"):
        if isinstance(fields.get(key), str):
            fields[key] = local(fields[key])
    return OccurrenceChange(ActivityId("club"), local(original), **fields)


def keyed(*changes: OccurrenceChange) -> dict[tuple[ActivityId, datetime], OccurrenceChange]:
    return {(c.activity, c.original_start): c for c in changes}


# --- daylight saving time -------------------------------------------------------------------


def test_a_weekly_club_stays_at_17_local_across_both_changes() -> None:
    club = activity("club", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T17:00", "18:30"))
    found = activity_occurrences(club, HELSINKI, d("2026-10-01"), d("2027-04-30"), {})
    tuesdays = [day for day in days(d("2026-10-01"), d("2027-04-30")) if day.weekday() == 1]
    assert [o.start.date() for o in found] == tuesdays
    assert {(o.start.time(), o.end.time()) for o in found} == {(time(17), time(18, 30))}
    by_day = {o.start.date(): o for o in found}
    assert offset_hours(by_day[d("2026-10-20")].start) == 3
    assert offset_hours(by_day[d("2026-10-27")].start) == 2
    assert offset_hours(by_day[d("2027-03-23")].start) == 2
    assert offset_hours(by_day[d("2027-03-30")].start) == 3
    gaps = Counter(utc(b.start) - utc(a.start) for a, b in itertools.pairwise(found))
    assert gaps == {
        timedelta(days=7): len(found) - 3,
        timedelta(days=7, hours=1): 1,  # across the autumn change
        timedelta(days=7, hours=-1): 1,  # across the spring change
    }
    assert all(utc(o.end) - utc(o.start) == timedelta(hours=1, minutes=30) for o in found)


def test_a_session_in_the_skipped_hour_moves_forward_and_keeps_its_length() -> None:
    night = activity("night", rule("FREQ=WEEKLY;BYDAY=SU", "2027-03-14T03:30", "04:30"))
    found = {
        o.original_start.date(): o
        for o in activity_occurrences(night, HELSINKI, d("2027-03-20"), d("2027-04-05"), {})
    }
    before, change_day, after = (
        found[d("2027-03-21")],
        found[d("2027-03-28")],
        found[d("2027-04-04")],
    )
    assert (before.start.hour, before.start.minute, offset_hours(before.start)) == (3, 30, 2)
    assert (change_day.start.hour, change_day.start.minute) == (4, 30)
    assert offset_hours(change_day.start) == 3
    assert utc(change_day.end) - utc(change_day.start) == timedelta(hours=1)
    assert change_day.original_start == local("2027-03-28T03:30")  # the key a change uses
    assert (after.start.hour, after.start.minute, offset_hours(after.start)) == (3, 30, 3)


def test_a_session_in_the_repeated_hour_takes_the_first_instance() -> None:
    night = activity("night", rule("FREQ=WEEKLY;BYDAY=SU", "2026-10-18T03:30", "04:30"))
    [change_day] = activity_occurrences(night, HELSINKI, d("2026-10-25"), d("2026-10-25"), {})
    assert (change_day.start.hour, change_day.start.minute) == (3, 30)
    assert offset_hours(change_day.start) == 3  # the first 03:30 (summer time)
    # The end is a wall-clock time: 04:30 comes once, in winter time, two hours later.
    assert offset_hours(change_day.end) == 2
    assert utc(change_day.end) - utc(change_day.start) == timedelta(hours=2)


def test_a_change_keyed_by_a_skipped_wall_time_still_finds_its_session() -> None:
    night = activity("night", rule("FREQ=WEEKLY;BYDAY=SU", "2027-03-14T03:30", "04:30"))
    cancel = OccurrenceChange(ActivityId("night"), local("2027-03-28T03:30"), cancelled=True)
    [found] = activity_occurrences(night, HELSINKI, d("2027-03-28"), d("2027-03-28"), keyed(cancel))
    assert found.cancelled


def test_the_index_reads_a_dst_week_by_instants() -> None:
    club = activity("club", rule("FREQ=WEEKLY;BYDAY=SU", "2026-10-04T03:30", "05:00"))
    index = OccurrenceIndex(catalogue(club))
    # Exactly one instant is the first 03:30 on 2026-10-25; an hour later is the second one.
    first = aware("2026-10-25T03:30")
    found = index.between(first, first + timedelta(minutes=1))
    assert [o.original_start for o in found] == [local("2026-10-25T03:30")]
    second = utc(first) + timedelta(hours=1)
    assert index.between(second, second + timedelta(minutes=1)) == []


# --- schedule rules -------------------------------------------------------------------------


def test_until_is_an_inclusive_local_date() -> None:
    weekly = rule("FREQ=WEEKLY;BYDAY=TU", "2026-08-18T17:00", until="2026-12-15")
    assert starts(weekly, d("2026-12-01"), d("2027-01-31")) == [
        local("2026-12-01T17:00"),
        local("2026-12-08T17:00"),
        local("2026-12-15T17:00"),
    ]


def test_a_date_only_rrule_until_includes_its_day_and_the_earlier_bound_wins() -> None:
    in_rrule = rule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261215", "2026-08-18T17:00")
    assert starts(in_rrule, d("2026-12-10"), d("2026-12-31")) == [local("2026-12-15T17:00")]
    both = rule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261215", "2026-08-18T17:00", until="2026-12-08")
    assert starts(both, d("2026-12-01"), d("2026-12-31"))[-1] == local("2026-12-08T17:00")
    timed = rule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261215T120000", "2026-08-18T17:00")
    assert starts(timed, d("2026-12-01"), d("2026-12-31"))[-1] == local("2026-12-08T17:00")
    assert compile_rule(in_rrule).last_date == d("2026-12-15")


def test_except_dates_are_left_out() -> None:
    weekly = rule("FREQ=WEEKLY;BYDAY=TU,TH", "2026-12-01T17:00", exceptions=("2026-12-08",))
    assert [s.date() for s in starts(weekly, d("2026-12-07"), d("2026-12-13"))] == [d("2026-12-10")]


def test_count_counts_from_the_first_occurrence_not_the_window() -> None:
    course = rule("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", "2026-09-07T10:00")
    assert compile_rule(course).strategy == "finite"
    assert [s.date() for s in starts(course, d("2026-09-15"), d("2026-12-31"))] == [
        d("2026-09-16"),
        d("2026-09-21"),
    ]
    assert compile_rule(course).last_date == d("2026-09-21")


def test_interval_keeps_the_phase_of_the_first_week() -> None:
    biweekly = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "2026-08-22T12:00")
    found = [s.date() for s in starts(biweekly, d("2026-10-01"), d("2026-10-31"))]
    assert found == [d("2026-10-03"), d("2026-10-17"), d("2026-10-31")]
    assert all((day - d("2026-08-22")).days % 14 == 0 for day in found)


def nth_weekdays(year: int, month: int, weekday: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [day for day in days(first, following - timedelta(days=1)) if day.weekday() == weekday]


def test_monthly_ordinal_weekdays() -> None:
    second_tuesday = rule("FREQ=MONTHLY;BYDAY=2TU", "2026-09-08T18:00")
    last_friday = rule("FREQ=MONTHLY;BYDAY=-1FR", "2026-09-25T18:00")
    months = [(2026, m) for m in range(9, 13)] + [(2027, m) for m in range(1, 7)]
    assert [s.date() for s in starts(second_tuesday, d("2026-09-01"), d("2027-06-30"))] == [
        nth_weekdays(y, m, 1)[1] for y, m in months
    ]
    assert [s.date() for s in starts(last_friday, d("2026-09-01"), d("2027-06-30"))] == [
        nth_weekdays(y, m, 4)[-1] for y, m in months
    ]
    assert compile_rule(second_tuesday).strategy == "rebased"


def test_a_start_the_rule_does_not_match_is_not_an_occurrence() -> None:
    # DTSTART on a Monday with BYDAY=TU: like dateutil, the first occurrence is the Tuesday.
    mismatch = rule("FREQ=WEEKLY;BYDAY=TU", "2026-08-17T17:00")
    assert starts(mismatch, d("2026-08-17"), d("2026-08-25")) == [
        local("2026-08-18T17:00"),
        local("2026-08-25T17:00"),
    ]


def test_nothing_before_the_first_occurrence() -> None:
    weekly = rule("FREQ=WEEKLY;BYDAY=TU", "2026-08-18T17:00")
    assert starts(weekly, d("2026-01-01"), d("2026-08-17")) == []


def test_duration_and_an_end_past_midnight() -> None:
    late = rule("FREQ=WEEKLY;BYDAY=FR", "2026-09-04T22:00", "01:00")
    long = rule("FREQ=WEEKLY;BYDAY=FR", "2026-09-04T10:00", duration=timedelta(minutes=135))
    assert list(expand_rule(late, d("2026-09-04"), d("2026-09-04"))) == [
        (local("2026-09-04T22:00"), local("2026-09-05T01:00"))
    ]
    assert list(expand_rule(long, d("2026-09-04"), d("2026-09-04"))) == [
        (local("2026-09-04T10:00"), local("2026-09-04T12:15"))
    ]


def test_one_off_dates_join_the_schedule_in_time_order() -> None:
    fair = activity(
        "fair",
        rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T17:00"),
        dates=(
            OneOffDate(local("2026-09-12T10:00"), local("2026-09-12T14:00")),
            OneOffDate(local("2026-11-01T10:00"), local("2026-11-01T14:00")),
        ),
    )
    found = activity_occurrences(fair, HELSINKI, d("2026-09-07"), d("2026-09-20"), {})
    assert [o.start for o in found] == [
        aware("2026-09-08T17:00"),
        aware("2026-09-12T10:00"),
        aware("2026-09-15T17:00"),
    ]
    assert found[1].end == aware("2026-09-12T14:00")


def test_identical_sessions_from_two_sources_are_listed_once() -> None:
    twice = activity(
        "twice",
        rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T17:00"),
        dates=(OneOffDate(local("2026-09-08T17:00"), local("2026-09-08T18:30")),),
    )
    assert len(activity_occurrences(twice, HELSINKI, d("2026-09-08"), d("2026-09-08"), {})) == 1


def test_an_ongoing_activity_has_no_occurrences() -> None:
    friend = activity("friend")
    assert activity_occurrences(friend, HELSINKI, d("2026-01-01"), d("2027-12-31"), {}) == []
    assert OccurrenceIndex(catalogue(friend)).next_for(friend.id, aware("2026-01-01T00:00")) is None


# --- the arithmetic and rebased paths equal dateutil -----------------------------------------


def dateutil_starts(rule_: ScheduleRule, first: date, last: date) -> list[datetime]:
    """The reference: dateutil from DTSTART, with until/except applied by hand."""
    found = []
    for start in rrulestr(rule_.rrule, dtstart=rule_.start):
        if start.date() > last or (rule_.until and start.date() > rule_.until):
            break
        if start.date() >= first and start.date() not in rule_.exceptions:
            found.append(start)
    return found


dtstarts = st.builds(
    datetime.combine,
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
)
weekday_sets = st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True)


@st.composite
def simple_rules(draw: st.DrawFn) -> ScheduleRule:
    start = draw(dtstarts)
    parts = [f"FREQ={draw(st.sampled_from(['WEEKLY', 'DAILY']))}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if draw(st.booleans()):
        parts.append(f"BYDAY={','.join(draw(weekday_sets))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(CODES))}")
    if draw(st.booleans()):
        end = start + timedelta(days=draw(st.integers(0, 500)), hours=draw(st.integers(-3, 3)))
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%S}")
    until = (
        start.date() + timedelta(days=draw(st.integers(0, 600))) if draw(st.booleans()) else None
    )
    exceptions = tuple(
        start.date() + timedelta(days=n)
        for n in draw(st.lists(st.integers(0, 400), max_size=6, unique=True))
    )
    return ScheduleRule(
        ";".join(parts),
        start,
        end=None,
        duration=timedelta(hours=1),
        until=until,
        exceptions=exceptions,
    )


@st.composite
def windows(draw: st.DrawFn, around: date) -> tuple[date, date]:
    first = around + timedelta(days=draw(st.integers(-40, 500)))
    return first, first + timedelta(days=draw(st.integers(0, 70)))


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_the_arithmetic_path_equals_dateutil(data: st.DataObject) -> None:
    rule_ = data.draw(simple_rules())
    first, last = data.draw(windows(rule_.start.date()))
    compiled = compile_rule(rule_)
    assert compiled.strategy in ("weekly", "daily")
    assert starts(rule_, first, last) == dateutil_starts(rule_, first, last)


@st.composite
def complex_rules(draw: st.DrawFn) -> ScheduleRule:
    start = draw(dtstarts)
    freq = draw(st.sampled_from(["MONTHLY", "YEARLY", "WEEKLY", "DAILY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    ordinals = st.sampled_from(["1", "2", "3", "4", "-1", "-2", ""])
    if freq == "MONTHLY":
        shape = draw(st.sampled_from(["ordinal", "monthday", "setpos", "default"]))
        if shape == "ordinal":
            codes = draw(weekday_sets)
            parts.append("BYDAY=" + ",".join(draw(ordinals) + c for c in codes))
        elif shape == "monthday":
            picks = st.sampled_from([1, 5, 15, 28, 29, 30, 31, -1, -3])
            days_ = draw(st.lists(picks, min_size=1, max_size=3, unique=True))
            parts.append("BYMONTHDAY=" + ",".join(map(str, days_)))
        elif shape == "setpos":
            parts += ["BYDAY=MO,TU,WE,TH,FR", f"BYSETPOS={draw(st.sampled_from([1, -1, 2]))}"]
    elif freq == "YEARLY":
        if draw(st.booleans()):
            parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
            parts.append(f"BYDAY={draw(ordinals)}{draw(st.sampled_from(CODES))}")
    elif freq == "WEEKLY":
        parts.append(f"BYDAY={','.join(draw(weekday_sets))}")
        parts.append(f"BYHOUR={draw(st.integers(6, 20))},{draw(st.integers(21, 23))}")
    else:
        parts.append(f"BYMONTH={draw(st.integers(1, 12))},{draw(st.integers(1, 12))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(CODES))}")
    return ScheduleRule(";".join(parts), start, duration=timedelta(hours=1))


@given(st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_rebased_path_equals_dateutil(data: st.DataObject) -> None:
    rule_ = data.draw(complex_rules())
    first = rule_.start.date() + timedelta(days=data.draw(st.integers(-40, 1200)))
    last = first + timedelta(days=data.draw(st.integers(0, 120)))
    compiled = compile_rule(rule_)
    assert compiled.strategy in ("rebased", "empty")
    assert starts(rule_, first, last) == dateutil_starts(rule_, first, last)


def test_sub_daily_rules_and_rule_sets_fall_back_to_dateutil() -> None:
    hourly = rule("FREQ=HOURLY;INTERVAL=5;UNTIL=20261012T000000", "2026-10-01T08:00", "09:00")
    with_exdate = rule("RRULE:FREQ=WEEKLY;BYDAY=TU\nEXDATE:20261013T170000", "2026-10-06T17:00")
    assert compile_rule(hourly).strategy == "scan"
    assert compile_rule(with_exdate).strategy == "scan"
    window = (d("2026-10-05"), d("2026-10-11"))
    assert starts(hourly, *window) == dateutil_starts(hourly, *window)
    assert len(starts(hourly, *window)) == 7 * 24 // 5 + 1
    assert [s.date() for s in starts(with_exdate, d("2026-10-01"), d("2026-10-31"))] == [
        d("2026-10-06"),
        d("2026-10-20"),
        d("2026-10-27"),
    ]


def test_a_rule_that_never_occurs_is_empty_not_endless() -> None:
    never = rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-01-01T10:00")
    assert starts(never, d("2026-01-01"), d("2030-12-31")) == []
    assert compile_rule(never).last_date == d("2026-01-01")
    assert compile_rule(never).strategy == "empty"
    stuck = rule("FREQ=WEEKLY;INTERVAL=0;BYDAY=TU", "2026-01-06T10:00")
    assert starts(stuck, d("2026-01-01"), d("2026-12-31")) == []


# --- changes --------------------------------------------------------------------------------

CLUB = activity("club", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T17:00", "18:30"))


def week(
    first: str, changes: dict[tuple[ActivityId, datetime], OccurrenceChange]
) -> list[Occurrence]:
    start = d(first)
    return activity_occurrences(CLUB, HELSINKI, start, start + timedelta(days=6), changes)


def test_a_cancelled_session_stays_listed_and_flagged() -> None:
    cancel = change("2026-10-06T17:00", cancelled=True, reason="illness")
    [found] = week("2026-10-05", keyed(cancel))
    assert found.cancelled
    assert found.reason == "illness"
    assert not found.moved
    assert found.start == aware("2026-10-06T17:00")


def test_a_session_moved_within_the_week() -> None:
    move = change("2026-10-13T17:00", new_start="2026-10-15T18:00", new_place=PlaceId("library"))
    [found] = week("2026-10-12", keyed(move))
    assert (found.start, found.end) == (aware("2026-10-15T18:00"), aware("2026-10-15T19:30"))
    assert found.place == "library"
    assert found.moved
    assert not found.cancelled
    assert found.original_start == local("2026-10-13T17:00")


def test_a_session_moved_out_leaves_its_week_and_appears_in_the_next() -> None:
    move = change("2026-10-20T17:00", new_start="2026-10-28T17:00", new_end="2026-10-28T19:00")
    assert week("2026-10-19", keyed(move)) == []
    following = week("2026-10-26", keyed(move))
    assert [(o.start, o.moved) for o in following] == [
        (aware("2026-10-27T17:00"), False),
        (aware("2026-10-28T17:00"), True),
    ]
    assert following[1].end == aware("2026-10-28T19:00")


def test_a_session_moved_in_from_far_away_is_found() -> None:
    move = change("2026-12-01T17:00", new_start="2026-10-22T16:00")
    found = week("2026-10-19", keyed(move))
    assert [o.start for o in found] == [aware("2026-10-20T17:00"), aware("2026-10-22T16:00")]
    assert all(
        o.original_start != local("2026-12-01T17:00") for o in week("2026-11-30", keyed(move))
    )


def test_a_change_for_a_session_that_does_not_exist_is_ignored() -> None:
    orphan = change("2026-10-13T16:00", cancelled=True)
    stray = change("2026-12-02T17:00", new_start="2026-10-14T17:00")  # a Wednesday
    [found] = week("2026-10-12", keyed(orphan, stray))
    assert not found.cancelled
    assert not found.moved


def test_a_place_or_end_change_alone_counts_as_moved() -> None:
    elsewhere = change("2026-10-13T17:00", new_place=PlaceId("library"))
    longer = change("2026-10-20T17:00", new_end="2026-10-20T20:00")
    [moved_place] = week("2026-10-12", keyed(elsewhere))
    [moved_end] = week("2026-10-19", keyed(longer))
    assert moved_place.moved
    assert moved_place.start == aware("2026-10-13T17:00")
    assert moved_end.moved
    assert moved_end.end == aware("2026-10-20T20:00")


def test_aware_change_times_are_read_in_the_catalogue_zone() -> None:
    move = OccurrenceChange(
        ActivityId("club"),
        datetime(2026, 10, 13, 14, 0, tzinfo=UTC),  # 17:00 in Helsinki
        new_start=datetime(2026, 10, 14, 15, 0, tzinfo=UTC),
    )
    [found] = week("2026-10-12", keyed(move))
    assert found.start == aware("2026-10-14T18:00")
    assert found.moved


# --- the index ----------------------------------------------------------------------------


def test_between_is_half_open_sorted_and_filters() -> None:
    other = activity("other", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T16:00", "17:00"))
    cancel = change("2026-10-20T17:00", cancelled=True)
    index = OccurrenceIndex(catalogue(CLUB, other), [cancel])
    start, end = aware("2026-10-06T16:00"), aware("2026-10-13T17:00")
    assert [(o.activity, o.start) for o in index.between(start, end)] == [
        ("other", aware("2026-10-06T16:00")),
        ("club", aware("2026-10-06T17:00")),
        ("other", aware("2026-10-13T16:00")),
    ]
    later = end + timedelta(days=8)
    club_only = index.between(start, later, [ActivityId("club")])
    assert [o.start for o in club_only] == [aware("2026-10-06T17:00"), aware("2026-10-13T17:00")]
    with_cancelled = index.between(start, later, [ActivityId("club")], include_cancelled=True)
    assert [o.cancelled for o in with_cancelled] == [False, False, True]
    assert index.between(end, start) == []


def test_naive_bounds_are_local_times() -> None:
    index = OccurrenceIndex(catalogue(CLUB))
    assert index.between(local("2026-10-06T00:00"), local("2026-10-07T00:00")) == index.between(
        aware("2026-10-06T00:00"), aware("2026-10-07T00:00")
    )


def test_next_for_skips_cancelled_sessions_unless_asked() -> None:
    cancel = change("2026-10-13T17:00", cancelled=True)
    index = OccurrenceIndex(catalogue(CLUB), [cancel])
    after = aware("2026-10-06T17:00:01")
    nxt = index.next_for(ActivityId("club"), after)
    assert nxt is not None
    assert nxt.start == aware("2026-10-20T17:00")
    same = index.next_for(ActivityId("club"), after, include_cancelled=True)
    assert same is not None
    assert same.cancelled
    assert same.start == aware("2026-10-13T17:00")
    at_start = index.next_for(ActivityId("club"), aware("2026-10-06T17:00"))
    assert at_start is not None
    assert at_start.start == aware("2026-10-06T17:00")
    assert index.next_for(ActivityId("nobody"), after) is None


def test_next_for_ends_with_the_rule() -> None:
    ended = activity("ended", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T17:00", until="2026-09-15"))
    index = OccurrenceIndex(catalogue(ended))
    last = index.next_for(ActivityId("ended"), aware("2026-09-09T00:00"))
    assert last is not None
    assert last.start == aware("2026-09-15T17:00")
    assert index.next_for(ActivityId("ended"), aware("2026-09-16T00:00")) is None


def test_first_each_keeps_the_first_not_over() -> None:
    index = OccurrenceIndex(catalogue(CLUB))
    now = aware("2026-10-06T18:00")  # the club is running
    running = index.first_each(aware("2026-10-05T00:00"), aware("2026-10-19T00:00"))
    assert running[ActivityId("club")].start == aware("2026-10-06T17:00")
    upcoming = index.first_each(
        aware("2026-10-05T00:00"), aware("2026-10-19T00:00"), ends_after=now + timedelta(hours=1)
    )
    assert upcoming[ActivityId("club")].start == aware("2026-10-13T17:00")


def test_the_bucket_cache_is_bounded() -> None:
    index = OccurrenceIndex(catalogue(CLUB), max_buckets=2)
    index.between(aware("2026-09-01T00:00"), aware("2026-12-01T00:00"))
    assert index.cached_months() == ((2026, 10), (2026, 11))
    index.between(aware("2026-10-01T00:00"), aware("2026-10-02T00:00"))
    assert index.cached_months() == ((2026, 11), (2026, 10))


def test_a_walk_that_stops_early_builds_no_later_month() -> None:
    index = OccurrenceIndex(catalogue(CLUB))
    seen: list[Occurrence] = []

    def first_only(occurrence: Occurrence) -> bool:
        seen.append(occurrence)
        return False

    index.scan(aware("2026-10-01T00:00"), aware("2027-01-01T00:00"), None, first_only)
    assert [o.start for o in seen] == [aware("2026-10-06T17:00")]
    assert index.cached_months() == ((2026, 10),)
    index.scan(aware("2026-10-01T00:00"), aware("2027-01-01T00:00"), None, lambda _: True)
    assert index.cached_months() == ((2026, 10), (2026, 11), (2026, 12))


def test_one_activity_is_refreshed_without_rebuilding_the_month(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = activity("other", rule("FREQ=WEEKLY;BYDAY=WE", "2026-09-02T10:00", "11:00"))
    index = OccurrenceIndex(catalogue(CLUB, other))
    index.warm(d("2026-10-01"), d("2026-10-31"))

    def no_rebuild(*_: object) -> None:
        raise AssertionError("a cached month was rebuilt")

    monkeypatch.setattr(index_module, "_build_month", no_rebuild)
    window = (aware("2026-10-05T00:00"), aware("2026-10-12T00:00"))
    before = index.between(*window)
    later = activity("club", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T18:00", "19:00"))
    index.update_activity(later)
    after = index.between(*window)
    assert [o for o in after if o.activity == "other"] == [
        o for o in before if o.activity == "other"
    ]
    assert [o.start for o in after if o.activity == "club"] == [aware("2026-10-06T18:00")]

    index.apply_change(
        OccurrenceChange(ActivityId("club"), local("2026-10-06T18:00"), cancelled=True)
    )
    assert [o.activity for o in index.between(*window)] == ["other"]
    assert index.withdraw_change(ActivityId("club"), local("2026-10-06T18:00"))
    assert not index.withdraw_change(ActivityId("club"), local("2026-10-06T18:00"))
    assert [o.activity for o in index.between(*window)] == ["club", "other"]

    index.remove_activity(ActivityId("other"))
    assert [o.activity for o in index.between(*window)] == ["club"]


def test_a_month_built_while_a_change_arrives_is_built_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = OccurrenceIndex(catalogue(CLUB))
    build = index_module._build_month
    calls: list[int] = []

    def racing(*args: Any) -> Any:
        bucket = build(*args)
        if not calls:  # another thread cancels a session while this month is being built
            index.apply_change(change("2026-10-06T17:00", cancelled=True))
        calls.append(1)
        return bucket

    monkeypatch.setattr(index_module, "_build_month", racing)
    found = index.between(aware("2026-10-05T00:00"), aware("2026-10-12T00:00"))
    assert found == []  # the stale build (without the cancellation) was not kept
    assert len(calls) == 2


def test_reload_touches_only_what_changed() -> None:
    other = activity("other", rule("FREQ=WEEKLY;BYDAY=WE", "2026-09-02T10:00", "11:00"))
    index = OccurrenceIndex(catalogue(CLUB, other))
    window = (aware("2026-10-05T00:00"), aware("2026-10-12T00:00"))
    index.between(*window)
    retimed = activity("club", rule("FREQ=WEEKLY;BYDAY=TU", "2026-09-01T19:00", "20:00"))
    new = activity("new", dates=(OneOffDate(local("2026-10-09T12:00"), local("2026-10-09T13:00")),))
    assert index.reload(catalogue(retimed, other, new)) == {"club", "new"}
    assert [(o.activity, o.start.hour) for o in index.between(*window)] == [
        ("club", 19),  # Tuesday
        ("other", 10),  # Wednesday
        ("new", 12),  # Friday
    ]
    cancel = OccurrenceChange(ActivityId("other"), local("2026-10-07T10:00"), cancelled=True)
    assert index.reload(catalogue(retimed, other, new), [cancel]) == {"other"}
    assert [o.activity for o in index.between(*window)] == ["club", "new"]
    assert index.reload(catalogue(retimed, new), [cancel]) == {"other"}


# --- the index equals brute force on a generated catalogue -----------------------------------


def random_changes(model: Catalogue, seed: int) -> list[OccurrenceChange]:
    """Cancel, move (near and far, in and out of months) and re-place real sessions."""
    rng = random.Random(seed)
    changes = []
    for act in rng.sample(model.activities, k=len(model.activities) // 3):
        found = activity_occurrences(act, HELSINKI, d("2026-08-17"), d("2027-02-28"), {})
        for occurrence in rng.sample(found, k=min(len(found), 3)):
            roll = rng.random()
            original = occurrence.original_start
            if roll < 0.4:
                changes.append(OccurrenceChange(act.id, original, cancelled=True, reason="x"))
            elif roll < 0.9:
                shift = timedelta(days=rng.randint(-45, 45), hours=rng.randint(-3, 3))
                changes.append(OccurrenceChange(act.id, original, new_start=original + shift))
            else:
                changes.append(OccurrenceChange(act.id, original, new_place=PlaceId("elsewhere")))
    return changes


@pytest.fixture(scope="module")
def generated() -> tuple[Catalogue, list[OccurrenceChange], OccurrenceIndex]:
    model = generate_catalogue_model(250, seed=11)
    changes = random_changes(model, seed=5)
    return model, changes, OccurrenceIndex(model, changes, max_buckets=3)


def brute_force(
    model: Catalogue, changes: list[OccurrenceChange], start: datetime, end: datetime
) -> list[Occurrence]:
    mapping = keyed(*changes)
    first = start.astimezone(HELSINKI).date() - timedelta(days=1)
    last = end.astimezone(HELSINKI).date() + timedelta(days=1)
    return [
        o
        for act in model.activities
        for o in activity_occurrences(act, HELSINKI, first, last, mapping)
        if start <= o.start < end
    ]


instants = st.datetimes(
    min_value=datetime(2026, 8, 1), max_value=datetime(2027, 4, 30), timezones=st.just(UTC)
)


@given(instants, st.integers(0, 24 * 50), st.integers(0, 2))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_index_equals_brute_force(
    generated: tuple[Catalogue, list[OccurrenceChange], OccurrenceIndex],
    start: datetime,
    hours: int,
    subset: int,
) -> None:
    model, changes, index = generated
    end = start + timedelta(hours=hours)
    ids = [None, {a.id for a in model.activities[::2]}, {a.id for a in model.activities[:7]}][
        subset
    ]
    expected = [
        o for o in brute_force(model, changes, start, end) if ids is None or o.activity in ids
    ]
    found = index.between(start, end, ids, include_cancelled=True)
    assert Counter(found) == Counter(expected)
    assert [utc(o.start) for o in found] == sorted(utc(o.start) for o in found)
    assert index.between(start, end, ids) == [o for o in found if not o.cancelled]
    now = start + timedelta(hours=hours // 3)
    firsts: dict[ActivityId, Occurrence] = {}
    for o in sorted(expected, key=lambda o: utc(o.start)):
        if not o.cancelled and o.end > now:
            firsts.setdefault(o.activity, o)
    found_firsts = index.first_each(start, end, ids, ends_after=now)
    assert {k: v.start for k, v in found_firsts.items()} == {k: v.start for k, v in firsts.items()}


@given(instants, st.integers(0, 24 * 50), st.integers(0, 243))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_month_built_for_a_few_activities_answers_as_the_whole_month(
    generated: tuple[Catalogue, list[OccurrenceChange], OccurrenceIndex],
    start: datetime,
    hours: int,
    offset: int,
) -> None:
    """A far month asked about for a few activities of a large catalogue is built for them."""
    model, changes, whole = generated
    partial = OccurrenceIndex(model, changes, transient_from=0)
    end = start + timedelta(hours=hours)
    few = {a.id for a in model.activities[offset : offset + 7]}
    assert partial.between(start, end, few, include_cancelled=True) == whole.between(
        start, end, few, include_cancelled=True
    )
    now = start + timedelta(hours=hours // 3)
    assert partial.first_each(start, end, few, ends_after=now) == whole.first_each(
        start, end, few, ends_after=now
    )
    walked: list[Occurrence] = []

    def walk(occurrence: Occurrence) -> bool:
        walked.append(occurrence)
        return True

    partial.scan(start, end, few, walk)
    assert walked == whole.between(start, end, few, include_cancelled=True)
    assert partial.cached_months() == ()  # nothing kept for a few activities


def test_the_months_kept_are_built_whole_even_for_a_few_activities() -> None:
    model = generate_catalogue_model(60, seed=4)
    index = OccurrenceIndex(model, transient_from=0)
    index.keep(d("2026-10-01"), d("2026-10-31"))
    few = {model.activities[0].id}
    index.between(aware("2026-10-05T00:00"), aware("2026-10-12T00:00"), few)
    index.between(aware("2027-03-01T00:00"), aware("2027-03-08T00:00"), few)
    assert index.cached_months() == ((2026, 10),)


@given(instants, st.integers(0, 249))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_next_for_equals_brute_force(
    generated: tuple[Catalogue, list[OccurrenceChange], OccurrenceIndex],
    after: datetime,
    position: int,
) -> None:
    model, changes, index = generated
    act = model.activities[position]
    upcoming = [
        o
        for o in activity_occurrences(
            act,
            HELSINKI,
            after.astimezone(HELSINKI).date() - timedelta(days=1),
            after.astimezone(HELSINKI).date() + timedelta(days=400),
            keyed(*changes),
        )
        if o.start >= after and not o.cancelled
    ]
    expected = min(upcoming, key=lambda o: utc(o.start), default=None)
    found = index.next_for(act.id, after)
    assert (found and (found.start, found.activity)) == (expected and (expected.start, act.id))


def test_an_index_patched_one_activity_at_a_time_equals_one_built_afresh(
    generated: tuple[Catalogue, list[OccurrenceChange], OccurrenceIndex],
) -> None:
    """Runs of other activities shift when one activity gains or loses sessions in a month."""
    model, changes, _ = generated
    patched = OccurrenceIndex(model, changes, max_buckets=12)
    patched.warm(d("2026-10-01"), d("2026-12-31"))
    rng = random.Random(3)
    donors = generate_catalogue_model(40, seed=12).activities
    activities = {a.id: a for a in model.activities}
    for act in rng.sample(model.activities, k=30):  # other schedules: more or fewer sessions
        donor = rng.choice(donors)
        activities[act.id] = replace(act, schedule=donor.schedule, dates=donor.dates)
        patched.update_activity(activities[act.id])
    for act in rng.sample(model.activities, k=10):
        activities.pop(act.id, None)
        patched.remove_activity(act.id)
    for number, donor in enumerate(donors[:5]):  # new ones, known to no month built before
        added = replace(donor, id=ActivityId(f"added-{number}"))
        activities[added.id] = added
        patched.update_activity(added)
    fresh = OccurrenceIndex(replace(model, activities=tuple(activities.values())), changes)

    window = (aware("2026-10-01T00:00"), aware("2027-01-01T00:00"))
    assert patched.between(*window, include_cancelled=True) == fresh.between(
        *window, include_cancelled=True
    )
    few = {ActivityId("added-1"), *rng.sample(sorted(activities), k=6)}
    assert patched.between(*window, few) == fresh.between(*window, few)
    assert patched.first_each(*window, few) == fresh.first_each(*window, few)
    for activity_id in few:
        assert patched.next_for(activity_id, window[0]) == fresh.next_for(activity_id, window[0])


def test_the_generated_catalogue_is_a_valid_tarjotin_document() -> None:
    raw = generate_catalogue(300, seed=2)
    assert json.loads(json.dumps(raw)) == raw  # plain data; dates and times are strings
    assert parse_document(Document(raw)) == generate_catalogue_model(300, seed=2)
    assert generate_catalogue_model(300, seed=2) != generate_catalogue_model(300, seed=3)
