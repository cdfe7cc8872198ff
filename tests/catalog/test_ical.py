"""iCal feeds read back by an independent reader (recurring-ical-events) match the catalogue.

The property: for any activity (weekly and monthly rules, intervals, ``until``, ``except``,
one-off dates, ``holidays: skip``) and any volunteers' cancellations and moves, the sessions a
calendar app expands from the feed over a year that spans both DST changes are exactly the
catalogue's own occurrences, at the same instants, cancelled ones marked cancelled.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bot.bootstrap import demo_catalogue_path
from catalog.ical import FeedRequest, build_calendar, everything, feed_bytes
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    OccurrenceChange,
    OneOffDate,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    ScheduleRule,
)
from catalog.occurrences import activity_occurrences
from catalog.parse import load_catalogue

HELSINKI = ZoneInfo("Europe/Helsinki")
FIRST, LAST = date(2026, 7, 1), date(2027, 6, 30)  # 25 October 2026 and 28 March 2027 inside
STAMP = datetime(2026, 6, 1, tzinfo=UTC)
ORGANISATION = Organisation(
    OrganisationId("org"), (("fi", "Yhdistys"),), "association", "local", ()
)
PLACES = (
    Place(PlaceId("hall"), (("fi", "Sali"),), "Nurmijärvi", "Kirkkotie 1", (60.46, 24.81)),
    Place(PlaceId("room"), (("fi", "Kerho"),), "Nurmijärvi", "Keskustie 2"),
)

Session = tuple[datetime, datetime, bool]


def catalogue_of(activity: Activity) -> Catalogue:
    return Catalogue("Europe/Helsinki", (), (ORGANISATION,), PLACES, (activity,))


def request_for(activities: list[Activity], language: str = "en") -> FeedRequest:
    return FeedRequest("test", language, activities, STAMP, (FIRST, LAST))


def read_back(calendar_bytes: bytes) -> list[Session]:
    """What a calendar app shows: every instance starting on a local date of the year."""
    calendar = Calendar.from_ical(calendar_bytes)
    start = datetime.combine(FIRST, time(), HELSINKI)
    end = datetime.combine(LAST + timedelta(days=1), time(), HELSINKI)
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        began, ended = event["DTSTART"].dt, event["DTEND"].dt
        if FIRST <= began.astimezone(HELSINKI).date() <= LAST:
            cancelled = str(event.get("STATUS", "CONFIRMED")).upper() == "CANCELLED"
            found.append((began.astimezone(UTC), ended.astimezone(UTC), cancelled))
    return sorted(found)


def catalogue_sessions(
    catalogue: Catalogue, activity: Activity, changes: list[OccurrenceChange]
) -> list[Session]:
    keyed = {(c.activity, c.original_start): c for c in changes}
    found = activity_occurrences(
        activity, HELSINKI, FIRST, LAST, keyed, catalogue.skips_holidays(activity)
    )
    return sorted(
        (o.start.astimezone(UTC), o.end.astimezone(UTC), o.cancelled)
        for o in found
        if o.holiday is None  # a holiday a club skips is not in the calendar at all
    )


# --- strategies ----------------------------------------------------------------------------

RRULES = [
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270315",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=FR;COUNT=30",
]


@st.composite
def wall_times(draw: st.DrawFn, first: date, last: date) -> datetime:
    day = draw(st.dates(min_value=first, max_value=last))
    return datetime.combine(day, time(draw(st.integers(6, 20)), draw(st.sampled_from([0, 30]))))


@st.composite
def rules(draw: st.DrawFn) -> ScheduleRule:
    start = draw(wall_times(date(2026, 3, 1), date(2026, 10, 1)))
    length = timedelta(minutes=draw(st.sampled_from([45, 90, 120, 180])))
    until = draw(st.none() | st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 9, 1)))
    exceptions = draw(st.lists(st.dates(min_value=FIRST, max_value=LAST), max_size=3, unique=True))
    rrule = draw(st.sampled_from(RRULES))
    if "COUNT" in rrule and until is not None and draw(st.booleans()):
        until = None
    use_end = draw(st.booleans()) and (start + length).date() == start.date()
    return ScheduleRule(
        rrule,
        start,
        end=(start + length).time() if use_end else None,
        duration=None if use_end else length,
        until=until,
        exceptions=tuple(exceptions),
    )


@st.composite
def activities(draw: st.DrawFn) -> Activity:
    schedule = tuple(draw(st.lists(rules(), min_size=1, max_size=2)))
    dates = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(wall_times(FIRST, LAST))
        dates.append(OneOffDate(start, start + timedelta(hours=2)))
    return Activity(
        ActivityId("club"),
        ORGANISATION.id,
        "support",
        ("language_club",),
        (("fi", "Kerho"), ("en", "Club")),
        place=PlaceId("hall"),
        schedule=schedule,
        dates=tuple(dates),
        holidays=draw(st.sampled_from([None, "skip", "run"])),
    )


@st.composite
def with_changes(draw: st.DrawFn) -> tuple[Activity, list[OccurrenceChange]]:
    activity = draw(activities())
    plain = activity_occurrences(activity, HELSINKI, FIRST, LAST, {}, False)
    changes: list[OccurrenceChange] = []
    if plain:
        picked = draw(st.lists(st.sampled_from(plain), max_size=4, unique_by=lambda o: o.start))
        for occurrence in picked:
            original = occurrence.original_start
            if draw(st.booleans()):
                changes.append(OccurrenceChange(activity.id, original, cancelled=True))
                continue
            new_start = datetime.combine(
                original.date() + timedelta(days=draw(st.integers(-3, 3))),
                time(draw(st.integers(6, 20)), draw(st.sampled_from([0, 15]))),
            )
            new_place = draw(st.sampled_from([None, PlaceId("room")]))
            changes.append(
                OccurrenceChange(activity.id, original, new_start=new_start, new_place=new_place)
            )
    return activity, changes


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_changes())
def test_a_calendar_reader_expands_the_feed_to_the_catalogues_occurrences(
    case: tuple[Activity, list[OccurrenceChange]],
) -> None:
    activity, changes = case
    catalogue = catalogue_of(activity)
    feed = feed_bytes(catalogue, changes, request_for([activity]))
    assert read_back(feed) == catalogue_sessions(catalogue, activity, changes)


# --- the demo network, read back -----------------------------------------------------------


def demo() -> Catalogue:
    return load_catalogue(demo_catalogue_path())


def test_the_demo_network_reads_back_at_local_times_across_the_march_change() -> None:
    catalogue = demo()
    club = catalogue.activity("louhela-kielikahvila")
    assert club is not None
    cancelled = OccurrenceChange(club.id, datetime(2027, 3, 16, 17, 0), cancelled=True)
    network = [a for a in everything(catalogue) if a.organisation == club.organisation]
    feed = feed_bytes(catalogue, [cancelled], request_for(network))
    shown = {
        (start.astimezone(HELSINKI), is_cancelled) for start, _end, is_cancelled in read_back(feed)
    }
    before = datetime(2027, 3, 23, 17, 0, tzinfo=HELSINKI)  # winter time, UTC+2
    after = datetime(2027, 3, 30, 17, 0, tzinfo=HELSINKI)  # summer time, UTC+3
    assert (before, False) in shown
    assert (after, False) in shown
    assert before.astimezone(UTC).hour == 15
    assert after.astimezone(UTC).hour == 14
    assert (datetime(2027, 3, 16, 17, 0, tzinfo=HELSINKI), True) in shown


def test_texts_follow_the_language_asked_for_with_the_formats_fallback() -> None:
    catalogue = demo()
    club = catalogue.activity("louhela-kielikahvila")
    assert club is not None
    english = {
        str(e["SUMMARY"]) for e in build_calendar(catalogue, [], request_for([club])).walk("VEVENT")
    }
    titled = replace(club, title=(("fi", "Kielikahvila"), ("sv", "Språkcafé")))
    swedish = build_calendar(catalogue_of_all(catalogue, titled), [], request_for([titled], "sv"))
    arabic = build_calendar(catalogue_of_all(catalogue, titled), [], request_for([titled], "ar"))
    assert english == {dict(club.title).get("en", dict(club.title)["fi"])}
    assert {str(e["SUMMARY"]) for e in swedish.walk("VEVENT")} == {"Språkcafé"}
    assert {str(e["SUMMARY"]) for e in arabic.walk("VEVENT")} == {"Kielikahvila"}


def catalogue_of_all(catalogue: Catalogue, activity: Activity) -> Catalogue:
    others = tuple(a for a in catalogue.activities if a.id != activity.id)
    return replace(catalogue, activities=(*others, activity))


def test_a_feed_has_the_zone_the_place_and_geo() -> None:
    catalogue = demo()
    club = catalogue.activity("louhela-kielikahvila")
    assert club is not None
    calendar = build_calendar(catalogue, [], request_for([club]))
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Helsinki"
    [event] = calendar.walk("VEVENT")
    place = catalogue.place(club.place)
    assert place is not None
    assert place.address is not None
    assert place.geo is not None
    assert place.address in str(event["LOCATION"])
    geo: Any = event["GEO"]
    assert (geo.latitude, geo.longitude) == place.geo
    assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"


def test_holidays_skip_leaves_independence_day_out_of_the_feed() -> None:
    sunday_club = Activity(
        ActivityId("sunday"),
        ORGANISATION.id,
        "support",
        ("language_club",),
        (("en", "Sunday club"),),
        schedule=(
            ScheduleRule(
                "FREQ=WEEKLY;BYDAY=SU", datetime(2026, 11, 1, 12, 0), duration=timedelta(hours=1)
            ),
        ),
    )
    for skip, expected in ((None, True), ("skip", False)):
        activity = replace(sunday_club, holidays=skip)
        feed = feed_bytes(catalogue_of(activity), [], request_for([activity]))
        days = {start.astimezone(HELSINKI).date() for start, _, _ in read_back(feed)}
        assert (date(2026, 12, 6) in days) is expected
        assert date(2026, 12, 13) in days
