"""The catalogue as immutable values: what the importer produces and everything else reads.

Local times are naive ``datetime``/``time`` values in the catalogue's time zone, exactly as the
``tarjotin/1`` format writes them; conversion to aware instants happens in
:mod:`catalog.occurrences`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NewType

NetworkId = NewType("NetworkId", str)
OrganisationId = NewType("OrganisationId", str)
PlaceId = NewType("PlaceId", str)
ActivityId = NewType("ActivityId", str)

#: The value of ``holidays`` that leaves out sessions on Finnish public holidays.
HOLIDAYS_SKIP = "skip"

#: A language code (ISO 639-1, or ``fi-x-plain``) to the text in that language, in file order.
Text = tuple[tuple[str, str], ...]


def text_of(mapping: dict[str, str]) -> Text:
    """Freeze a ``{language: text}`` mapping, keeping its order."""
    return tuple(mapping.items())


@dataclass(frozen=True, slots=True)
class Coordinator:
    """The public contact of a network's immigration coordinator."""

    email: str
    name: Text = ()
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Network:
    """One municipality's (or region's) integration partnership network."""

    id: NetworkId
    name: Text
    municipalities: tuple[str, ...]
    coordinator: Coordinator
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach an organisation or the person responsible for an activity."""

    name: Text = ()
    email: str | None = None
    phone: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Organisation:
    """A member of one or more networks that offers activities."""

    id: OrganisationId
    name: Text
    kind: str
    level: str
    networks: tuple[NetworkId, ...]
    contact: Contact | None = None
    holidays: str | None = None
    """``skip``: its activities have no sessions on Finnish public holidays; ``run`` or unset:
    they run as scheduled (an activity's own ``holidays`` wins)."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where activities happen; ``online`` places have a ``url`` instead of an address."""

    id: PlaceId
    name: Text
    municipality: str
    address: str | None = None
    geo: tuple[float, float] | None = None
    online: bool = False
    url: str | None = None
    accessibility: Text = ()


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """A recurring rule: an RFC 5545 RRULE anchored at a local start (DTSTART).

    Exactly one of ``end`` (local end time on the same day) and ``duration`` is set.
    """

    rrule: str
    start: datetime
    end: time | None = None
    duration: timedelta | None = None
    until: date | None = None
    exceptions: tuple[date, ...] = ()

    @property
    def length(self) -> timedelta:
        """How long one occurrence lasts, in wall-clock time."""
        if self.duration is not None:
            return self.duration
        assert self.end is not None
        end = datetime.combine(self.start.date(), self.end)
        if end <= self.start:  # an evening that runs past midnight
            end += timedelta(days=1)
        return end - self.start


@dataclass(frozen=True, slots=True)
class OneOffDate:
    """A single local start and end."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Age limits in years; either end may be open."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity form on the tray, with when, where and for whom."""

    id: ActivityId
    organisation: OrganisationId
    klass: str
    kinds: tuple[str, ...]
    title: Text
    description: Text = ()
    audience: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    finnish_level: str | None = None
    place: PlaceId | None = None
    schedule: tuple[ScheduleRule, ...] = ()
    dates: tuple[OneOffDate, ...] = ()
    cost: Text = ()
    registration: Text = ()
    contact: Contact | None = None
    stages: tuple[str, ...] = ()
    age: AgeRange | None = None
    holidays: str | None = None
    """As written: ``skip``, ``run`` or unset (then the organisation's setting applies)."""

    @property
    def is_ongoing(self) -> bool:
        """True for an activity with no dates at all (found by what it is, never by a date)."""
        return not self.schedule and not self.dates

    @property
    def spoken_languages(self) -> tuple[str, ...]:
        """Languages spoken at the activity; Finnish when the catalogue says nothing."""
        return self.languages or ("fi",)

    @property
    def audiences(self) -> tuple[str, ...]:
        """Who it is for; ``everyone`` when the catalogue says nothing."""
        return self.audience or ("everyone",)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A whole validated catalogue, in file order."""

    timezone: str
    networks: tuple[Network, ...]
    organisations: tuple[Organisation, ...]
    places: tuple[Place, ...]
    activities: tuple[Activity, ...]
    _index: dict[str, dict[str, object]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def network(self, network_id: str) -> Network | None:
        """Look up a network by id."""
        return _lookup(self, "networks", network_id)  # type: ignore[return-value]

    def organisation(self, organisation_id: str) -> Organisation | None:
        """Look up an organisation by id."""
        return _lookup(self, "organisations", organisation_id)  # type: ignore[return-value]

    def place(self, place_id: str | None) -> Place | None:
        """Look up a place by id (``None`` for an activity without a place)."""
        if place_id is None:
            return None
        return _lookup(self, "places", place_id)  # type: ignore[return-value]

    def activity(self, activity_id: str) -> Activity | None:
        """Look up an activity by id."""
        return _lookup(self, "activities", activity_id)  # type: ignore[return-value]

    def skips_holidays(self, activity: Activity) -> bool:
        """Whether the activity's scheduled sessions are left out on Finnish public holidays.

        The activity's own ``holidays`` decides; without one, its organisation's; the default
        is that it runs.
        """
        organisation = self.organisation(activity.organisation)
        return skips_holidays(activity, organisation.holidays if organisation else None)


def skips_holidays(activity: Activity, organisation_holidays: str | None) -> bool:
    """The activity's own ``holidays`` setting, else its organisation's; by default it runs."""
    setting = activity.holidays if activity.holidays is not None else organisation_holidays
    return setting == HOLIDAYS_SKIP


def _lookup(catalogue: Catalogue, kind: str, record_id: str) -> object | None:
    index = catalogue._index.get(kind)
    if index is None:
        index = {record.id: record for record in getattr(catalogue, kind)}
        catalogue._index[kind] = index
    return index.get(record_id)


@dataclass(frozen=True, slots=True)
class OccurrenceChange:
    """A volunteer's change to one occurrence, keyed by its original local start.

    ``cancelled`` drops the occurrence; otherwise ``new_start``/``new_end``/``new_place`` move it.
    """

    activity: ActivityId
    original_start: datetime
    cancelled: bool = False
    new_start: datetime | None = None
    new_end: datetime | None = None
    new_place: PlaceId | None = None
    reason: str | None = None
