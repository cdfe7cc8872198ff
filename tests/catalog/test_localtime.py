from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.localtime import day_start, is_repeated, is_skipped, local_date, to_aware, to_local

HELSINKI = ZoneInfo("Europe/Helsinki")
SPRING = date(2027, 3, 28)  # 03:00 EET -> 04:00 EEST
AUTUMN = date(2026, 10, 25)  # 04:00 EEST -> 03:00 EET
ZONES = [
    "Europe/Helsinki",
    "America/New_York",
    "Australia/Lord_Howe",  # a half-hour change
    "America/Santiago",  # changes at midnight
    "Asia/Kolkata",  # no DST at all
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def offset_hours(instant: datetime) -> float:
    offset = instant.utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def test_a_wall_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    aware = to_aware(at(SPRING, 3, 30), HELSINKI)
    assert (aware.hour, aware.minute) == (4, 30)
    assert offset_hours(aware) == 3
    assert aware.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert aware.tzinfo is HELSINKI


def test_the_edges_of_the_spring_gap() -> None:
    assert offset_hours(to_aware(at(SPRING, 2, 59), HELSINKI)) == 2
    assert to_aware(at(SPRING, 3, 0), HELSINKI).astimezone(UTC) == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )
    after = to_aware(at(SPRING, 4, 0), HELSINKI)
    assert (after.hour, offset_hours(after)) == (4, 3)
    assert [
        is_skipped(at(SPRING, h, m), HELSINKI) for h, m in [(2, 59), (3, 0), (3, 59), (4, 0)]
    ] == [
        False,
        True,
        True,
        False,
    ]


def test_a_wall_time_in_the_repeated_autumn_hour_is_its_first_instance() -> None:
    aware = to_aware(at(AUTUMN, 3, 30), HELSINKI)
    assert (aware.hour, aware.minute) == (3, 30)
    assert offset_hours(aware) == 3  # still summer time (EEST)
    assert aware.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert aware.fold == 0


def test_the_edges_of_the_repeated_hour() -> None:
    assert [
        is_repeated(at(AUTUMN, h, m), HELSINKI) for h, m in [(2, 59), (3, 0), (3, 59), (4, 0)]
    ] == [
        False,
        True,
        True,
        False,
    ]
    assert offset_hours(to_aware(at(AUTUMN, 4, 0), HELSINKI)) == 2
    assert not is_repeated(at(SPRING, 3, 30), HELSINKI)  # skipped is not repeated


def test_a_second_instance_fold_is_read_as_the_first() -> None:
    second = at(AUTUMN, 3, 30).replace(fold=1)
    assert to_aware(second, HELSINKI) == to_aware(at(AUTUMN, 3, 30), HELSINKI)
    assert offset_hours(to_aware(second, HELSINKI)) == 3


def test_ordinary_days_keep_their_offset_on_both_sides_of_the_year() -> None:
    assert offset_hours(to_aware(datetime(2027, 1, 12, 17), HELSINKI)) == 2
    assert offset_hours(to_aware(datetime(2027, 7, 13, 17), HELSINKI)) == 3


def test_wrong_kinds_of_datetime_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_aware(datetime(2027, 1, 1, tzinfo=UTC), HELSINKI)
    with pytest.raises(ValueError, match="aware"):
        to_local(datetime(2027, 1, 1), HELSINKI)


def test_a_day_whose_midnight_is_skipped_starts_at_the_first_wall_time() -> None:
    santiago = ZoneInfo("America/Santiago")
    # Chile moves clocks from 24:00 to 01:00 on the first Sunday of September.
    changes = [
        d
        for d in (date(2026, 9, 1) + timedelta(days=n) for n in range(14))
        if is_skipped(datetime(d.year, d.month, d.day), santiago)
    ]
    assert len(changes) == 1
    start = day_start(changes[0], santiago)
    assert (start.hour, start.minute) == (1, 0)
    assert local_date(start, santiago) == changes[0]


naive_times = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31))


@given(naive_times, st.sampled_from(ZONES))
def test_existing_wall_times_round_trip(local: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    if is_skipped(local, zone):
        shifted = to_local(to_aware(local, zone), zone)
        assert timedelta(0) < shifted - local <= timedelta(hours=1)
    else:
        assert to_local(to_aware(local, zone), zone) == local


@given(naive_times, naive_times, st.sampled_from(ZONES))
def test_conversion_never_reverses_order(a: datetime, b: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    early, late = sorted((a, b))
    assert to_aware(early, zone).astimezone(UTC) <= to_aware(late, zone).astimezone(UTC)


@given(naive_times, st.sampled_from(ZONES))
def test_the_first_instance_has_the_larger_offset(local: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    if is_repeated(local, zone):
        first = to_aware(local, zone)
        second = local.replace(tzinfo=zone, fold=1)
        assert first.astimezone(UTC) < second.astimezone(UTC)
        assert to_local(first, zone) == local
