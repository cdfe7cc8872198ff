"""Turning search results into short replies a newcomer can read on a phone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from babel.lists import format_list

from catalog.matching import Match
from catalog.model import Activity, Catalogue, Network
from catalog.occurrences import Occurrence
from catalog.understanding.query import ClockRange, Holiday
from handlers.core.events import Reply
from handlers.core.formatting import (
    activity_title,
    clock,
    day_heading,
    isolate,
    localised,
    place_line,
    short_date,
)
from handlers.core.i18n import Speaker

PAGE_SIZE = 5


def N_(message: str) -> str:  # noqa: N802 - the name extraction tools know
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return message


#: Names of the holidays the understanding knows (keys of catalog.understanding.holidays).
HOLIDAY_NAMES: dict[str, str] = {
    "new_years_eve": N_("New Year's Eve"),
    "new_years_day": N_("New Year's Day"),
    "new_year": N_("New Year"),
    "epiphany": N_("Epiphany"),
    "good_friday": N_("Good Friday"),
    "easter": N_("Easter"),
    "easter_sunday": N_("Easter Sunday"),
    "easter_monday": N_("Easter Monday"),
    "vappu_eve": N_("May Day Eve"),
    "vappu": N_("May Day"),
    "ascension_day": N_("Ascension Day"),
    "pentecost": N_("Pentecost"),
    "midsummer": N_("Midsummer"),
    "midsummer_eve": N_("Midsummer Eve"),
    "midsummer_day": N_("Midsummer Day"),
    "all_saints_day": N_("All Saints' Day"),
    "independence_day": N_("Independence Day"),
    "christmas_eve": N_("Christmas Eve"),
    "christmas_day": N_("Christmas Day"),
    "boxing_day": N_("Boxing Day"),
    "christmas": N_("Christmas"),
}


def invalid_choice_reply(speaker: Speaker) -> Reply:
    """The polite answer to a stale, forged or unknown choice; nothing changes."""
    return Reply(
        speaker.gettext("Sorry, that button is no longer valid. Please ask again."),
        speaker.language,
    )


def details_line(activity: Activity, speaker: Speaker) -> str:
    """Cost, how to join and spoken languages, in one line."""
    _ = speaker.gettext
    cost = localised(activity.cost, speaker) or _("Free")
    join = localised(activity.registration, speaker) or _("Just come")
    names = [speaker.language_name(code) for code in activity.spoken_languages]
    spoken = format_list(names, style="standard", locale=speaker.locale)
    return " · ".join((cost, join, _("Spoken: %(languages)s") % {"languages": spoken}))


def when_line(match: Match, speaker: Speaker, now: datetime | None = None) -> str:
    """The occurrence's day and time (and whether it is over), or that it is ongoing."""
    occurrence = match.occurrence
    if occurrence is None:
        return speaker.gettext("Ongoing: you can join at any time")
    over = now is not None and occurrence.end <= now
    text = f"{day_heading(occurrence.start.date(), speaker)}, " + isolate(
        f"{clock(occurrence.start, speaker)}–{clock(occurrence.end, speaker)}", speaker
    )
    if over:
        text += " (" + speaker.gettext("already over") + ")"
    elif occurrence.moved:
        text += " (" + speaker.gettext("moved") + ")"
    return text


def match_block(
    catalogue: Catalogue,
    match: Match,
    number: int,
    speaker: Speaker,
    now: datetime,
    note: str | None = None,
) -> str:
    """One numbered result: title, when, where (with ``note``, e.g. outside the area), joining."""
    lines = [
        f"{number}. {localised(match.activity.title, speaker)}",
        f"   {when_line(match, speaker, now)}",
    ]
    place_id = match.occurrence.place if match.occurrence else match.activity.place
    where = place_line(catalogue, place_id, speaker)
    if where:
        lines.append(f"   {where}")
    if note:
        lines.append(f"   {note}")
    lines.append(f"   {details_line(match.activity, speaker)}")
    return "\n".join(lines)


