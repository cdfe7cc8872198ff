"""The conversation: one road for every event, whatever channel it came from.

Platform-neutral: adapters (Telegram, Matrix, the terminal) hand in :mod:`handlers.core.events`
values and send back the replies. For each event the conversation loads the sender's
profile, builds the :class:`~handlers.core.turn.Turn`, looks the owner up in the
:class:`~handlers.core.flows.FlowTable` (a command's name, a choice's kind, the user's dialogue,
a deep link's prefix, a coordinator chat) and hands the event to it; text nobody owns is a
question for :class:`~handlers.newcomers.questions.Questions`. Deep-link payloads (``a-<activity>``,
``n-<network>``, ``i-<invite>``) come in as the argument of ``start``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from handlers.core.dialogue import Dialogue
from handlers.core.events import ChatId, Choice, Command, IncomingMessage, Profile, Reply, UserId
from handlers.core.flows import FlowTable
from handlers.core.i18n import Speaker
from handlers.core.languages import resolve_language
from handlers.core.ports import Clock, DialogueStore, ProfileStore
from handlers.core.turn import Turn
from handlers.newcomers.answers import invalid_choice_reply
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.onboarding import intro, language_menu, network_menu
from handlers.newcomers.questions import Questions

log = logging.getLogger(__name__)

#: The command whose argument is a deep-link payload.
START = "start"


class Conversation:
    """Routes each event to the flow that owns it and keeps each user's profile."""

    def __init__(
        self,
        assistant: Callable[[], Assistant],
        profiles: ProfileStore,
        dialogues: DialogueStore,
        clock: Clock,
        flows: FlowTable,
        questions: Questions,
        default_language: str = "en",
    ) -> None:
        self._assistant = assistant
        self.profiles = profiles
        self.dialogues = dialogues
        self.clock = clock
        self.flows = flows
        self.questions = questions
        self.default_language = default_language

    @property
    def assistant(self) -> Assistant:
        """The assistant of the current catalogue version."""
        return self._assistant()

    def speaker(self, language: str | None) -> Speaker:
        """A speaker for ``language`` (the default language when unknown)."""
        return self.assistant.translator.speaker(language or self.default_language)

    async def profile(self, user: UserId) -> Profile:
        """The stored profile, or a fresh unsaved one; a user who writes again is active."""
        profile = await self.profiles.get(user)
        if profile is None:
            return Profile(user)
        if not profile.active:
            profile = replace(profile, active=True)
            await self.profiles.save(profile)
        return profile

    async def turn(
        self,
        user: UserId,
        chat: ChatId,
        hint: str | None,
        *,
        in_group: bool = False,
        sender_name: str | None = None,
    ) -> Turn:
        """The sender's profile and everything else a flow step needs for this event."""
        profile = await self.profile(user)
        language = profile.language or resolve_language(hint, default=self.default_language)
        return Turn(
            profile,
            chat,
            self.speaker(language),
            self.assistant.catalogue,
            self.clock(),
            in_group,
            sender_name,
            hint,
        )

    # --- events -------------------------------------------------------------------------

    async def on_message(self, message: IncomingMessage) -> list[Reply]:
        """Free text: a coordinator chat's, a dialogue's, or else a question."""
        turn = await self.turn(
            message.user,
            message.chat,
            message.language_hint,
            in_group=message.in_group,
            sender_name=message.sender_name,
        )
        if turn.in_group:
            rooms = self.flows.rooms
            if rooms is not None:
                routed = await rooms.on_group_text(turn, message.text, message.reply_to)
                if routed is not None:
                    return routed
        else:
            dialogue = await self.dialogue(turn)
            if dialogue is not None:
                routed = await self.in_dialogue(turn, message.text, dialogue)
                if routed is not None:
                    return routed
        return await self.questions.answer(turn, message.text)

    async def dialogue(self, turn: Turn) -> Dialogue | None:
        """The user's dialogue if it is still current (an expired one is ended)."""
        found = await self.dialogues.get(turn.user)
        if found is not None and found.expired(turn.now):
            await self.dialogues.clear(turn.user)
            return None
        return found

    async def in_dialogue(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply] | None:
        """Text for the dialogue's flow; ``None`` when it is a question after all."""
        owner = self.flows.dialogue(dialogue.flow)
        if owner is None:
            log.warning("dialogue of unknown flow %s ended", dialogue.flow)
            await self.dialogues.clear(turn.user)
            return None
        return await owner.on_text(turn, text, dialogue)

    async def on_command(self, command: Command) -> list[Reply]:
        """A command with its argument; one nobody owns gets the help text."""
        turn = await self.turn(
            command.user, command.chat, command.language_hint, in_group=command.in_group
        )
        name, argument = command.name.lower(), command.argument.strip()
        linked = self.flows.link(argument) if name == START and argument else None
        if linked is not None:
            return await linked.on_link(turn, argument)
        owner = self.flows.command(name)
        if owner is None:
            return [self.questions.help(turn)]
        if owner.spec.ends_dialogue:
            await self.dialogues.clear(turn.user)
        return await owner.flow.on_command(turn, name, argument)

    async def on_choice(self, choice: Choice) -> list[Reply]:
        """A button press or numbered choice; a kind nobody owns changes nothing."""
        turn = await self.turn(
            choice.user, choice.chat, choice.language_hint, sender_name=choice.sender_name
        )
        owner = self.flows.choice(choice.action)
        if owner is None:
            return [self.invalid_choice(turn.speaker)]
        return await owner.on_choice(turn, choice.action, choice.argument)

    async def on_blocked(self, user: UserId) -> None:
        """The user blocked the bot: stop sending them anything."""
        profile = await self.profiles.get(user)
        if profile is not None and profile.active:
            await self.profiles.save(replace(profile, active=False))

    async def awaits_text(self, user: UserId) -> bool:
        """Whether a dialogue waits for the user's next text (a flood never coalesces it)."""
        return await self.dialogues.get(user) is not None

    # --- replies the adapters ask for ---------------------------------------------------

    async def busy(self, user: UserId, hint: str | None) -> Reply:
        """The one notice to a user whose messages arrive faster than they can be answered."""
        profile = await self.profile(user)
        speaker = self.speaker(profile.language or resolve_language(hint))
        return Reply(
            speaker.gettext(
                "Please wait a moment: I am still answering your earlier messages. "
                "If you sent several questions, I will answer the latest one."
            ),
            speaker.language,
        )

    def invalid_choice(self, speaker: Speaker) -> Reply:
        """The polite answer to a stale, forged or unknown choice; nothing changes."""
        return invalid_choice_reply(speaker)

    def unsupported(self, profile_language: str | None, hint: str | None) -> Reply:
        """The answer to stickers, voice messages, photos and locations."""
        speaker = self.speaker(profile_language or resolve_language(hint))
        return Reply(
            speaker.gettext(
                "I can only read text. Please write your question, for example: "
                "“What is on this week?”"
            ),
            speaker.language,
        )

    def language_menu(self, speaker: Speaker) -> Reply:
        """Choose a language (see :func:`handlers.newcomers.onboarding.language_menu`)."""
        return language_menu(speaker)

    def network_menu(self, speaker: Speaker) -> Reply:
        """Choose a municipality of the current catalogue."""
        return network_menu(self.assistant.catalogue, speaker)

    def intro(self, speaker: Speaker) -> Reply:
        """The screen after onboarding: what the bot does and stores."""
        return intro(speaker)
