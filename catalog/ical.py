r"""The catalogue as iCalendar (RFC 5545): what a phone's calendar app subscribes to.

Each schedule rule becomes one recurring ``VEVENT`` (its RRULE, DTSTART in the catalogue's zone
with a ``VTIMEZONE``); each one-off date a plain ``VEVENT``. What the catalogue's own expansion
(:mod:`catalog.occurrences`) does on top is written so that any calendar reader expands the
feed to the same sessions:

- the rule's ``until`` (an inclusive local date) and a local ``UNTIL`` become one ``UNTIL`` in
  UTC, as RFC 5545 asks when DTSTART has a time zone;
- ``except`` dates, a DTSTART the rule does not match (dateutil does not count it, RFC 5545
  does), and sessions on public holidays of an activity that skips them are ``EXDATE``\\ s;
- a volunteer's cancellation is an override (same UID, ``RECURRENCE-ID`` of the original start)
  with ``STATUS:CANCELLED``; a move is an override with the new start, end and place.

Texts are in the language asked for, with FORMAT.md's fallback (:func:`catalog.texts.pick_text`).
Pure: no clock (``stamp`` is DTSTAMP), no I/O. Holidays of endless rules are listed as EXDATEs
for the ``horizon`` of local dates asked for (a feed is fetched again long before it runs out).

Known difference: an end is a wall-clock end here, as in the catalogue; written as DTEND, a
reader takes the exact length of the first session for every one, so a session spanning the
night hour of a DST change (02:00–05:00) would be an hour off there. Nothing on a tray runs then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from catalog.holidays import finnish_holidays
from catalog.localtime import to_aware, to_local
from catalog.model import Activity, ActivityId, Catalogue, OccurrenceChange, OneOffDate, Place
from catalog.occurrences.expand import changes_by_start, is_move, moved_to
from catalog.occurrences.rules import CompiledRule, compile_rule, rule_parts
from catalog.texts import pick_text

PRODUCT = "-//Tarjotin//Activity calendar//EN"
UID_DOMAIN = "tarjotin"

_KEPT = OccurrenceChange(ActivityId(""), datetime.min)
"""Stands for "no change" where a change is looked up."""

Link = Callable[[Activity], str | None]
"""Where a reader can read more about an activity (``URL`` of its events), if anywhere."""


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What goes into one feed: its name, language, the activities and the horizon."""

    name: str
    language: str
    activities: Sequence[Activity]
    stamp: datetime
    horizon: tuple[date, date]


def build_calendar(
    catalogue: Catalogue,
    changes: Iterable[OccurrenceChange],
    request: FeedRequest,
    link: Link | None = None,
) -> Calendar:
    """The calendar of ``request.activities`` with the volunteers' ``changes`` applied."""
    zone = ZoneInfo(catalogue.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", request.name)
    grouped = changes_by_start(changes, zone)
    for activity in request.activities:
        writer = _ActivityWriter(
            catalogue, activity, zone, request, grouped.get(activity.id, {}), link
        )
        for event in writer.events():
            calendar.add_component(event)
    first, last = request.horizon
    calendar.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=last)
    return calendar


def feed_bytes(
    catalogue: Catalogue,
    changes: Iterable[OccurrenceChange],
    request: FeedRequest,
    link: Link | None = None,
) -> bytes:
    """The feed as the ``text/calendar`` body a server sends or a file holds."""
    return bytes(build_calendar(catalogue, changes, request, link).to_ical())