def window_phrase(first: date, last: date, speaker: Speaker) -> str:
    """``on Tuesday 24 November`` or ``24 November – 30 November``."""
    if first == last:
        return day_heading(first, speaker)
    return f"{short_date(first, speaker)} – {short_date(last, speaker)}"


def clock_phrase(clock: ClockRange, speaker: Speaker) -> str:
    """``after 18:00``, ``before 12:00`` or ``between 12:00 and 18:00`` (session starts)."""
    _ = speaker.gettext
    if clock.earliest is not None and clock.latest is not None:
        return _("between %(start)s and %(end)s") % {
            "start": isolate(_clock_text(clock.earliest, speaker), speaker),
            "end": isolate(_clock_text(_next_minute(clock.latest), speaker), speaker),
        }
    if clock.earliest is not None:
        return _("after %(time)s") % {
            "time": isolate(_clock_text(clock.earliest, speaker), speaker)
        }
    assert clock.latest is not None
    return _("before %(time)s") % {
        "time": isolate(_clock_text(_next_minute(clock.latest), speaker), speaker)
    }


def _next_minute(moment: time) -> time:
    """11:59 is said as "before 12:00": the inclusive last minute, one minute on."""
    if moment.minute != 59 or moment.hour == 23:
        return moment
    return (datetime.combine(date.min, moment) + timedelta(minutes=1)).time()


def _clock_text(moment: time, speaker: Speaker) -> str:
    return clock(datetime.combine(date(2000, 1, 1), moment), speaker)


def holiday_line(holiday: Holiday, speaker: Speaker) -> str | None:
    """Which day the holiday the user named is ("Easter Sunday is on Sunday 28 March.")."""
    name = HOLIDAY_NAMES.get(holiday.key)
    if name is None:
        return None
    return speaker.gettext("%(holiday)s is on %(when)s.") % {
        "holiday": speaker.gettext(name),
        "when": window_phrase(holiday.start, holiday.end, speaker),
    }


def holiday_name(key: str, speaker: Speaker) -> str:
    """A holiday's name in the reader's language (its key if the replies do not name it)."""
    name = HOLIDAY_NAMES.get(key)
    return speaker.gettext(name) if name is not None else key.replace("_", " ")


def holiday_notice(catalogue: Catalogue, occurrence: Occurrence, speaker: Speaker) -> str:
    """"No Language café on Independence Day (Sunday 6 December)."."""
    assert occurrence.holiday is not None
    return speaker.gettext("No %(title)s on %(holiday)s (%(day)s).") % {
        "title": activity_title(catalogue, occurrence.activity, speaker),
        "holiday": holiday_name(occurrence.holiday, speaker),
        "day": day_heading(occurrence.start.date(), speaker),
    }


def results_text(
    catalogue: Catalogue,
    matches: Sequence[Match],
    speaker: Speaker,
    page: int,
    heading: str,
    now: datetime,
    notes: Mapping[str, str] | None = None,
) -> str:
    """A page of results under a heading, with a note when more pages follow.

    ``notes`` adds a line to the results of those activity ids (e.g. "outside your area").
    """
    first = page * PAGE_SIZE
    shown = matches[first : first + PAGE_SIZE]
    blocks = [heading]
    blocks += [
        match_block(catalogue, m, first + i + 1, speaker, now, (notes or {}).get(m.activity.id))
        for i, m in enumerate(shown)
    ]
    remaining = len(matches) - first - len(shown)
    if remaining > 0:
        blocks.append(
            speaker.ngettext(
                "%(count)d more: press More.", "%(count)d more: press More.", remaining
            )
            % {"count": remaining}
        )
    return "\n\n".join(blocks)


def coordinator_text(network: Network | None, speaker: Speaker) -> str:
    """The public contact of the network's coordinator, as a short paragraph."""
    _ = speaker.gettext
    if network is None:
        return _("I can put you in touch with the coordinator of your area.")
    coordinator = network.coordinator
    parts = [localised(coordinator.name, speaker) or _("Coordinator")]
    parts.append(isolate(coordinator.email, speaker))
    if coordinator.phone:
        parts.append(isolate(coordinator.phone, speaker))
    return _("You can reach a person: %(contact)s") % {"contact": ", ".join(parts)}
