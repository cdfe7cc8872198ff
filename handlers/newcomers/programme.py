"""The week's programme as text: grouped by day, in the reader's language and locale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from catalog.model import Catalogue, Network, OccurrenceChange
from catalog.occurrences import Occurrence, OccurrenceIndex
from catalog.scope import network_activity_ids
from handlers.core.formatting import (
    activity_title,
    day_heading,
    localised,
    place_line,
    short_date,
    time_range,
)
from handlers.core.i18n import Speaker
from handlers.newcomers.answers import holiday_name


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def occurrence_lines(catalogue: Catalogue, occurrence: Occurrence, speaker: Speaker) -> list[str]:
    """The lines describing one occurrence: time and title, then the place."""
    title = activity_title(catalogue, occurrence.activity, speaker)
    head = f"{time_range(occurrence.start, occurrence.end, speaker)}  {title}"
    if occurrence.holiday is not None:
        head += " — " + speaker.gettext("not held: %(holiday)s") % {
            "holiday": holiday_name(occurrence.holiday, speaker)
        }
    elif occurrence.cancelled:
        head += " — " + speaker.gettext("cancelled this time")
    elif occurrence.moved:
        head += " — " + speaker.gettext("moved")
    lines = [head]
    where = place_line(catalogue, occurrence.place, speaker)
    if where:
        lines.append(f"    {where}")
    return lines


def render_week(
    catalogue: Catalogue,
    occurrences: Sequence[Occurrence],
    speaker: Speaker,
    monday: date,
    network: Network | None,
) -> str:
    """The whole week's programme; ``occurrences`` must be sorted by start."""
    sunday = monday + timedelta(days=6)
    title = (
        localised(network.name, speaker, say_language=False)
        if network
        else speaker.gettext("All networks")
    )
    week = speaker.gettext("Week %(number)d: %(first)s – %(last)s") % {
        "number": monday.isocalendar().week,
        "first": short_date(monday, speaker),
        "last": short_date(sunday, speaker),
    }
    lines = [title, week]
    if not occurrences:
        lines += ["", speaker.gettext("Nothing is on this week.")]
    for day, items in groupby(occurrences, key=lambda o: o.start.date()):
        lines += ["", day_heading(day, speaker)]
        for occurrence in items:
            lines += [f"  {line}" for line in occurrence_lines(catalogue, occurrence, speaker)]
    return "\n".join(lines) + "\n"


def week_programme(
    catalogue: Catalogue,
    changes: Iterable[OccurrenceChange],
    speaker: Speaker,
    monday: date,
    network: Network | None,
) -> str:
    """Expand and render one week (local Monday 00:00 to the next Monday 00:00)."""
    zone = ZoneInfo(catalogue.timezone)
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(monday + timedelta(days=7), time(), zone)
    scope = network_activity_ids(catalogue, network) if network else None
    index = OccurrenceIndex(catalogue, changes)
    occurrences = index.between(start, end, scope, include_cancelled=True)
    return render_week(catalogue, occurrences, speaker, monday, network)