@dataclass
class _ActivityWriter:
    """The events of one activity (a small object: the same context serves every rule)."""

    catalogue: Catalogue
    activity: Activity
    zone: ZoneInfo
    request: FeedRequest
    changes: Mapping[datetime, OccurrenceChange]
    link: Link | None

    def events(self) -> list[Event]:
        """Rules first (with their overrides), then one-off dates."""
        found: list[Event] = []
        compiled = [compile_rule(rule) for rule in self.activity.schedule]
        for position, rule in enumerate(compiled):
            if rule.rule in self.activity.schedule[:position]:
                continue  # the same rule twice gives the same sessions, listed once
            found += self.rule_events(position, rule, compiled[:position])
        seen: set[tuple[datetime, datetime]] = set()
        for position, one_off in enumerate(self.activity.dates):
            session = (one_off.start, one_off.end)
            if session in seen or any(
                session in set(rule.sessions(one_off.start.date(), one_off.start.date()))
                for rule in compiled
            ):
                continue  # the catalogue lists identical sessions once
            seen.add(session)
            found.append(self.one_off_event(position, one_off))
        return found

    # --- rules ------------------------------------------------------------------------------

    def rule_events(
        self, position: int, rule: CompiledRule, earlier: Sequence[CompiledRule]
    ) -> list[Event]:
        """The recurring event of one rule and its overrides."""
        uid = f"{self.activity.id}.rule{position}@{UID_DOMAIN}"
        parts = rule_parts(rule.rule.rrule)
        if parts is None:  # a rule set beyond one RRULE line: its sessions one by one
            return self.expanded(uid, rule, earlier)
        master = self.event(uid, rule.rule.start, rule.rule.start + rule.length)
        recur, dropped = self.recurrence(parts, rule)
        master.add("rrule", recur)
        excluded = sorted(
            set(dropped)
            | set(self.exceptions(rule))
            | set(self.holidays(rule))
            | set(self.duplicates(rule, earlier))
        )
        for start in excluded:
            master.add("exdate", self.local(start))
        events = [master]
        holidays = set(self.holidays(rule))
        duplicates = set(self.duplicates(rule, earlier))
        for original, change in sorted(self.changes.items()):
            if original in holidays:
                continue  # not held anyway: already an EXDATE
            if original not in set(rule.starts(original.date(), original.date())):
                continue  # names no session of this rule: the catalogue ignores it too
            if original in duplicates:
                continue  # the earlier rule's event carries it
            override = self.override(uid, (original, original + rule.length), change)
            if override is not None:
                events.append(override)
        return events

    def recurrence(
        self, parts: dict[str, str], rule: CompiledRule
    ) -> tuple[vRecur, list[datetime]]:
        """The RRULE with one UTC ``UNTIL``; and starts to exclude that it cannot express."""
        parts = dict(parts)
        parts.pop("UNTIL", None)
        dropped: list[datetime] = []
        bound = rule.last_start if "COUNT" not in parts else None
        if "COUNT" in parts and rule.last_start is not None:
            # COUNT and UNTIL cannot go together: count as the catalogue does, drop the rest.
            unbounded = compile_rule(replace(rule.rule, until=None, exceptions=()))
            last = unbounded.last_date or rule.first_date
            dropped = [s for s in unbounded.starts(rule.first_date, last) if s > rule.last_start]
        recur = vRecur.from_ical(";".join(f"{key}={value}" for key, value in parts.items()))
        if bound is not None:
            recur["UNTIL"] = [to_aware(bound, self.zone).astimezone(UTC)]
        start = rule.rule.start
        if start not in set(rule.starts(start.date(), start.date())) and start not in dropped:
            dropped.append(start)  # RFC 5545 counts DTSTART; dateutil (the catalogue) does not
        return recur, dropped

    def exceptions(self, rule: CompiledRule) -> list[datetime]:
        """The rule's own starts on its ``except`` dates."""
        if not rule.rule.exceptions:
            return []
        plain = compile_rule(replace(rule.rule, exceptions=()))
        return [start for day in rule.rule.exceptions for start in plain.starts(day, day)]

    def holidays(self, rule: CompiledRule) -> list[datetime]:
        """Starts on public holidays within the horizon, when the activity skips them.

        A session a volunteer moved is held wherever it went, so it is not one of them.
        """
        if not self.catalogue.skips_holidays(self.activity):
            return []
        first, last = self.request.horizon
        starts: list[datetime] = []
        for year in range(first.year, last.year + 1):
            for day in finnish_holidays(year).values():
                if first <= day <= last:
                    starts += rule.starts(day, day)
        return [start for start in starts if not is_move(self.changes.get(start, _KEPT))]

    def duplicates(self, rule: CompiledRule, earlier: Sequence[CompiledRule]) -> list[datetime]:
        """Starts within the horizon whose session an earlier rule already gives."""
        if not earlier:
            return []
        first, last = self.request.horizon
        given = {session for other in earlier for session in other.sessions(first, last)}
        return [start for start, end in rule.sessions(first, last) if (start, end) in given]

    def expanded(
        self, uid: str, rule: CompiledRule, earlier: Sequence[CompiledRule]
    ) -> list[Event]:
        """A rule no RRULE line can carry, as single events over the horizon."""
        first, last = self.request.horizon
        skipped = set(self.holidays(rule)) | set(self.duplicates(rule, earlier))
        events = []
        for start, end in rule.sessions(first, last):
            change = self.changes.get(start)
            if start in skipped:
                continue
            event_uid = f"{uid.partition('@')[0]}.{start:%Y%m%dT%H%M}@{UID_DOMAIN}"
            event = self.event(event_uid, start, end)
            events.append(self.changed(event, (start, end), change))
        return events

    def override(
        self, uid: str, session: tuple[datetime, datetime], change: OccurrenceChange
    ) -> Event | None:
        """The override of one session of a recurring event, or ``None`` if nothing changes."""
        if not change.cancelled and not is_move(change):
            return None
        event = self.event(uid, *session)
        event.add("recurrence-id", self.local(session[0]))
        return self.changed(event, session, change)

    # --- one-off dates ----------------------------------------------------------------------

    def one_off_event(self, position: int, one_off: OneOffDate) -> Event:
        """A one-off date as its own event, cancelled or moved as a volunteer said."""
        uid = f"{self.activity.id}.date{position}@{UID_DOMAIN}"
        session = (one_off.start, one_off.end)
        return self.changed(self.event(uid, *session), session, self.changes.get(one_off.start))

    # --- shared -----------------------------------------------------------------------------

    def changed(
        self, event: Event, session: tuple[datetime, datetime], change: OccurrenceChange | None
    ) -> Event:
        """Apply a change to an event written for the original session."""
        if change is None:
            return event
        if change.cancelled:
            event["status"] = "CANCELLED"
            return event
        if is_move(change):
            start, end, place = moved_to(change, session, self.activity.place, self.zone)
            for key in ("dtstart", "dtend", "location", "geo"):
                event.pop(key, None)
            event.add("dtstart", self.local(start))
            event.add("dtend", self.local(self.end_after(start, end)))
            self.add_place(event, self.catalogue.place(place))
        return event

    def event(self, uid: str, start: datetime, end: datetime) -> Event:
        """An event of the activity from ``start`` to ``end`` (naive local), texts and place."""
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", self.request.stamp.astimezone(UTC))
        event.add("dtstart", self.local(start))
        event.add("dtend", self.local(self.end_after(start, end)))
        event.add("summary", self.text(self.activity.title) or self.activity.id)
        description = self.text(self.activity.description)
        if description:
            event.add("description", description)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        for kind in self.activity.kinds:
            event.add("categories", kind)
        self.add_place(event, self.catalogue.place(self.activity.place))
        url = self.link(self.activity) if self.link is not None else None
        if url:
            event.add("url", url)
        return event

    def add_place(self, event: Event, place: Place | None) -> None:
        """``LOCATION`` (name, address, municipality) and ``GEO``; an online place's URL."""
        if place is None:
            return
        name = self.text(place.name)
        if place.online:
            event.add("location", " – ".join(part for part in (name, place.url) if part))
            return
        parts = [name, place.address, place.municipality]
        event.add("location", ", ".join(part for part in parts if part))
        if place.geo is not None:
            event.add("geo", place.geo)

    def text(self, text: tuple[tuple[str, str], ...]) -> str:
        """A catalogue text in the feed's language, with FORMAT.md's fallback."""
        shown = pick_text(text, self.request.language)
        return shown.text if shown is not None else ""

    def local(self, moment: datetime) -> datetime:
        """A naive local wall time as the feed writes it: with the catalogue's zone (TZID)."""
        return moment.replace(tzinfo=self.zone)

    def end_after(self, start: datetime, end: datetime) -> datetime:
        """The wall-clock end, unless a DST gap swallows it (then start plus the length)."""
        aware_start = to_aware(start, self.zone)
        if to_aware(end, self.zone) <= aware_start:
            return to_local(aware_start + (end - start), self.zone)
        return end


def horizon_around(
    day: date, *, back_days: int = 31, ahead_days: int = 2 * 366
) -> tuple[date, date]:
    """The dates a feed fetched on ``day`` lists holiday exclusions for: a month back, 2 years."""
    return day - timedelta(days=back_days), day + timedelta(days=ahead_days)


def everything(catalogue: Catalogue) -> Sequence[Activity]:
    """Every dated activity of the catalogue (ongoing ones have no sessions to show)."""
    return [activity for activity in catalogue.activities if not activity.is_ongoing]
