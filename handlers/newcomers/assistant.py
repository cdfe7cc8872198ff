"""The platform-neutral core: one message in, one reply (text plus actions) out.

Understanding turns text into a :class:`Query`; the matcher finds activities; this module
decides what to say. It never imports a chat library or a database session.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from catalog.matching import Match, Matcher, Search
from catalog.model import Network
from catalog.understanding.query import Query
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker, Translator
from handlers.newcomers.answers import (
    PAGE_SIZE,
    clock_phrase,
    coordinator_text,
    holiday_line,
    holiday_notice,
    match_block,
    results_text,
    window_phrase,
)
from handlers.newcomers.calendar import FeedLinks, calendar_action, titled_calendar_action

#: Longer messages are not questions; they are refused politely and not processed.
MAX_MESSAGE_CHARS = 2000

#: At most this many results are ranked and paged (12 pages on a phone is plenty).
MAX_RESULTS = 60

#: How many alternatives to suggest when nothing matches.
ALTERNATIVES = 3

#: At most this many "no club on Independence Day" lines head an answer.
HOLIDAY_NOTES = 3


class Understander(Protocol):
    """Anything that turns a message into a :class:`Query` (see catalog.understanding)."""

    def understand(
        self,
        text: str,
        *,
        now: datetime,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Query:
        """Understand one message."""


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything the core worked out for one message (the reply and how it got there)."""

    query: Query
    reply: Reply
    search: Search | None = None
    page: int = 0


def clean_text(text: str) -> str:
    """Normalise odd Unicode and drop control characters; keep emoji and combining marks."""
    normalised = unicodedata.normalize("NFC", text)
    return "".join(
        ch
        for ch in normalised
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
    ).strip()


