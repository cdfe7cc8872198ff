"""Questions: what the conversation falls back to for any text no other flow owns.

Answers free text through the :class:`~handlers.newcomers.assistant.Assistant`, pages through the
last
answer (*More*), shows one activity, and answers ``/help`` (and any unknown command). A
question before the municipality is known is kept in the profile and answered after
onboarding. "I want to talk to a person" starts a contact request; "remind me about the
language club" subscribes to the best match.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from handlers.core.events import Action, ActionKind, Profile, Reply, UserId
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.i18n import Speaker
from handlers.core.languages import NATIVE_NAMES
from handlers.core.numbers import ascii_number
from handlers.core.ports import Clock, ProfileStore
from handlers.core.turn import Turn
from handlers.newcomers.answers import invalid_choice_reply
from handlers.newcomers.assistant import Answer, Assistant, clean_text
from handlers.newcomers.demand import DemandTally, fact_of, feedback_actions
from handlers.newcomers.onboarding import ACTIVITY_LINK, network_menu

#: How many users' last answers are kept for paging (memory only; a restart asks again).
REMEMBERED_ANSWERS = 10_000


class ContactStarter(Protocol):
    """Starting a contact request, for a question that asks for a person."""

    async def start(self, turn: Turn, activity: str | None) -> list[Reply]:
        """Begin a contact request."""


class RemindAsked(Protocol):
    """Subscribing to what a question found, for a question that asks for a reminder."""

    async def remind_asked(self, turn: Turn, answer: Answer) -> list[Reply]:
        """Subscribe to the best match of ``answer`` (nothing when it found none)."""


class Questions(FlowBase):
    """Answers questions, pages, shows activities; the fallback of the conversation."""

    declaration = FlowDeclaration(
        "questions",
        commands=(CommandSpec("help", N_("What I can do")),),
        choices=frozenset({ActionKind.MORE, ActionKind.SHOW, ActionKind.OTHER_DAY}),
    )

    def __init__(
        self,
        assistant: Callable[[], Assistant],
        profiles: ProfileStore,
        contact: ContactStarter,
        reminders: RemindAsked,
        clock: Clock,
        tally: DemandTally | None = None,
    ) -> None:
        self._assistant = assistant
        self.tally = tally
        self.profiles = profiles
        self.contact = contact
        self.reminders = reminders
        self.clock = clock
        self._answers: OrderedDict[UserId, Answer] = OrderedDict()

    @property
    def assistant(self) -> Assistant:
        """The assistant of the current catalogue version."""
        return self._assistant()

    # --- the flow table's entry points ------------------------------------------------------

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/help``, and any command nobody owns."""
        return [self.help(turn)]

    def help(self, turn: Turn) -> Reply:
        """What the bot can do, with the user's coordinator."""
        network = turn.catalogue.network(turn.profile.network or "")
        return self.assistant.help_reply(turn.speaker, network)

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """*More*, an activity's details, or *Another day*."""
        speaker = turn.speaker
        if kind is ActionKind.MORE:
            return [self.more(turn.profile, argument, speaker)]
        if kind is ActionKind.SHOW:
            if turn.catalogue.activity(argument) is None:
                return [invalid_choice_reply(speaker)]
            return [self.assistant.activity_reply(argument, speaker.language, self.clock())]
        text = speaker.gettext("Which day? For example: tomorrow, Saturday, next week.")
        return [Reply(text, speaker.language)]

    # --- questions --------------------------------------------------------------------------

    async def answer(self, turn: Turn, text: str) -> list[Reply]:
        """A free-text question; onboarding first when the municipality is unknown."""
        profile = turn.profile
        if profile.network is None:
            return await self.before_onboarding(turn, text)
        answer = self.assistant.answer(
            text,
            now=self.clock(),
            network_id=profile.network,
            saved_language=profile.language,
            platform_hint=turn.hint,
        )
        await self.count(turn, profile.network, answer)
        if answer.query.intent == "contact" and not turn.in_group:
            return await self.contact.start(turn, None)
        self.remember(profile.user, answer)
        replies = [self.with_feedback(answer, turn)]
        if profile.language is None:
            profile = replace(profile, language=answer.query.language)
            await self.profiles.save(profile)
        if answer.query.remind:
            replies += await self.reminders.remind_asked(replace(turn, profile=profile), answer)
        return replies

    async def before_onboarding(self, turn: Turn, text: str) -> list[Reply]:
        """Keep the question, read only its language, and ask where the user lives."""
        profile = turn.profile
        query = self.assistant.understander.understand(
            clean_text(text),
            now=self.clock(),
            saved_language=profile.language,
            platform_hint=turn.hint,
        )
        language = profile.language or query.language
        await self.profiles.save(replace(profile, language=language, pending=text))
        speaker = self.assistant.translator.speaker(language)
        menu = network_menu(turn.catalogue, speaker)
        confirm = speaker.gettext("I will answer in %(language)s.") % {
            "language": NATIVE_NAMES[speaker.language]
        }
        change = Action(ActionKind.CHOOSE_LANGUAGE, speaker.gettext("Change language"))
        return [replace(menu, text=f"{confirm}\n{menu.text}", actions=(*menu.actions, change))]

    async def answer_pending(self, turn: Turn, profile: Profile, pending: str) -> Reply:
        """The answer to what waited for onboarding: a question or an ``a-<activity>`` link."""
        if pending.startswith(ACTIVITY_LINK):
            activity = pending.removeprefix(ACTIVITY_LINK)
            return self.assistant.activity_reply(activity, turn.speaker.language, self.clock())
        answer = self.assistant.answer(
            pending,
            now=self.clock(),
            network_id=profile.network,
            saved_language=profile.language,
        )
        if profile.network is not None:
            await self.count(turn, profile.network, answer)
        self.remember(profile.user, answer)
        return self.with_feedback(answer, turn)

    # --- what newcomers ask for, counted anonymously ------------------------------------------

    async def count(self, turn: Turn, network: str, answer: Answer) -> None:
        """Add the question's facts (never its text or its asker) to the day's counters."""
        if self.tally is None:
            return
        found = answer.search is not None and bool(answer.search.matches)
        await self.tally.asked(turn, fact_of(answer.query, network, found))

    def with_feedback(self, answer: Answer, turn: Turn) -> Reply:
        """An answer about activities, with "Was this useful? 👍 / 👎" under it."""
        if self.tally is None or answer.search is None or turn.in_group:
            return answer.reply
        speaker = self.assistant.translator.speaker(answer.reply.language)
        return replace(answer.reply, actions=(*answer.reply.actions, *feedback_actions(speaker)))

    # --- paging -----------------------------------------------------------------------------

    def more(self, profile: Profile, argument: str, speaker: Speaker) -> Reply:
        """The next page of the user's last answer."""
        answer = self._answers.get(profile.user)
        page = ascii_number(argument)
        if answer is None or page is None:
            return Reply(
                speaker.gettext("That list has expired. Please ask again."), speaker.language
            )
        answer = self.assistant.page(answer, page, self.clock(), profile.network)
        self.remember(profile.user, answer)
        return answer.reply

    def remember(self, user: UserId, answer: Answer) -> None:
        """Keep the user's last answer for *More* (the oldest users' are dropped)."""
        self._answers[user] = answer
        self._answers.move_to_end(user)
        while len(self._answers) > REMEMBERED_ANSWERS:
            self._answers.popitem(last=False)

    def forget(self, user: UserId) -> None:
        """Drop the user's last answer (they deleted their data)."""
        self._answers.pop(user, None)
        if self.tally is not None:
            self.tally.forget(user)
