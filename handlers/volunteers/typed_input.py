"""What volunteers type and pick, read strictly: times, dates, durations, titles, new ids.

Pure functions, so every accepted and refused spelling is easy to test. A time is
``hh:mm`` or ``hh.mm`` (``18:30``, ``18.30``, ``9``); a date before it is ``d.m.``,
``d.m.yyyy`` or ``yyyy-mm-dd`` (``24.11. 18:30``). Anything else is refused, so the
volunteer is asked again instead of a session landing at a guessed time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from catalog.localtime import to_aware
from catalog.model import Activity, Catalogue
from handlers.core.i18n import Speaker

_WHEN = re.compile(
    r"""
    ^(?:
        (?:(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.?(?P<year>\d{4}|\d{2})?
          | (?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2}))
        \s*(?:,\s*)?\s
    )?
    \s*(?:klo\.?\s*|kl\.?\s*|at\s+)?
    (?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?$
    """,
    re.VERBOSE,
)

#: The lengths offered for a new session, in minutes.
DURATIONS: tuple[int, ...] = (60, 90, 120, 180)

#: How far ahead a volunteer may put a session.
FURTHEST_AHEAD = timedelta(days=366)

TITLE_MIN = 3
TITLE_MAX = 120

#: Longest activity id the catalogue format allows.
ID_MAX = 48


@dataclass(frozen=True, slots=True)
class TypedWhen:
    """A typed time of day, with the date when one was written."""

    at: time
    day: date | None = None
    year_given: bool = False


def parse_when(text: str) -> TypedWhen | None:
    """Read ``[date] time`` as typed; ``None`` when it is not exactly that."""
    found = _WHEN.match(" ".join(text.casefold().split()))
    if found is None:
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if hour > 23 or minute > 59:
        return None
    at = time(hour, minute)
    if found["iso_year"]:
        parts = (int(found["iso_year"]), int(found["iso_month"]), int(found["iso_day"]))
        return _dated(at, *parts, year_given=True)
    if found["day"]:
        year = found["year"]
        number = int(year) + (2000 if year and len(year) == 2 else 0) if year else 2000
        return _dated(at, number, int(found["month"]), int(found["day"]), year_given=bool(year))
    return TypedWhen(at)


def _dated(at: time, year: int, month: int, day: int, *, year_given: bool) -> TypedWhen | None:
    try:
        # A year is checked only when written: 29.2. is a valid date in some coming year.
        return TypedWhen(at, date(year if year_given else 2000, month, day), year_given)
    except ValueError:
        return None


def resolve_when(typed: TypedWhen, default_day: date | None, today: date) -> datetime | None:
    """The local date-time meant: the typed date (this year or next), else ``default_day``.

    ``None`` when there is no date to use, or the date does not exist (29.2. in a
    common year).
    """
    if typed.day is None:
        if default_day is None:
            return None
        return datetime.combine(default_day, typed.at)
    if typed.year_given:
        return datetime.combine(typed.day, typed.at)
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            candidate = date(year, typed.day.month, typed.day.day)
        except ValueError:
            continue
        if candidate >= today:
            return datetime.combine(candidate, typed.at)
    return None


def clean_title(text: str) -> str | None:
    """A new event's title as typed (spaces tidied), or ``None`` if unusable."""
    normalised = unicodedata.normalize("NFC", text)
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in normalised):
        return None
    title = " ".join(normalised.split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        return None
    return title


def slug(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes (accents dropped)."""
    kept = []
    for ch in unicodedata.normalize("NFKD", text).lower():
        if ch.isascii() and ch.isalnum():
            kept.append(ch)
        elif unicodedata.category(ch) != "Mn":  # accents go, everything else separates
            kept.append("-")
    return re.sub(r"-+", "-", "".join(kept)).strip("-")


def new_activity_id(organisation: str, title: str, day: date, taken: Collection[str]) -> str:
    """A fresh id ``<org>-<title>-<yyyy-mm-dd>`` (cut to fit 48 characters, unique)."""
    stamp = day.isoformat()
    base = slug(f"{organisation} {title}") or "event"
    if not base[0].isalpha():
        base = "event-" + base
    for number in range(1, 1000):
        suffix = f"-{stamp}" + (f"-{number}" if number > 1 else "")
        candidate = base[: ID_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise ValueError("no free id")  # pragma: no cover - a thousand events on one day


def usual_minutes(activity: Activity) -> int | None:
    """How long the activity's sessions usually last, in minutes, if it has any."""
    if activity.schedule:
        length = activity.schedule[0].length
    elif activity.dates:
        length = activity.dates[0].end - activity.dates[0].start
    else:
        return None
    minutes = int(length.total_seconds() // 60)
    return minutes if minutes > 0 else None


def duration_text(minutes: int, speaker: Speaker) -> str:
    """``1 hour 30 minutes`` in the reader's language."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(
            speaker.ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        )
    if rest or not hours:
        parts.append(
            speaker.ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest}
        )
    return " ".join(parts)


def kind_label(kind: str, speaker: Speaker) -> str:
    """A catalogue kind's name for a button, in the reader's language."""
    _ = speaker.gettext
    labels = {
        "language_club": _("Language club"),
        "language_course": _("Language course"),
        "friend_activity": _("Friend activity"),
        "mother_child_group": _("Mother and child group"),
        "family_activity": _("Family activity"),
        "womens_group": _("Women's group"),
        "mens_group": _("Men's group"),
        "international_club": _("International club"),
        "peer_group": _("Peer group"),
        "homework_help": _("Homework help"),
        "sports": _("Sports"),
        "outdoor": _("Outdoor activity"),
        "crafts": _("Crafts"),
        "cooking": _("Cooking"),
        "music_culture": _("Music and culture"),
        "recreation": _("Recreation"),
        "volunteering": _("Volunteering"),
        "guidance": _("Advice and guidance"),
        "job_search": _("Job search"),
        "digital_skills": _("Digital skills"),
        "network_meeting": _("Network meeting"),
    }
    return labels.get(kind, kind.replace("_", " "))


def taken_ids(catalogue: Catalogue) -> frozenset[str]:
    """Every activity id already in use."""
    return frozenset(a.id for a in catalogue.activities)


def future_problem(local: datetime, zone: tzinfo, now: datetime, speaker: Speaker) -> str | None:
    """Why a local date-time cannot take a session (past, too far ahead), if it cannot."""
    _ = speaker.gettext
    instant = to_aware(local, zone)
    if instant <= now:
        return _("That time has already passed. Please write a time in the future.")
    if instant - now > FURTHEST_AHEAD:
        return _("That is too far ahead. Please write a date within a year.")
    return None