class Assistant:
    """Answers newcomers' questions from one catalogue."""

    def __init__(
        self,
        matcher: Matcher,
        understander: Understander,
        translator: Translator,
        default_language: str = "en",
        calendar: FeedLinks | None = None,
    ) -> None:
        self.matcher = matcher
        self.catalogue = matcher.catalogue
        self.understander = understander
        self.translator = translator
        self.default_language = default_language
        self.calendar = calendar

    def answer(
        self,
        text: str,
        *,
        now: datetime,
        network_id: str | None = None,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Answer:
        """Answer one free-text message."""
        text = clean_text(text)
        if len(text) > MAX_MESSAGE_CHARS or not text:
            language = saved_language or platform_hint or self.default_language
            speaker = self.translator.speaker(language)
            query = Query(language=speaker.language, intent="help")
            message = (
                speaker.gettext("That message is too long for me. Please ask in a few words.")
                if text
                else self.help_text(speaker, None)
            )
            return Answer(query, Reply(message, speaker.language))
        query = self.understander.understand(
            text, now=now, saved_language=saved_language, platform_hint=platform_hint
        )
        speaker = self.translator.speaker(query.language)
        network = self.catalogue.network(network_id) if network_id else None
        if query.intent == "contact":
            return Answer(query, self.contact_reply(speaker, network))
        if query.intent == "help":
            return Answer(query, self.help_reply(speaker, network))
        search = self.matcher.search(query, network_id, now, MAX_RESULTS)
        return Answer(query, self.results_reply(query, search, speaker, network, now, 0), search)

    def page(self, answer: Answer, page: int, now: datetime, network_id: str | None) -> Answer:
        """Another page of an earlier answer's results."""
        if answer.search is None:
            return answer
        speaker = self.translator.speaker(answer.query.language)
        network = self.catalogue.network(network_id) if network_id else None
        last_page = max(0, (len(answer.search.matches) - 1) // PAGE_SIZE)
        page = min(max(page, 0), last_page)
        reply = self.results_reply(answer.query, answer.search, speaker, network, now, page)
        return Answer(answer.query, reply, answer.search, page)

    # --- replies --------------------------------------------------------------------------

    def activity_reply(self, activity_id: str, language: str, now: datetime) -> Reply:
        """One activity in full: next time, place, how to join and its description."""
        speaker = self.translator.speaker(language)
        _ = speaker.gettext
        activity = self.catalogue.activity(activity_id)
        if activity is None:
            return Reply(_("Sorry, that activity is no longer on offer."), speaker.language)
        match = Match(activity, self.matcher.next_occurrence(activity.id, now))
        if match.occurrence is None and not activity.is_ongoing:
            text = localised(activity.title, speaker) + "\n" + _("No upcoming dates right now.")
        else:
            text = match_block(self.catalogue, match, 1, speaker, now).removeprefix("1. ")
        description = localised(activity.description, speaker)
        if description:
            text += "\n\n" + description
        actions = [
            Action(ActionKind.REMIND, _("Remind me"), activity.id),
            # The activity goes with the request, so the coordinator knows what it is about.
            Action(ActionKind.CONTACT, _("Talk to a person"), activity.id),
        ]
        if not activity.is_ongoing:
            actions += filter(None, [calendar_action(self.calendar, activity.id, speaker)])
        return Reply(text, speaker.language, tuple(actions))

    def calendar_actions(self, matches: Sequence[Match], speaker: Speaker) -> list[Action]:
        """"Add to calendar" for each dated activity listed (none where feeds are not served)."""
        found = []
        for match in matches:
            if match.activity.is_ongoing:
                continue
            title = localised(match.activity.title, speaker)
            action = titled_calendar_action(self.calendar, match.activity.id, title, speaker)
            if action is not None:
                found.append(action)
        return found

    def help_text(self, speaker: Speaker, network: Network | None) -> str:
        """What the bot does, with two example questions."""
        _ = speaker.gettext
        return "\n\n".join(
            (
                _(
                    "Hello! I tell you about activities for newcomers near you: language "
                    "clubs, friend activities, sports, groups for women, families and more."
                ),
                _(
                    "Ask me in your own language, for example: “Is there a language club on "
                    "Tuesday?” or “What is on this week?”"
                ),
                coordinator_text(network, speaker),
            )
        )

    def help_reply(self, speaker: Speaker, network: Network | None) -> Reply:
        """Help, plus an offer of a person."""
        actions = (Action(ActionKind.CONTACT, speaker.gettext("Talk to a person")),)
        return Reply(self.help_text(speaker, network), speaker.language, actions)

    def contact_reply(self, speaker: Speaker, network: Network | None) -> Reply:
        """The coordinator's contact, and an offer to pass a message on."""
        _ = speaker.gettext
        text = "\n\n".join(
            (
                _("The coordinator helps with personal matters and questions I cannot answer."),
                coordinator_text(network, speaker),
            )
        )
        actions = (Action(ActionKind.CONTACT, _("Send a message to the coordinator")),)
        return Reply(text, speaker.language, actions)

    def results_reply(
        self,
        query: Query,
        search: Search,
        speaker: Speaker,
        network: Network | None,
        now: datetime,
        page: int,
    ) -> Reply:
        """The results page, or a plain 'nothing' with alternatives and the coordinator."""
        _ = speaker.gettext
        if not search.matches:
            return self.nothing_reply(query, speaker, network, now)
        count = str(len(search.matches))
        if len(search.matches) >= MAX_RESULTS:
            count += "+"
        if query.window is not None:
            when = window_phrase(query.window.start, query.window.end, speaker)
            if query.clock is not None:
                when += ", " + clock_phrase(query.clock, speaker)
            heading = _("Found %(count)s for %(when)s:") % {"count": count, "when": when}
        elif query.clock is not None:
            heading = _("Found %(count)s starting %(time)s. Coming up next:") % {
                "count": count,
                "time": clock_phrase(query.clock, speaker),
            }
        else:
            heading = _("Found %(count)s. Coming up next:") % {"count": count}
        heading = self.holiday_prefix(query, speaker) + heading
        skipped = self.holiday_notes(query, network, search.start, search.end, speaker)
        if skipped:
            heading = skipped + "\n\n" + heading
        text = results_text(self.catalogue, search.matches, speaker, page, heading, now)
        shown = search.matches[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        actions = [Action(ActionKind.REMIND, _("Remind me"), m.activity.id) for m in shown[:1]]
        actions += self.calendar_actions(shown, speaker)
        if (page + 1) * PAGE_SIZE < len(search.matches):
            actions.append(Action(ActionKind.MORE, _("More"), str(page + 1)))
        if query.window is not None:
            actions.append(Action(ActionKind.OTHER_DAY, _("Another day")))
        actions.append(Action(ActionKind.CONTACT, _("Talk to a person")))
        return Reply(text, speaker.language, tuple(actions))

    def alternatives(self, query: Query, network_id: str | None, now: datetime) -> list[Match]:
        """Suggestions when nothing matches: other days, then the user's own area, then further.

        A question about another municipality falls back to the asker's own network first;
        only a question with some what-or-whom constraint looks across every network.
        """
        own_area = replace(query, municipalities=(), clock=None)
        relaxed = [(replace(query, clock=None), network_id)] if query.clock else []
        relaxed.append((replace(query, window=None, clock=None), network_id))
        if query.municipalities and network_id:
            relaxed += [(own_area, network_id), (replace(own_area, window=None), network_id)]
        if self.matcher.has_concepts(query):
            relaxed.append((replace(own_area, window=None), None))
        found: dict[str, Match] = {}
        for candidate, scope in relaxed:
            for match in self.matcher.search(candidate, scope, now, ALTERNATIVES).matches:
                found.setdefault(match.activity.id, match)
                if len(found) >= ALTERNATIVES:
                    return list(found.values())
        return list(found.values())

    def holiday_notes(
        self,
        query: Query,
        network: Network | None,
        start: datetime,
        end: datetime,
        speaker: Speaker,
    ) -> str:
        """Why usual sessions asked about are not on: "No Language café on Independence Day".

        Sessions of the activities the question is about (``holidays: skip``) that fall on a
        public holiday in the searched span, soonest first, at most :data:`HOLIDAY_NOTES`.
        """
        scope = self.matcher.scope(network.id if network else None, query.municipalities)
        ids = self.matcher.constrained(query, scope)
        if not ids:
            return ""
        skipped = [
            occurrence
            for occurrence in self.matcher.occurrences.between(
                start, end, ids, include_cancelled=True
            )
            if occurrence.holiday is not None
        ]
        return "\n".join(
            holiday_notice(self.catalogue, occurrence, speaker)
            for occurrence in skipped[:HOLIDAY_NOTES]
        )

    @staticmethod
    def holiday_prefix(query: Query, speaker: Speaker) -> str:
        """The line saying which day a holiday the user named is, or nothing."""
        line = holiday_line(query.holiday, speaker) if query.holiday else None
        return line + "\n\n" if line else ""

    def outside_notes(
        self, matches: list[Match], query: Query, network: Network | None, speaker: Speaker
    ) -> dict[str, str]:
        """A note for each suggestion outside the area asked about (or the user's own)."""
        asked = self.matcher.scope(network.id if network else None, query.municipalities)
        if network is None and not query.municipalities:
            return {}
        notes: dict[str, str] = {}
        for match in matches:
            if match.activity.id in asked:
                continue
            place = self.catalogue.place(match.activity.place)
            where = place.municipality if place is not None and not place.online else None
            notes[match.activity.id] = (
                speaker.gettext("Outside your area: %(municipality)s") % {"municipality": where}
                if where
                else speaker.gettext("Outside your area")
            )
        return notes

    def nothing_reply(
        self, query: Query, speaker: Speaker, network: Network | None, now: datetime
    ) -> Reply:
        """Say plainly that nothing matches, suggest alternatives, offer the coordinator."""
        _ = speaker.gettext
        parts = [self.holiday_prefix(query, speaker) + _("I found nothing that matches.")]
        start, end = self.matcher.instants(query.window, now)
        skipped = self.holiday_notes(query, network, start, end, speaker)
        if skipped:
            parts.append(skipped)
        suggestions = self.alternatives(query, network.id if network else None, now)
        if suggestions:
            notes = self.outside_notes(suggestions, query, network, speaker)
            heading = _("Maybe one of these:")
            parts.append(results_text(self.catalogue, suggestions, speaker, 0, heading, now, notes))
        parts.append(coordinator_text(network, speaker))
        actions = [
            Action(ActionKind.SHOW, localised(m.activity.title, speaker), m.activity.id)
            for m in suggestions
        ]
        actions.append(Action(ActionKind.CONTACT, _("Talk to a person")))
        actions += self.calendar_actions(suggestions, speaker)
        return Reply("\n\n".join(parts), speaker.language, tuple(actions))
