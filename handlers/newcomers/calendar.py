"""Calendar links: "Add to calendar" under activities, and ``/calendar`` for a personal feed.

The feeds themselves are served by the bot's HTTP server (``bot/calendar_feeds.py``) at the
paths below, under the public address the deployment sets (``TARJOTIN_PUBLIC_URL``); without
one, no link is offered and ``/calendar`` says so. The personal feed holds everything the user
gets reminders of; its secret token is renewed by every ``/calendar`` (the old link stops
working) and deleted by ``/forget``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from handlers.core.events import Action, ActionKind, Reply
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.i18n import Speaker
from handlers.core.ports import CalendarFeedStore, Clock
from handlers.core.turn import Turn

ACTIVITY_PATH = "/calendar/activity/{id}.ics"
NETWORK_PATH = "/calendar/network/{id}.ics"
PERSONAL_PATH = "/calendar/personal/{token}.ics"


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """The public addresses of the feeds, in the reader's language (``?lang=``)."""

    base_url: str

    def _url(self, path: str, language: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}?lang={quote(language)}"

    def activity(self, activity_id: str, language: str) -> str:
        """One activity's feed."""
        return self._url(ACTIVITY_PATH.format(id=quote(activity_id)), language)

    def network(self, network_id: str, language: str) -> str:
        """A whole network's feed."""
        return self._url(NETWORK_PATH.format(id=quote(network_id)), language)

    def personal(self, token: str, language: str) -> str:
        """A user's own feed."""
        return self._url(PERSONAL_PATH.format(token=quote(token)), language)


def calendar_action(links: FeedLinks | None, activity_id: str, speaker: Speaker) -> Action | None:
    """The "Add to calendar" link of one activity (``None`` where feeds are not served)."""
    if links is None:
        return None
    label = speaker.gettext("Add to calendar")
    return Action(ActionKind.LINK, label, links.activity(activity_id, speaker.language))


def titled_calendar_action(
    links: FeedLinks | None, activity_id: str, title: str, speaker: Speaker
) -> Action | None:
    """The titled "Add to calendar" link, for a reply that lists several activities."""
    if links is None:
        return None
    label = speaker.gettext("Add to calendar: %(title)s") % {"title": title}
    return Action(ActionKind.LINK, label, links.activity(activity_id, speaker.language))


class CalendarFlow(FlowBase):
    """``/calendar``: a new link to the user's personal feed (the old one stops working)."""

    declaration = FlowDeclaration(
        "calendar",
        commands=(CommandSpec("calendar", N_("Your calendar link"), in_groups=False),),
    )

    def __init__(self, feeds: CalendarFeedStore, links: FeedLinks | None, clock: Clock) -> None:
        self.feeds = feeds
        self.links = links
        self.clock = clock

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """Renew the user's token and give the link, or say that calendars are not served."""
        speaker = turn.speaker
        _ = speaker.gettext
        if self.links is None:
            text = _("Calendar links are not available here. Ask the coordinator.")
            return [Reply(text, speaker.language)]
        token = await self.feeds.renew(turn.user, self.clock())
        url = self.links.personal(token, speaker.language)
        text = "\n\n".join(
            (
                _(
                    "Your own calendar: everything you get reminders of. Add this link to "
                    "your phone's calendar as a subscription:"
                ),
                url,
                _(
                    "Keep the link to yourself. /calendar gives a new link and the old one "
                    "stops working; /forget deletes it."
                ),
            )
        )
        action = Action(ActionKind.LINK, _("Add to calendar"), url)
        return [Reply(text, speaker.language, (action,))]
