"""Onboarding: choosing a language and a municipality, and the one screen about privacy.

``/start`` (with an optional deep link ``a-<activity>`` or ``n-<network>``), ``/language`` and
``/place`` and their choices. A question asked before the municipality is known waits in the
profile and is answered by :class:`~handlers.newcomers.questions.Questions` once it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from catalog.model import Catalogue
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.events import Action, ActionKind, Profile, Reply
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker
from handlers.core.languages import NATIVE_NAMES
from handlers.core.ports import ProfileStore
from handlers.core.turn import Turn
from handlers.newcomers.answers import invalid_choice_reply

ACTIVITY_LINK = "a-"
NETWORK_LINK = "n-"


def language_menu(speaker: Speaker) -> Reply:
    """Choose a language; every option is named in its own language."""
    actions = tuple(
        Action(ActionKind.CHOOSE_LANGUAGE, NATIVE_NAMES[code], code) for code in SUPPORTED_LANGUAGES
    )
    text = speaker.gettext("Choose your language.")
    if speaker.language != "en":
        text += "\nChoose your language."
    return Reply(text, speaker.language, actions)


def network_menu(catalogue: Catalogue, speaker: Speaker) -> Reply:
    """Choose the municipality (network) the user lives in."""
    actions = tuple(
        Action(ActionKind.CHOOSE_NETWORK, localised(n.name, speaker, say_language=False), n.id)
        for n in catalogue.networks
    )
    return Reply(speaker.gettext("Where do you live?"), speaker.language, actions)


def intro(speaker: Speaker) -> Reply:
    """One short screen: what the bot does, what it stores, how to delete it."""
    _ = speaker.gettext
    text = "\n\n".join(
        (
            _(
                "I tell you about activities for newcomers near you. Ask me anything, "
                "in your own words and language."
            ),
            _(
                "I store only your language and your municipality, what you subscribe to, "
                "and messages you ask me to pass on to a person. I do not keep your "
                "questions after answering them."
            ),
            _("Use /mydata to see what is stored and /forget to delete it."),
        )
    )
    return Reply(text, speaker.language)


class PendingAnswers(Protocol):
    """What onboarding needs of the questions: answering what waited for it."""

    async def answer_pending(self, turn: Turn, profile: Profile, pending: str) -> Reply:
        """The answer to a question (or an ``a-<activity>`` link) asked before onboarding."""


class Onboarding(FlowBase):
    """Language, municipality, and whatever was waiting for them."""

    declaration = FlowDeclaration(
        "onboarding",
        commands=(
            CommandSpec("start", N_("Start: choose language and municipality")),
            CommandSpec("language", N_("Change language")),
            CommandSpec("place", N_("Change municipality")),
        ),
        choices=frozenset({ActionKind.CHOOSE_LANGUAGE, ActionKind.CHOOSE_NETWORK}),
        links=(ACTIVITY_LINK, NETWORK_LINK),
    )

    def __init__(
        self,
        profiles: ProfileStore,
        questions: PendingAnswers,
        speakers: Callable[[str | None], Speaker],
    ) -> None:
        self.profiles = profiles
        self.questions = questions
        self.speakers = speakers

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/start`` (a payload no flow claims is ignored), ``/language [code]``, ``/place``."""
        if name == "start":
            return await self.start(turn, turn.profile)
        kind = ActionKind.CHOOSE_LANGUAGE if name == "language" else ActionKind.CHOOSE_NETWORK
        if argument:
            return await self.on_choice(turn, kind, argument)
        if kind is ActionKind.CHOOSE_LANGUAGE:
            return [language_menu(turn.speaker)]
        return [network_menu(turn.catalogue, turn.speaker)]

    async def on_link(self, turn: Turn, payload: str) -> list[Reply]:
        """``/start n-<network>`` sets the place; ``/start a-<activity>`` shows it after."""
        profile = turn.profile
        network = payload.removeprefix(NETWORK_LINK)
        activity = payload.removeprefix(ACTIVITY_LINK)
        if payload.startswith(NETWORK_LINK) and turn.catalogue.network(network):
            profile = replace(profile, network=network)
        elif payload.startswith(ACTIVITY_LINK) and turn.catalogue.activity(activity):
            profile = replace(profile, pending=payload)
        return await self.start(turn, profile)

    async def start(self, turn: Turn, profile: Profile) -> list[Reply]:
        """Save what the start brought, then ask for what is still missing."""
        await self.profiles.save(profile)
        if profile.language is None:
            return [language_menu(turn.speaker)]
        return await self.continue_onboarding(turn, profile)

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """A language or a municipality was chosen."""
        profile = turn.profile
        if kind is ActionKind.CHOOSE_LANGUAGE:
            if not argument:
                return [language_menu(turn.speaker)]
            if argument not in SUPPORTED_LANGUAGES:
                return [invalid_choice_reply(turn.speaker)]
            profile = replace(profile, language=argument)
        else:
            if turn.catalogue.network(argument) is None:
                return [invalid_choice_reply(turn.speaker)]
            profile = replace(profile, network=argument)
        await self.profiles.save(profile)
        return await self.continue_onboarding(turn, profile)

    async def continue_onboarding(self, turn: Turn, profile: Profile) -> list[Reply]:
        """Ask for what is still missing, then answer whatever was waiting."""
        speaker = self.speakers(profile.language)
        if profile.network is None:
            return [network_menu(turn.catalogue, speaker)]
        pending = profile.pending
        if pending is None:
            return [intro(speaker)]
        profile = replace(profile, pending=None)
        await self.profiles.save(profile)
        if not pending:
            return [intro(speaker)]
        turn = replace(turn, speaker=speaker)
        return [await self.questions.answer_pending(turn, profile, pending)]
