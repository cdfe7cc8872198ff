"""The matcher: constraints from sets, scope, windows, ranking."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import ClockRange, Query, TimeWindow

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def matcher(demo: Catalogue) -> Matcher:
    return Matcher(demo, OccurrenceIndex(demo, ()))


def ids(matcher: Matcher, query: Query, network: str | None, now: datetime) -> list[str]:
    return [m.activity.id for m in matcher.search(query, network, now).matches]


def test_every_result_satisfies_every_constraint(matcher: Matcher, demo: Catalogue) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    query = Query("en", "activities", kinds=frozenset({"language_club", "language_course"}))
    found = matcher.search(query, "nurmijarvi", now).matches
    assert found
    for match in found:
        assert set(match.activity.kinds) & query.kinds
        assert match.occurrence is None or match.occurrence.start >= now


def test_window_results_start_inside_the_window(matcher: Matcher) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    window = TimeWindow(date(2026, 11, 24), date(2026, 11, 24))
    found = matcher.search(Query("en", "activities", window=window), "nurmijarvi", now)
    assert found.matches
    assert all(m.occurrence and m.occurrence.start.date() == date(2026, 11, 24)
               for m in found.matches)


def test_named_municipality_replaces_the_network(matcher: Matcher, demo: Catalogue) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    query = Query("en", "activities", municipalities=("Kauniainen",))
    found = matcher.search(query, "kirkkonummi-kauniainen", now).matches
    assert found
    for match in found:
        place = demo.place(match.activity.place)
        if place is not None and not place.online:
            assert place.municipality == "Kauniainen"


def test_a_municipality_outside_every_network_finds_nothing(matcher: Matcher) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    query = Query("sv", "activities", municipalities=("Sipoo",))
    assert ids(matcher, query, "kirkkonummi-kauniainen", now) == []


def test_meetings_for_organisations_only_when_asked(matcher: Matcher, demo: Catalogue) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    everything = ids(matcher, Query("fi", "activities"), "nurmijarvi", now)
    assert "nurmijarvi-verkostotapaaminen" not in everything
    asked = Query("fi", "activities", audiences=frozenset({"organisations"}))
    assert "nurmijarvi-verkostotapaaminen" in ids(matcher, asked, "nurmijarvi", now)


def test_a_time_of_day_lists_only_sessions_starting_in_it(matcher: Matcher) -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=HELSINKI)
    day = TimeWindow(date(2026, 11, 25), date(2026, 11, 25))
    whole_day = matcher.search(Query("en", "activities", window=day), "nurmijarvi", now).matches
    evening = ClockRange(time(17, 0), None)
    asked = Query("en", "activities", window=day, clock=evening)
    found = matcher.search(asked, "nurmijarvi", now).matches
    starts = [m.occurrence.start.time() for m in found if m.occurrence]
    assert found
    assert len(starts) == len(found), "ongoing activities have no clock time"
    assert all(start >= time(17, 0) for start in starts)
    assert len(found) < len(whole_day), "daytime sessions are left out"


def test_a_clock_range_without_a_day_searches_the_coming_weeks(matcher: Matcher) -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=HELSINKI)
    morning = Query("en", "activities", clock=ClockRange(None, time(11, 59)))
    found = matcher.search(morning, "nurmijarvi", now).matches
    assert found
    assert all(m.occurrence and m.occurrence.start.time() <= time(11, 59) for m in found)


def test_sessions_already_over_come_last(matcher: Matcher) -> None:
    now = datetime(2026, 11, 23, 16, 0, tzinfo=HELSINKI)
    today = TimeWindow(date(2026, 11, 23), date(2026, 11, 23))
    found = matcher.search(Query("en", "activities", window=today), "nurmijarvi", now).matches
    over = [m.occurrence is not None and m.occurrence.end <= now for m in found]
    assert over == sorted(over)


def test_limit_keeps_the_soonest(matcher: Matcher) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    everything = matcher.search(Query("en", "activities"), "espoo", now).matches
    first_three = matcher.search(Query("en", "activities"), "espoo", now, 3).matches
    assert [m.activity.id for m in first_three] == [m.activity.id for m in everything[:3]]


def test_leftover_words_narrow_only_to_what_is_on_in_the_window(demo: Catalogue) -> None:
    from bot.bootstrap import term_tokens
    from catalog.matching import TermIndex

    matcher = Matcher(demo, OccurrenceIndex(demo, ()), TermIndex(demo, term_tokens))
    now = datetime(2026, 12, 10, 12, 0, tzinfo=HELSINKI)
    saturday = TimeWindow(date(2026, 12, 19), date(2026, 12, 19))
    everything = ids(matcher, Query("fi", "activities", window=saturday), "hameenlinna", now)
    assert len(everything) > 1
    named = Query("fi", "activities", window=saturday, terms=("joulumyyjäiset",))
    assert ids(matcher, named, "hameenlinna", now) == ["hml-joulumyyjaiset"]
    # the language cafés the word names are not on that Saturday: the day's activities stay
    elsewhere = Query("fi", "activities", window=saturday, terms=("kielikahvila",))
    assert sorted(ids(matcher, elsewhere, "hameenlinna", now)) == sorted(everything)


BOTH = frozenset({"children", "families"})


@pytest.mark.parametrize("named", ["families", "children"])
def test_the_named_audience_is_kept_to_when_something_is_for_it(
    matcher: Matcher, demo: Catalogue, named: str
) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    wide = ids(matcher, Query("en", "activities", audiences=BOTH), "espoo", now)
    query = Query("en", "activities", audiences=BOTH, named_audiences=frozenset({named}))
    kept = ids(matcher, query, "espoo", now)
    assert kept
    assert set(kept) < set(wide), "the wider search found more"
    assert all(named in demo.activity(i).audiences for i in kept)  # type: ignore[union-attr]


def test_with_nothing_for_the_named_audience_the_wider_answer_stands(matcher: Matcher) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
    query = Query(
        "en", "activities", kinds=frozenset({"homework_help"}), audiences=BOTH,
        named_audiences=frozenset({"seniors"}),
    )
    wide = Query("en", "activities", kinds=frozenset({"homework_help"}), audiences=BOTH)
    assert ids(matcher, query, "espoo", now) == ids(matcher, wide, "espoo", now)
    assert ids(matcher, wide, "espoo", now)
