"""Finding the activities that satisfy a :class:`~catalog.understanding.query.Query`.

Every constraint is answered from precomputed sets (kind → ids, audience → ids, …) so that a
question over 10,000 activities costs a few set intersections and one indexed occurrence
lookup, not a scan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from heapq import nsmallest
from zoneinfo import ZoneInfo

from catalog.model import Activity, ActivityId, Catalogue
from catalog.occurrences import Occurrence, OccurrenceIndex
from catalog.understanding.query import ClockRange, Query, TimeWindow

#: Without a time word, dated activities are offered from the next this many days.
UPCOMING_DAYS = 60

Tokeniser = Callable[[str, str], Iterable[str]]
"""``(text, language) -> keys``: the normalised forms (word, folded, stem) of each word."""


@dataclass(frozen=True, slots=True)
class Match:
    """An activity that satisfies the question, with its first occurrence (None: ongoing)."""

    activity: Activity
    occurrence: Occurrence | None


@dataclass(frozen=True, slots=True)
class Search:
    """The outcome of one search: matches best first, and the instants searched."""

    matches: tuple[Match, ...]
    start: datetime
    end: datetime
    windowed: bool


def _fold(name: str) -> str:
    return name.casefold().strip()


class TermIndex:
    """Title and description tokens of every activity, in whatever languages they are written."""

    def __init__(self, catalogue: Catalogue, tokenise: Tokeniser) -> None:
        self._tokenise = tokenise
        # Most keys (numbers, names) name one activity: such a key maps to the id itself, and
        # only a second activity makes it a list (a set costs several times a short list's
        # memory, a one-item list 64 bytes: 15 MiB over 100,000 activities); a question reads
        # a handful of keys. Activities come one at a time, so a repeat can only be the last.
        self._titles: dict[str, ActivityId | list[ActivityId]] = {}
        self._descriptions: dict[str, ActivityId | list[ActivityId]] = {}
        for activity in catalogue.activities:
            for texts, index in (
                (activity.title, self._titles),
                (activity.description, self._descriptions),
            ):
                for language, text in texts:
                    for token in tokenise(text, language):
                        _add(index, token, activity.id)

    def scores(self, terms: Iterable[str], language: str) -> dict[ActivityId, float]:
        """How well each activity's texts cover ``terms`` (title hits weigh double).

        Each term is read with ``language``'s stemmer, as the texts were with theirs, so an
        inflected word in a question meets its base form in a title.
        """
        result: dict[ActivityId, float] = defaultdict(float)
        for term in terms:
            keys = set(self._tokenise(term, language))
            titled = set().union(*(_ids(self._titles, key) for key in keys))
            described = set().union(*(_ids(self._descriptions, key) for key in keys))
            for activity_id in titled:
                result[activity_id] += 2.0
            for activity_id in described - titled:
                result[activity_id] += 1.0
        return dict(result)


def _add(index: dict[str, ActivityId | list[ActivityId]], key: str, activity: ActivityId) -> None:
    ids = index.get(key)
    if ids is None:
        index[key] = activity
    elif isinstance(ids, list):
        if ids[-1] != activity:
            ids.append(activity)
    elif ids != activity:
        index[key] = [ids, activity]


def _ids(index: dict[str, ActivityId | list[ActivityId]], key: str) -> Collection[ActivityId]:
    ids = index.get(key, ())
    return (ids,) if isinstance(ids, str) else ids


class Matcher:
    """Answers queries over one catalogue; build once per catalogue version."""

    @property
    def occurrences(self) -> OccurrenceIndex:
        """The occurrence index this matcher answers from (shared with reminder planning)."""
        return self._occurrences

    def warm(self, today: date) -> None:
        """Materialise the occurrence months around ``today`` before the first question."""
        self._occurrences.warm(*_near(today))

    def __init__(
        self,
        catalogue: Catalogue,
        occurrences: OccurrenceIndex,
        terms: TermIndex | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.zone = ZoneInfo(catalogue.timezone)
        self._occurrences = occurrences
        self._terms = terms
        self._serves = {
            network.id: frozenset(_fold(m) for m in network.municipalities)
            for network in catalogue.networks
        }
        self._all: frozenset[ActivityId] = frozenset(a.id for a in catalogue.activities)
        self._ongoing = frozenset(a.id for a in catalogue.activities if a.is_ongoing)
        self._for_organisations_only = frozenset(
            a.id for a in catalogue.activities if set(a.audiences) == {"organisations"}
        )
        # Gathered in lists and frozen once: building sets and then copying them into
        # frozensets held both at once, and left ~25 MiB of freed tables to the process at
        # 100,000 activities (freezing drops any repeat).
        by_kind: dict[str, list[ActivityId]] = defaultdict(list)
        by_class: dict[str, list[ActivityId]] = defaultdict(list)
        by_audience: dict[str, list[ActivityId]] = defaultdict(list)
        by_language: dict[str, list[ActivityId]] = defaultdict(list)
        at_municipality: dict[str, list[ActivityId]] = defaultdict(list)
        placeless_by_network: dict[str, list[ActivityId]] = defaultdict(list)
        for activity in catalogue.activities:
            for kind in activity.kinds:
                by_kind[kind].append(activity.id)
            by_class[activity.klass].append(activity.id)
            for audience in activity.audiences:
                by_audience[audience].append(activity.id)
            for language in activity.spoken_languages:
                by_language[language].append(activity.id)
            place = catalogue.place(activity.place)
            if place is not None and not place.online:
                at_municipality[_fold(place.municipality)].append(activity.id)
            else:
                organisation = catalogue.organisation(activity.organisation)
                for network_id in organisation.networks if organisation else ():
                    placeless_by_network[network_id].append(activity.id)
        self._by_kind = {k: frozenset(v) for k, v in by_kind.items()}
        self._by_class = {k: frozenset(v) for k, v in by_class.items()}
        self._by_audience = {k: frozenset(v) for k, v in by_audience.items()}
        self._by_language = {k: frozenset(v) for k, v in by_language.items()}
        self._at_municipality = {k: frozenset(v) for k, v in at_municipality.items()}
        self._placeless = {k: frozenset(v) for k, v in placeless_by_network.items()}

    # --- scope --------------------------------------------------------------------------

    def networks_serving(self, municipalities: Collection[str]) -> list[str]:
        """Ids of the networks that serve any of ``municipalities``."""
        wanted = {_fold(m) for m in municipalities}
        return [network_id for network_id, served in self._serves.items() if wanted & served]

    def scope(
        self, network_id: str | None, municipalities: Collection[str] = ()
    ) -> frozenset[ActivityId]:
        """Activities in the named municipalities, else in the network, else everywhere."""
        if municipalities:
            names = list(municipalities)
        elif network_id and (network := self.catalogue.network(network_id)) is not None:
            names = list(network.municipalities)
        else:
            return self._all
        ids: set[ActivityId] = set()
        for name in names:
            ids |= self._at_municipality.get(_fold(name), frozenset())
        for serving in self.networks_serving(names):
            ids |= self._placeless.get(serving, frozenset())
        return frozenset(ids)

    # --- constraints --------------------------------------------------------------------

    def _any_of(
        self,
        index: dict[str, frozenset[ActivityId]],
        wanted: Collection[str],
        within: frozenset[ActivityId],
    ) -> frozenset[ActivityId]:
        """The ids ``within`` that have any of the ``wanted`` values.

        Each value's ids are intersected with ``within`` before the union, so a question in
        one network of a national catalogue reads its few ids, not the country's.
        """
        result: set[ActivityId] = set()
        for value in wanted:
            result |= within & index.get(value, frozenset())
        return frozenset(result)

    def constrained(self, query: Query, scope: frozenset[ActivityId]) -> frozenset[ActivityId]:
        """The activities in ``scope`` that satisfy every what/for-whom constraint.

        Two defaults stand in for what a newcomer leaves unsaid: meetings meant only for
        organisations are left out unless asked for, and someone asking how to join or
        volunteer, or for a volunteer friend, is an adult unless they say otherwise, so what
        is open to everyone is offered before (and, when there is any, instead of) what is
        meant for children or young people.
        """
        ids = scope
        if "organisations" not in query.audiences and "network_meeting" not in query.kinds:
            ids -= self._for_organisations_only
        if query.kinds:
            ids = self._any_of(self._by_kind, query.kinds, ids)
        if query.classes:
            ids = self._any_of(self._by_class, query.classes, ids)
        if query.audiences:
            ids = self._any_of(self._by_audience, query.audiences, ids)
        if query.spoken_languages:
            ids = self._any_of(self._by_language, query.spoken_languages, ids)
        if not query.audiences and (
            "recruitment" in query.classes or query.kinds & {"volunteering", "friend_activity"}
        ):
            open_to_all = ids & self._by_audience.get("everyone", frozenset())
            ids = open_to_all or ids
        return ids

    def has_concepts(self, query: Query) -> bool:
        """Whether the query names what or for whom (not only when and where)."""
        return bool(query.kinds or query.classes or query.audiences or query.spoken_languages)

    def term_scores(self, query: Query) -> dict[ActivityId, float]:
        """Direct title/description hits of the query's leftover terms."""
        if self._terms is None or not query.terms:
            return {}
        return self._terms.scores(query.terms, query.language)

    # --- time ---------------------------------------------------------------------------

    def instants(self, window: TimeWindow | None, now: datetime) -> tuple[datetime, datetime]:
        """The aware instants to search: the window's whole local days, or the coming weeks."""
        local_now = now.astimezone(self.zone)
        if window is None:
            return local_now, local_now + timedelta(days=UPCOMING_DAYS)
        start = datetime.combine(window.start, time(), self.zone)
        end = datetime.combine(window.end + timedelta(days=1), time(), self.zone)
        return start, end

    def starts_in(self, occurrence: Occurrence, clock: ClockRange | None) -> bool:
        """Whether the occurrence starts in the clock range asked for ("after 6 pm")."""
        return clock is None or clock.holds(occurrence.start.astimezone(self.zone).time())

    def first_occurrences(
        self,
        ids: frozenset[ActivityId],
        start: datetime,
        end: datetime,
        now: datetime,
        enough: int | None = None,
        clock: ClockRange | None = None,
    ) -> dict[ActivityId, Occurrence]:
        """The first occurrence of each activity starting in ``[start, end)``, not cancelled.

        One still to come (or under way) is preferred; an activity whose sessions in the
        window are all over keeps its last one, so "what was on today" can still be told.
        With ``enough``, stops once that many activities have a session still to come (the
        occurrences arrive in time order, so those are the soonest). With ``clock``, only
        sessions starting in that range of the day count: "after 6 pm" filters, not ranks.
        """
        first: dict[ActivityId, Occurrence] = {}
        over: dict[ActivityId, Occurrence] = {}
        dated = ids - self._ongoing
        if not dated:
            return first

        def visit(occurrence: Occurrence) -> bool:
            if occurrence.cancelled or not self.starts_in(occurrence, clock):
                return True
            if occurrence.end <= now:
                over[occurrence.activity] = occurrence
                return True
            first.setdefault(occurrence.activity, occurrence)
            return enough is None or len(first) < enough

        self._occurrences.scan(start, end, dated, visit, expect=enough)
        for activity_id, occurrence in over.items():
            first.setdefault(activity_id, occurrence)
        return first

    # --- search -------------------------------------------------------------------------

    def search(
        self, query: Query, network_id: str | None, now: datetime, limit: int | None = None
    ) -> Search:
        """The activities that satisfy ``query``, best first, each once (``limit`` at most).

        Best means: not already over, matching the question's own words in title or
        description, dated before ongoing, sooner before later. With no kind or audience
        asked, the question's own words narrow the search to what they name, unless nothing
        they name is on in the window ("relatives are visiting, what is on on Saturday?").
        """
        self._occurrences.keep(*_near(now.astimezone(self.zone).date()))
        scope = self.scope(network_id, query.municipalities)
        ids = self.constrained(query, scope)
        scores = {k: v for k, v in self.term_scores(query).items() if k in ids}
        start, end = self.instants(query.window, now)
        if scores and not self.has_concepts(query):
            # the words narrow the search only when what they name is on in the window
            named = frozenset(scores)
            first = self.first_occurrences(named, start, end, now, None, query.clock)
            ongoing = query.window is None and query.clock is None and bool(named & self._ongoing)
            if first or ongoing:
                ids = named
        first = self.first_occurrences(ids, start, end, now, None if scores else limit, query.clock)
        matches = [Match(self._activity(i), occurrence) for i, occurrence in first.items()]
        if query.window is None and query.clock is None:  # ongoing has no clock time
            matches += [Match(self._activity(i), None) for i in sorted(ids & self._ongoing)]
        matches = _for_whom_named(matches, query)
        never = end + timedelta(days=1)

        def rank(match: Match) -> tuple[bool, float, bool, datetime, str]:
            occurrence = match.occurrence
            finished = occurrence is not None and occurrence.end <= now
            when = occurrence.start if occurrence else never
            score = -scores.get(match.activity.id, 0.0)
            return (finished, score, occurrence is None, when, match.activity.id)

        ranked = sorted(matches, key=rank) if limit is None else nsmallest(limit, matches, rank)
        return Search(tuple(ranked), start, end, query.window is not None)

    def next_occurrence(self, activity_id: ActivityId, now: datetime) -> Occurrence | None:
        """The activity's next occurrence starting from ``now`` that is not cancelled."""
        return self._occurrences.next_for(activity_id, now)

    def _activity(self, activity_id: ActivityId) -> Activity:
        activity = self.catalogue.activity(activity_id)
        assert activity is not None
        return activity


def _near(today: date) -> tuple[date, date]:
    """The days a question without a window searches (from yesterday: what was on), kept cached."""
    return today - timedelta(days=1), today + timedelta(days=UPCOMING_DAYS)


def _for_whom_named(matches: list[Match], query: Query) -> list[Match]:
    """Keep to what is for the audience the message named, when any of the matches is.

    "For families" is searched among children's and families' activities alike (so that an
    answer is found), but a family asking for itself is better served without the children's
    homework club when a family outing is on; "for kids" likewise.
    """
    named = query.named_audiences
    if not named:
        return matches
    precise = [match for match in matches if not named.isdisjoint(match.activity.audiences)]
    return precise or matches
