"""The tray report of a network: what is offered, what is missing, what newcomers ask for.

Pure: built from the catalogue, its occurrences, the anonymous demand counters and the
delivery counts, with no database or chat library. The Red Cross *kotoutumistarjotin* model
puts every activity in one of three classes on one of three levels (its organisation's); a
cell lists every activity of the network on the catalogue's usual scope rule
(:func:`catalog.scope.belongs_to`). Demand counts below five are shown as ``"<5"``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from catalog.model import Activity, ActivityId, Catalogue, Network
from catalog.occurrences import Occurrence
from catalog.scope import belongs_to, in_municipalities
from catalog.vocabulary import AUDIENCES, CLASSES, KINDS, LEVELS, PLAIN_FINNISH
from handlers.core.ports import Delivery, DemandCount, DemandEvent
from handlers.newcomers.demand import shown

#: An activity with no session this far ahead is listed as a gap.
SESSIONS_AHEAD = timedelta(days=60)

#: Kinds and audiences that are not a newcomer's need (they are for organisations).
NOT_NEEDS = frozenset({"network_meeting", "organisations"})

#: The languages a coordinator is assumed to have covered already (they are the network's own).
LOCAL_LANGUAGES = frozenset({"fi", PLAIN_FINNISH, "sv"})


class Sessions(Protocol):
    """Occurrences between two instants (:class:`catalog.occurrences.OccurrenceIndex`)."""

    def between(
        self,
        start: datetime,
        end: datetime,
        activity_ids: Collection[ActivityId] | None = None,
        include_cancelled: bool = False,
    ) -> list[Occurrence]:
        """Occurrences starting in ``[start, end)``."""
        ...


@dataclass(frozen=True, slots=True)
class Cell:
    """One class × level cell and its activities, in catalogue order."""

    klass: str
    level: str
    activities: tuple[ActivityId, ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """Nothing on offer in a municipality: of a kind, for an audience, or in a language."""

    municipality: str
    missing: str
    value: str


@dataclass(frozen=True, slots=True)
class DemandLine:
    """What was asked over the period, summed over days (count shown as ``"<5"`` below 5)."""

    language: str
    intent: str
    kinds: tuple[str, ...]
    audience: str | None
    municipality: str | None
    found: bool
    count: int

    @property
    def shown(self) -> int | str:
        """The count as the report shows it."""
        return shown(self.count)


@dataclass(frozen=True, slots=True)
class Tray:
    """What is offered: the grid and the counts around it."""

    cells: tuple[Cell, ...]
    by_kind: dict[str, int]
    by_audience: dict[str, int]
    by_language: dict[str, int]
    by_municipality: dict[str, int]
    weekly_hours: float
    free: int
    paid: int
    no_finnish: int


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report of one network (or of every network, ``network`` ``None``)."""

    network: str | None
    start: date
    end: date
    tray: Tray
    gaps: tuple[Gap, ...]
    idle_organisations: tuple[str, ...]
    no_sessions: tuple[ActivityId, ...]
    demand: tuple[DemandLine, ...]
    weekly: dict[date, dict[str, int]]
    useful: int
    not_useful: int
    followed: dict[str, int]
    delivery: Delivery
    activities: tuple[Activity, ...] = field(default=())

    @property
    def not_found(self) -> tuple[DemandLine, ...]:
        """What was asked and not found: the list for the next network meeting."""
        return tuple(line for line in self.demand if not line.found)


def networks_of(catalogue: Catalogue, network: str | None) -> tuple[Network, ...]:
    """The network asked for, or every network."""
    if network is None:
        return catalogue.networks
    found = catalogue.network(network)
    return (found,) if found is not None else ()


def in_scope(catalogue: Catalogue, networks: Sequence[Network]) -> tuple[Activity, ...]:
    """Every activity of the networks, on the catalogue's scope rule, in catalogue order."""
    return tuple(
        a for a in catalogue.activities if any(belongs_to(catalogue, a, n) for n in networks)
    )


