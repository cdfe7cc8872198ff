"""Turning search results into short replies a newcomer can read on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from babel.lists import format_list

from catalog.matching import Match
from catalog.model import Activity, Catalogue, Network
from handlers.events import Reply
from handlers.formatting import clock, day_heading, isolate, localised, place_line, short_date
from handlers.i18n import Speaker

PAGE_SIZE = 5


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
    catalogue: Catalogue, match: Match, number: int, speaker: Speaker, now: datetime
) -> str:
    """One numbered result: title, when, where and how to join."""
    lines = [
        f"{number}. {localised(match.activity.title, speaker)}",
        f"   {when_line(match, speaker, now)}",
    ]
    place_id = match.occurrence.place if match.occurrence else match.activity.place
    where = place_line(catalogue, place_id, speaker)
    if where:
        lines.append(f"   {where}")
    lines.append(f"   {details_line(match.activity, speaker)}")
    return "\n".join(lines)


def window_phrase(first: date, last: date, speaker: Speaker) -> str:
    """``on Tuesday 24 November`` or ``24 November – 30 November``."""
    if first == last:
        return day_heading(first, speaker)
    return f"{short_date(first, speaker)} – {short_date(last, speaker)}"


def results_text(
    catalogue: Catalogue,
    matches: Sequence[Match],
    speaker: Speaker,
    page: int,
    heading: str,
    now: datetime,
) -> str:
    """A page of results under a heading, with a note when more pages follow."""
    first = page * PAGE_SIZE
    shown = matches[first : first + PAGE_SIZE]
    blocks = [heading]
    blocks += [
        match_block(catalogue, m, first + i + 1, speaker, now) for i, m in enumerate(shown)
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
