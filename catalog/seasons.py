"""Moving a catalogue's dates by whole weeks, so that the demo always shows a full week.

The demo catalogue is written for one season (August 2026 to May 2027). ``make run`` opens
it on any day of any year: :func:`season_shift` gives the whole number of weeks that brings
the demo's own week (a full one) to the current week, and :func:`shifted` moves every date of
the catalogue by it. Whole weeks keep every weekday and every clock time as written, so
"every Tuesday at 17:00" stays a Tuesday at 17:00. Pure: nothing here reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from catalog.model import Activity, Catalogue, OneOffDate, ScheduleRule

WEEK = timedelta(weeks=1)

_UNTIL = re.compile(r"(?<=UNTIL=)(\d{8})(T\d{6}Z?)?")


def monday(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def season_shift(anchor: date, today: date) -> timedelta:
    """Whole weeks that move the week of ``anchor`` onto the week of ``today``."""
    return monday(today) - monday(anchor)


def shifted(catalogue: Catalogue, by: timedelta) -> Catalogue:
    """``catalogue`` with every schedule, exception and one-off date moved by ``by``.

    ``by`` must be whole weeks (weekdays and clock times are kept); anything else is refused.
    """
    if by % WEEK:
        raise ValueError(f"a catalogue moves by whole weeks only, not {by}")
    if not by:
        return catalogue
    return replace(catalogue, activities=tuple(_activity(a, by) for a in catalogue.activities))


def _activity(activity: Activity, by: timedelta) -> Activity:
    return replace(
        activity,
        schedule=tuple(_rule(rule, by) for rule in activity.schedule),
        dates=tuple(OneOffDate(d.start + by, d.end + by) for d in activity.dates),
    )


def _until(match: re.Match[str], by: timedelta) -> str:
    day = datetime.strptime(match.group(1), "%Y%m%d").date() + by
    return day.strftime("%Y%m%d") + (match.group(2) or "")


def _rule(rule: ScheduleRule, by: timedelta) -> ScheduleRule:
    return replace(
        rule,
        rrule=_UNTIL.sub(lambda match: _until(match, by), rule.rrule),
        start=rule.start + by,
        until=rule.until + by if rule.until is not None else None,
        exceptions=tuple(day + by for day in rule.exceptions),
    )