def level_of(catalogue: Catalogue, activity: Activity) -> str:
    """An activity's level: its organisation's (local when the organisation is unknown)."""
    organisation = catalogue.organisation(activity.organisation)
    return organisation.level if organisation is not None else "local"


def cells(catalogue: Catalogue, activities: Sequence[Activity]) -> tuple[Cell, ...]:
    """The 3 × 3 grid, every cell present (an empty cell is a gap too)."""
    return tuple(
        Cell(
            klass,
            level,
            tuple(
                a.id
                for a in activities
                if a.klass == klass and level_of(catalogue, a) == level
            ),
        )
        for klass in CLASSES
        for level in LEVELS
    )


def municipality_of(catalogue: Catalogue, activity: Activity) -> str | None:
    """Where the activity happens; ``None`` online or without a place."""
    place = catalogue.place(activity.place)
    return place.municipality if place is not None and not place.online else None


def weekly_hours(
    sessions: Sessions, activities: Sequence[Activity], now: datetime
) -> float:
    """Hours of sessions in the seven days from ``now``."""
    ids = [a.id for a in activities]
    found = sessions.between(now, now + timedelta(days=7), ids)
    return round(sum((o.end - o.start).total_seconds() for o in found) / 3600, 1)


def tray(
    catalogue: Catalogue, activities: Sequence[Activity], sessions: Sessions, now: datetime
) -> Tray:
    """The grid and its counts."""
    by_kind = Counter(k for a in activities for k in a.kinds)
    by_audience = Counter(x for a in activities for x in a.audiences)
    by_language = Counter(x for a in activities for x in a.spoken_languages)
    by_municipality = Counter(municipality_of(catalogue, a) or "online" for a in activities)
    free = sum(1 for a in activities if not a.cost)
    no_finnish = sum(
        1
        for a in activities
        if a.finnish_level == "none" or any(x not in LOCAL_LANGUAGES for x in a.spoken_languages)
    )
    return Tray(
        cells(catalogue, activities),
        dict(by_kind.most_common()),
        dict(by_audience.most_common()),
        dict(by_language.most_common()),
        dict(by_municipality.most_common()),
        weekly_hours(sessions, activities, now),
        free,
        len(activities) - free,
        no_finnish,
    )


def newcomer_languages(network: Network) -> tuple[str, ...]:
    """The newcomer languages the network names (besides Finnish and Swedish)."""
    return tuple(x for x in network.languages if x not in LOCAL_LANGUAGES)


def written_in(activity: Activity, language: str) -> bool:
    """Whether the activity's title or description is written in ``language``."""
    return any(code == language for code, _ in (*activity.title, *activity.description))


def gaps(catalogue: Catalogue, networks: Sequence[Network]) -> tuple[Gap, ...]:
    """For each municipality: kinds, audiences and newcomer languages with nothing on offer.

    A municipality's offer is what happens there plus its network's activities with no
    physical place (online ones reach everyone).
    """
    found: list[Gap] = []
    for network in networks:
        offer = [a for a in catalogue.activities if belongs_to(catalogue, a, network)]
        for municipality in network.municipalities:
            here = [
                a
                for a in offer
                if in_municipalities(catalogue, a, (municipality,))
                or municipality_of(catalogue, a) is None
            ]
            kinds = {k for a in here for k in a.kinds}
            audiences = {x for a in here for x in a.audience}
            found += [
                Gap(municipality, "kind", k) for k in KINDS if k not in kinds | NOT_NEEDS
            ]
            found += [
                Gap(municipality, "audience", x)
                for x in AUDIENCES
                if x != "everyone" and x not in audiences | NOT_NEEDS
            ]
            found += [
                Gap(municipality, "language", x)
                for x in newcomer_languages(network)
                if not any(x in a.spoken_languages or written_in(a, x) for a in here)
            ]
    return tuple(dict.fromkeys(found))


