"""The calendar feeds on the bot's HTTP server, and the same feeds written to a file.

- ``GET /calendar/activity/<id>.ics``: one activity;
- ``GET /calendar/network/<id>.ics``: a network's dated activities, optionally narrowed by
  ``kind``, ``audience`` and ``language`` (spoken there), each repeatable;
- ``GET /calendar/personal/<token>.ics``: everything the token's user gets reminders of.

Every feed takes ``?lang=`` (one of the bot's languages; texts fall back as FORMAT.md says).
The feeds read the live catalogue and the volunteers' changes (:mod:`catalog.ical` builds
them); an unknown id or token is a 404, a bad parameter a 400 with a sentence saying which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.http_server import HttpServer
from catalog.ical import FeedRequest, everything, feed_bytes, horizon_around
from catalog.model import Activity, Catalogue, OccurrenceChange
from catalog.scope import network_activity_ids
from catalog.texts import pick_text
from catalog.vocabulary import AUDIENCES, KINDS, SUPPORTED_LANGUAGES
from handlers.core.events import UserId
from handlers.core.ports import CalendarFeedStore, Clock, ProfileStore, SubscriptionStore
from handlers.newcomers.calendar import ACTIVITY_PATH, NETWORK_PATH, PERSONAL_PATH
from handlers.newcomers.reminder_timing import covered_activities

CONTENT_TYPE = "text/calendar"

Live = Callable[[], tuple[Catalogue, Sequence[OccurrenceChange]]]
"""The current catalogue and volunteers' changes."""


class BadFeedRequestError(ValueError):
    """A parameter the feeds do not know; the message says which, for the reader."""


def feed_language(value: str | None, default: str) -> str:
    """The ``lang`` asked for, or the bot's default language."""
    if value is None or value == "":
        return default
    if value not in SUPPORTED_LANGUAGES:
        known = ", ".join(SUPPORTED_LANGUAGES)
        raise BadFeedRequestError(f"unknown lang {value!r}: use one of {known}")
    return value


def network_activities(
    catalogue: Catalogue,
    network_id: str,
    kinds: Sequence[str] = (),
    audiences: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[Activity] | None:
    """A network's dated activities with any of the kinds, audiences and spoken languages.

    ``None`` for an unknown network; an unknown kind or audience raises.
    """
    network = catalogue.network(network_id)
    if network is None:
        return None
    for value, known, name in ((kinds, KINDS, "kind"), (audiences, AUDIENCES, "audience")):
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise BadFeedRequestError(f"unknown {name} {unknown[0]!r}")
    ids = network_activity_ids(catalogue, network)
    return [
        activity
        for activity in everything(catalogue)
        if activity.id in ids
        and (not kinds or set(activity.kinds) & set(kinds))
        and (not audiences or set(activity.audiences) & set(audiences))
        and (not languages or set(activity.spoken_languages) & set(languages))
    ]


def title_of(text: tuple[tuple[str, str], ...], language: str, fallback: str) -> str:
    """A feed's name from a catalogue text."""
    shown = pick_text(text, language)
    return shown.text if shown is not None else fallback


def write_feed(
    catalogue: Catalogue,
    changes: Sequence[OccurrenceChange],
    network_id: str,
    activity_id: str | None,
    language: str,
    now: datetime,
) -> bytes:
    """The feed ``tarjotin ical`` writes: a network's, or one of its activities'."""
    activities = network_activities(catalogue, network_id)
    if activities is None:
        raise BadFeedRequestError(f"there is no network {network_id!r} in the catalogue")
    network = catalogue.network(network_id)
    assert network is not None
    name = title_of(network.name, language, network_id)
    if activity_id is not None:
        activities = [a for a in activities if a.id == activity_id]
        if not activities:
            raise BadFeedRequestError(
                f"there is no dated activity {activity_id!r} in the network {network_id!r}"
            )
        name = title_of(activities[0].title, language, activity_id)
    request = FeedRequest(name, language, activities, now, horizon_around(now.date()))
    return feed_bytes(catalogue, changes, request)


@dataclass
class CalendarFeeds:
    """The three feed routes over the live catalogue, the subscriptions and the tokens."""

    live: Live
    subscriptions: SubscriptionStore
    profiles: ProfileStore
    tokens: CalendarFeedStore
    clock: Clock
    default_language: str = "en"

    def mount(self, server: HttpServer) -> None:
        """Add the routes (before the server starts)."""
        server.add_route("GET", ACTIVITY_PATH, self.activity)
        server.add_route("GET", NETWORK_PATH, self.network)
        server.add_route("GET", PERSONAL_PATH, self.personal)

    def _feed(self, name: str, language: str, activities: Sequence[Activity]) -> web.Response:
        catalogue, changes = self.live()
        now = self.clock()
        request = FeedRequest(name, language, activities, now, horizon_around(now.date()))
        body = feed_bytes(catalogue, changes, request)
        return web.Response(
            body=body,
            content_type=CONTENT_TYPE,
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=900"},
        )

    async def activity(self, request: web.Request) -> web.StreamResponse:
        """``/calendar/activity/<id>.ics``."""
        catalogue, _ = self.live()
        try:
            language = feed_language(request.query.get("lang"), self.default_language)
        except BadFeedRequestError as error:
            return _bad(str(error))
        activity = catalogue.activity(request.match_info["id"])
        if activity is None:
            return _missing("no such activity")
        return self._feed(title_of(activity.title, language, activity.id), language, [activity])

    async def network(self, request: web.Request) -> web.StreamResponse:
        """``/calendar/network/<id>.ics?kind=&audience=&language=``."""
        catalogue, _ = self.live()
        query = request.query
        try:
            language = feed_language(query.get("lang"), self.default_language)
            activities = network_activities(
                catalogue,
                request.match_info["id"],
                query.getall("kind", []),
                query.getall("audience", []),
                query.getall("language", []),
            )
        except BadFeedRequestError as error:
            return _bad(str(error))
        network = catalogue.network(request.match_info["id"])
        if activities is None or network is None:
            return _missing("no such network")
        return self._feed(title_of(network.name, language, network.id), language, activities)

    async def personal(self, request: web.Request) -> web.StreamResponse:
        """``/calendar/personal/<token>.ics``: the token's user's subscriptions."""
        user = await self.tokens.user_of(request.match_info["token"])
        if user is None:
            return _missing("no such calendar (the link was replaced or deleted)")
        profile = await self.profiles.get(user)
        saved = profile.language if profile is not None else None
        try:
            language = feed_language(request.query.get("lang") or saved, self.default_language)
        except BadFeedRequestError as error:
            return _bad(str(error))
        activities = await self.subscribed(user)
        return self._feed("Tarjotin", language, activities)

    async def subscribed(self, user: UserId) -> list[Activity]:
        """The dated activities the user's subscriptions cover, each once, in catalogue order."""
        catalogue, _ = self.live()
        wanted: set[str] = set()
        for subscription in await self.subscriptions.for_user(user):
            wanted |= set(covered_activities(subscription, catalogue))
        return [activity for activity in everything(catalogue) if activity.id in wanted]


def _bad(message: str) -> web.Response:
    return web.Response(text=message + "\n", status=400)


def _missing(message: str) -> web.Response:
    return web.Response(text=message + "\n", status=404)
