"""Moving the demo's dates by whole weeks keeps weekdays and clock times."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.model import Catalogue
from catalog.occurrences import activity_occurrences
from catalog.seasons import monday, season_shift, shifted

ANCHOR = date(2026, 11, 23)


def week_of(catalogue: Catalogue, first: date) -> list[tuple[str, int, str]]:
    """(activity, weekday, clock time) of every occurrence in the week from ``first``."""
    zone = ZoneInfo(catalogue.timezone)
    found = []
    for activity in catalogue.activities:
        for occurrence in activity_occurrences(
            activity, zone, first, first + timedelta(days=6), {}
        ):
            start = occurrence.start
            found.append((activity.id, start.weekday(), start.strftime("%H:%M")))
    return sorted(found)


@pytest.mark.parametrize("today", [date(2031, 7, 9), date(2024, 2, 29), date(2026, 11, 25)])
def test_the_shifted_demo_shows_its_own_full_week_in_the_current_week(
    demo: Catalogue, today: date
) -> None:
    """Weekly sessions land on the same weekdays and times.

    A monthly "first Wednesday" follows its month, so it may fall in another week.
    """
    moved = shifted(demo, season_shift(ANCHOR, today))
    weekly = {
        a.id for a in demo.activities if a.schedule and all("WEEKLY" in r.rrule for r in a.schedule)
    }
    expected = [o for o in week_of(demo, ANCHOR) if o[0] in weekly]
    assert len(expected) > 20
    assert [o for o in week_of(moved, monday(today)) if o[0] in weekly] == expected
    assert len(week_of(moved, monday(today))) >= len(expected)


def test_weekdays_clock_times_exceptions_and_one_off_dates_move_together(
    demo: Catalogue,
) -> None:
    by = season_shift(ANCHOR, date(2030, 3, 6))
    assert by.days % 7 == 0
    moved = shifted(demo, by)
    for before, after in zip(demo.activities, moved.activities, strict=True):
        for rule, new in zip(before.schedule, after.schedule, strict=True):
            assert new.start - rule.start == by
            assert new.start.weekday() == rule.start.weekday()
            assert new.start.time() == rule.start.time()
            assert [d + by for d in rule.exceptions] == list(new.exceptions)
            if rule.until is not None:
                assert new.until == rule.until + by
        for one, other in zip(before.dates, after.dates, strict=True):
            assert (other.start - one.start, other.end - one.end) == (by, by)
        assert (after.title, after.place) == (before.title, before.place)


def test_an_until_inside_the_rule_moves_too(demo: Catalogue) -> None:
    [activity, *_] = [a for a in demo.activities if a.schedule]
    rule = activity.schedule[0]
    ruled = replace(activity, schedule=(replace(rule, rrule=rule.rrule + ";UNTIL=20270525"),))
    catalogue = replace(demo, activities=(ruled,))
    moved = shifted(catalogue, timedelta(weeks=2))
    assert moved.activities[0].schedule[0].rrule.endswith("UNTIL=20270608")


def test_only_whole_weeks_are_accepted(demo: Catalogue) -> None:
    assert shifted(demo, timedelta(0)) is demo
    with pytest.raises(ValueError, match="whole weeks"):
        shifted(demo, timedelta(days=3))