def idle_organisations(
    catalogue: Catalogue, networks: Sequence[Network], activities: Sequence[Activity]
) -> tuple[str, ...]:
    """Organisations of the networks with no activity listed."""
    ids = {n.id for n in networks}
    busy = {a.organisation for a in activities}
    return tuple(
        o.id for o in catalogue.organisations if ids & set(o.networks) and o.id not in busy
    )


def no_sessions(
    sessions: Sessions, activities: Sequence[Activity], now: datetime
) -> tuple[ActivityId, ...]:
    """Dated activities with no session in the coming :data:`SESSIONS_AHEAD`."""
    dated = [a.id for a in activities if not a.is_ongoing]
    ahead = {o.activity for o in sessions.between(now, now + SESSIONS_AHEAD, dated)}
    return tuple(a for a in dated if a not in ahead)


def _split(value: str) -> tuple[str, ...]:
    return tuple(x for x in value.split(",") if x)


def demand_lines(
    catalogue: Catalogue, counts: Iterable[DemandCount]
) -> tuple[DemandLine, ...]:
    """Questions summed over the period by language, intent, kinds, audience, place, found.

    A question that names no municipality is counted in its network's municipality when the
    network has one.
    """
    summed: Counter[tuple[str, str, tuple[str, ...], str | None, str | None, bool]] = Counter()
    for counted in counts:
        fact = counted.fact
        if fact.event is not DemandEvent.QUESTION:
            continue
        municipality: str | None = fact.municipality or None
        if municipality is None:
            network = catalogue.network(fact.network)
            if network is not None and len(network.municipalities) == 1:
                municipality = network.municipalities[0]
        key = (
            fact.language,
            fact.intent,
            _split(fact.kinds),
            fact.audiences or None,
            municipality,
            fact.found,
        )
        summed[key] += counted.count
    lines = [DemandLine(*key, count) for key, count in summed.items()]
    lines.sort(key=lambda x: (-x.count, x.found, x.language, x.kinds))
    return tuple(lines)


def weekly(counts: Iterable[DemandCount]) -> dict[date, dict[str, int]]:
    """Questions by week (its Monday) and language."""
    weeks: dict[date, Counter[str]] = defaultdict(Counter)
    for counted in counts:
        if counted.fact.event is DemandEvent.QUESTION:
            monday = counted.day - timedelta(days=counted.day.weekday())
            weeks[monday][counted.fact.language] += counted.count
    return {week: dict(weeks[week].most_common()) for week in sorted(weeks)}


def build_report(
    catalogue: Catalogue,
    sessions: Sessions,
    network: str | None,
    start: date,
    end: date,
    now: datetime,
    counts: Sequence[DemandCount],
    delivery: Delivery,
    organisation: str | None = None,
) -> Report:
    """The report of ``network`` (every network when ``None``) for ``start``–``end``.

    With ``organisation`` the tray and the stale activities are that organisation's only
    (an organiser's report); gaps and demand stay the network's, which it serves.
    """
    networks = networks_of(catalogue, network)
    activities = in_scope(catalogue, networks)
    if organisation is not None:
        activities = tuple(a for a in activities if a.organisation == organisation)
    events: Counter[DemandEvent] = Counter()
    for counted in counts:
        events[counted.fact.event] += counted.count
    return Report(
        network=network,
        start=start,
        end=end,
        tray=tray(catalogue, activities, sessions, now),
        gaps=gaps(catalogue, networks),
        idle_organisations=(
            () if organisation else idle_organisations(catalogue, networks, activities)
        ),
        no_sessions=no_sessions(sessions, activities, now),
        demand=demand_lines(catalogue, counts),
        weekly=weekly(counts),
        useful=events[DemandEvent.USEFUL],
        not_useful=events[DemandEvent.NOT_USEFUL],
        followed={
            "reminder": events[DemandEvent.REMINDER],
            "contact": events[DemandEvent.CONTACT],
        },
        delivery=delivery,
        activities=activities,
    )
