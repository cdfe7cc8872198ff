"""A schedule in words and its next sessions, shown beside the form before saving.

"every Tuesday 17:00–18:30 until 25 May, except 6 January": weekdays, times and dates are
Babel-formatted in the keeper's locale, the phrases are translated. The next sessions come
from the same expansion the bot answers with (:mod:`catalog.occurrences`), so the preview is
what newcomers will be told.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.lists import format_list

from catalog.model import Activity, Catalogue, ScheduleRule
from catalog.occurrences import Occurrence
from catalog.occurrences.expand import activity_occurrences
from handlers.core.formatting import short_date, time_range
from handlers.core.i18n import Speaker

_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}

PREVIEW_DAYS = 400
"""How far ahead :func:`next_sessions` looks."""


def _parts(rrule: str) -> dict[str, str]:
    return {key: value for key, _, value in (p.partition("=") for p in rrule.upper().split(";"))}


def _weekdays(parts: dict[str, str]) -> list[int] | None:
    """The plain weekdays of a weekly rule (``None`` when it says more than weekdays)."""
    days = parts.get("BYDAY", "")
    if (
        parts.get("FREQ") != "WEEKLY"
        or not days
        or set(parts) - {"FREQ", "BYDAY", "INTERVAL", "UNTIL", "WKST"}
    ):
        return None
    codes = days.split(",")
    if any(code not in _DAYS for code in codes):
        return None
    return [_DAYS[code] for code in codes]


def _rrule_until(parts: dict[str, str]) -> date | None:
    value = parts.get("UNTIL", "")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def rule_summary(rule: ScheduleRule, speaker: Speaker, today: date) -> str:
    """One rule in words: "every Tuesday 17:00–18:30 until 25 May, except 6 January"."""
    _ = speaker.gettext
    parts = _parts(rule.rrule)
    times = time_range(rule.start, rule.start + rule.length, speaker)
    days = _weekdays(parts)
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    if days is None:
        text = _("on a repeating schedule, %(times)s") % {"times": times}
    else:
        names = format_list(
            [speaker.locale.days["stand-alone"]["wide"][day] for day in days], locale=speaker.locale
        )
        if interval > 1:
            text = _("every %(count)d weeks on %(days)s %(times)s") % {
                "count": interval,
                "days": names,
                "times": times,
            }
        else:
            text = _("every %(days)s %(times)s") % {"days": names, "times": times}
    if rule.start.date() > today:
        text += " " + _("from %(date)s") % {"date": short_date(rule.start.date(), speaker)}
    until = rule.until or _rrule_until(parts)
    if until is not None:
        text += " " + _("until %(date)s") % {"date": short_date(until, speaker)}
    coming = sorted(day for day in rule.exceptions if day >= today)
    if coming:
        listed = format_list([short_date(day, speaker) for day in coming], locale=speaker.locale)
        text += ", " + _("except %(dates)s") % {"dates": listed}
    return text


def schedule_summary(activity: Activity, speaker: Speaker, today: date) -> str:
    """The whole schedule in words: each rule, then the one-off dates still to come.

    ``speaker`` gives the keeper's language; ``today`` (local) decides which exceptions and
    dates are still worth naming.
    """
    _ = speaker.gettext
    lines = [rule_summary(rule, speaker, today) for rule in activity.schedule]
    coming = [d for d in sorted(activity.dates, key=lambda d: d.start) if d.start.date() >= today]
    if coming:
        listed = format_list(
            [
                f"{short_date(d.start.date(), speaker)} {time_range(d.start, d.end, speaker)}"
                for d in coming
            ],
            locale=speaker.locale,
        )
        lines.append(_("on %(dates)s") % {"dates": listed})
    if not lines:
        return (
            _("no dates: it is on offer all the time")
            if activity.is_ongoing
            else _("no sessions to come")
        )
    return "; ".join(lines)


def next_sessions(
    activity: Activity, catalogue: Catalogue, now: datetime, count: int = 3
) -> list[Occurrence]:
    """The activity's next ``count`` sessions after ``now`` (aware), cancelled ones left out.

    The activity need not be in ``catalogue`` yet (a draft): the catalogue gives the time zone
    and the organisation's holiday setting.
    """
    zone = ZoneInfo(catalogue.timezone)
    today = now.astimezone(zone).date()
    found = activity_occurrences(
        activity,
        zone,
        today,
        today + timedelta(days=PREVIEW_DAYS),
        {},
        skip_holidays=catalogue.skips_holidays(activity),
    )
    return [o for o in found if o.start >= now and not o.cancelled][:count]
