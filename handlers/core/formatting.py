"""Small formatting pieces shared by every reply: dates, times, places, bidi isolation.

Dates and times are formatted with Babel in the reader's locale. Fragments that run left to
right inside a right-to-left sentence (times, Latin place names, URLs) are wrapped in Unicode
first-strong isolates so that the bidi algorithm keeps them whole.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from catalog.model import Catalogue, PlaceId, Text
from catalog.texts import pick_text
from handlers.core.i18n import Speaker

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def isolate(fragment: str, speaker: Speaker) -> str:
    """Wrap a fragment in a bidi isolate for right-to-left readers; unchanged otherwise."""
    if not speaker.right_to_left or not fragment:
        return fragment
    return f"{FIRST_STRONG_ISOLATE}{fragment}{POP_DIRECTIONAL_ISOLATE}"


@cache
def _weekday_date_pattern(locale: Locale) -> str:
    # The locale's own full date pattern without its year: Babel's skeletons abbreviate the
    # weekday in most locales, and a newcomer should read "torstai", not "to".
    pattern = str(locale.date_formats["full"].pattern)
    if re.search(r"y\s*'[^']*'\.?\s*$", pattern):  # "y 'г'." in Russian, "y 'р'." in Ukrainian
        pattern = re.sub(r"\s*'[^']*'\.?\s*$", "", pattern)
    pattern = re.sub(r"(,?\s*'de')?,?\s*y+年?", "", pattern)
    return pattern.strip(" ,")


def day_heading(day: date, speaker: Speaker) -> str:
    """``Monday 23 November`` in the reader's locale, weekday written out."""
    text = format_date(day, _weekday_date_pattern(speaker.locale), locale=speaker.locale)
    return text[:1].upper() + text[1:]


def short_date(day: date, speaker: Speaker) -> str:
    """``23 November`` in the reader's locale."""
    return format_skeleton("MMMMd", day, locale=speaker.locale)


def clock(moment: datetime, speaker: Speaker) -> str:
    """A local time of day in the reader's locale (``17:00``)."""
    return format_time(moment, format="short", locale=speaker.locale)


def time_range(start: datetime, end: datetime, speaker: Speaker) -> str:
    """``17:00–18:30``, isolated for right-to-left readers."""
    return isolate(f"{clock(start, speaker)}–{clock(end, speaker)}", speaker)


def localised(text: Text, speaker: Speaker, *, say_language: bool = True) -> str:
    """A catalogue text in the reader's language, saying which language it falls back to.

    Names of places and networks are shown as they are, without the language note: a name
    is read, not understood.
    """
    shown = pick_text(text, speaker.language)
    if shown is None:
        return ""
    if shown.is_in(speaker.language):
        return shown.text
    if not say_language:
        return isolate(shown.text, speaker)
    marker = speaker.gettext("in %(language)s") % {
        "language": speaker.language_name(shown.language)
    }
    return f"{isolate(shown.text, speaker)} ({marker})"


def activity_title(catalogue: Catalogue, activity_id: str, speaker: Speaker) -> str:
    """An activity's title for the reader (its id if it has left the catalogue)."""
    activity = catalogue.activity(activity_id)
    return localised(activity.title, speaker) if activity is not None else activity_id


def organisation_name(catalogue: Catalogue, organisation: str, speaker: Speaker) -> str:
    """An organisation's name for the reader (its id if it has left the catalogue)."""
    found = catalogue.organisation(organisation)
    if found is None:
        return organisation
    return localised(found.name, speaker, say_language=False) or organisation


def place_line(catalogue: Catalogue, place_id: PlaceId | None, speaker: Speaker) -> str | None:
    """Where it happens: place name and municipality, or that it is online."""
    place = catalogue.place(place_id)
    if place is None:
        return None
    name = localised(place.name, speaker, say_language=False)
    if place.online:
        return name + " (" + speaker.gettext("online") + ")"
    return f"{name}, {isolate(place.municipality, speaker)}"
