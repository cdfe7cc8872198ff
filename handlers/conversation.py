"""The conversation around the questions: onboarding, commands, choices, paging, data rights.

Platform-neutral: adapters hand in :mod:`handlers.events` values and send back the replies.
Deep-link payloads (``a-<activity>``, ``n-<network>``) come in as the argument of ``start``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from catalog.vocabulary import KINDS, SUPPORTED_LANGUAGES
from handlers.answers import invalid_choice_reply
from handlers.assistant import Answer, Assistant, clean_text
from handlers.data_rights import DataRights, my_data_reply
from handlers.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Profile,
    Reply,
    UserId,
)
from handlers.formatting import localised
from handlers.i18n import Speaker
from handlers.languages import NATIVE_NAMES, resolve_language
from handlers.ports import Clock, ProfileStore
from handlers.reminders import KIND_ARGUMENT, Reminders
from handlers.routing import PeopleRouter
from handlers.turn import Turn

ACTIVITY_LINK = "a-"
NETWORK_LINK = "n-"

#: How many users' last answers are kept for paging (memory only; a restart asks again).
REMEMBERED_ANSWERS = 10_000

COMMANDS = ("start", "help", "language", "place", "contact", "join", "mydata", "forget")

#: Commands of coordinators, organisers and volunteers: accepted everywhere (coordinator chats
#: included) but kept out of the menu every newcomer sees.
STAFF_COMMANDS = ("volunteer", "invite", "roles", "requests", "close", "reply")

#: Handled when reminders are wired in; joins :data:`COMMANDS` once every adapter describes them.
REMINDER_COMMANDS = ("remind", "reminders")

_REMINDER_CHOICES = frozenset(
    {ActionKind.REMIND, ActionKind.STOP_REMINDERS, ActionKind.REMINDER_TIMES}
)


class Conversation:
    """Routes events to the assistant and keeps each user's profile."""

    def __init__(
        self,
        assistant: Callable[[], Assistant],
        profiles: ProfileStore,
        clock: Clock,
        default_language: str = "en",
        reminders: Reminders | None = None,
        people: PeopleRouter | None = None,
        data_rights: DataRights | None = None,
    ) -> None:
        self._assistant = assistant
        self.reminders = reminders
        self.people = people
        self.data_rights = data_rights
        self.profiles = profiles
        self.clock = clock
        self.default_language = default_language
        self._answers: OrderedDict[UserId, Answer] = OrderedDict()

    @property
    def assistant(self) -> Assistant:
        """The assistant of the current catalogue version."""
        return self._assistant()

    def speaker(self, language: str | None) -> Speaker:
        """A speaker for ``language`` (the default language when unknown)."""
        return self.assistant.translator.speaker(language or self.default_language)

    def turn(
        self,
        profile: Profile,
        chat: ChatId,
        hint: str | None,
        *,
        in_group: bool = False,
        sender_name: str | None = None,
    ) -> Turn:
        """The context a flow step gets for this event."""
        return Turn(
            profile,
            chat,
            self.speaker(profile.language or resolve_language(hint)),
            self.assistant.catalogue,
            self.clock(),
            in_group,
            sender_name,
        )

    async def profile(self, user: UserId) -> Profile:
        """The stored profile, or a fresh unsaved one; a user who writes again is active."""
        profile = await self.profiles.get(user)
        if profile is None:
            return Profile(user)
        if not profile.active:
            profile = replace(profile, active=True)
            await self.profiles.save(profile)
        return profile

    # --- menus --------------------------------------------------------------------------

    def language_menu(self, speaker: Speaker) -> Reply:
        """Choose a language; every option is named in its own language."""
        actions = tuple(
            Action(ActionKind.CHOOSE_LANGUAGE, NATIVE_NAMES[code], code)
            for code in SUPPORTED_LANGUAGES
        )
        text = speaker.gettext("Choose your language.")
        if speaker.language != "en":
            text += "\nChoose your language."
        return Reply(text, speaker.language, actions)

    def network_menu(self, speaker: Speaker) -> Reply:
        """Choose the municipality (network) the user lives in."""
        networks = self.assistant.catalogue.networks
        actions = tuple(
            Action(ActionKind.CHOOSE_NETWORK, localised(n.name, speaker, say_language=False), n.id)
            for n in networks
        )
        return Reply(speaker.gettext("Where do you live?"), speaker.language, actions)

    def intro(self, speaker: Speaker) -> Reply:
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

    # --- events -------------------------------------------------------------------------

    def offerable(self, replies: list[Reply]) -> list[Reply]:
        """Drop choices this conversation cannot carry out (Remind me, without reminders)."""
        if self.reminders is not None:
            return replies
        return [
            replace(r, actions=tuple(a for a in r.actions if a.kind is not ActionKind.REMIND))
            for r in replies
        ]

    async def on_message(self, message: IncomingMessage) -> list[Reply]:
        """A free-text message: answer it, onboarding first when the network is unknown."""
        return self.offerable(await self._on_message(message))

    async def on_command(self, command: Command) -> list[Reply]:
        """A command (see :data:`COMMANDS`), with its argument."""
        return self.offerable(await self._on_command(command))

    async def on_choice(self, choice: Choice) -> list[Reply]:
        """A button press or numbered choice."""
        return self.offerable(await self._on_choice(choice))

    async def _on_message(self, message: IncomingMessage) -> list[Reply]:
        """A free-text message: answer it, onboarding first when the network is unknown."""
        profile = await self.profile(message.user)
        turn = self.turn(
            profile,
            message.chat,
            message.language_hint,
            in_group=message.in_group,
            sender_name=message.sender_name,
        )
        if self.people is not None:
            routed = await self.people.on_text(turn, message.text, message.reply_to)
            if routed is not None:
                return routed
        if profile.network is None:
            # Only the language is needed now; the question is answered once a place is known.
            query = self.assistant.understander.understand(
                clean_text(message.text),
                now=self.clock(),
                saved_language=profile.language,
                platform_hint=message.language_hint,
            )
            language = profile.language or query.language
            await self.profiles.save(replace(profile, language=language, pending=message.text))
            speaker = self.speaker(language)
            menu = self.network_menu(speaker)
            confirm = speaker.gettext("I will answer in %(language)s.") % {
                "language": NATIVE_NAMES[speaker.language]
            }
            change = Action(ActionKind.CHOOSE_LANGUAGE, speaker.gettext("Change language"))
            return [replace(menu, text=f"{confirm}\n{menu.text}", actions=(*menu.actions, change))]
        answer = self.assistant.answer(
            message.text,
            now=self.clock(),
            network_id=profile.network,
            saved_language=profile.language,
            platform_hint=message.language_hint,
        )
        if answer.query.intent == "contact" and self.people is not None and not message.in_group:
            return await self.people.contact_asked(turn)
        self._remember(message.user, answer)
        replies = [answer.reply]
        if profile.language is None:
            profile = replace(profile, language=answer.query.language)
            await self.profiles.save(profile)
        if answer.query.remind and self.reminders is not None and answer.search is not None:
            replies += await self.remind_asked(profile, message.chat, answer)
        return replies

    async def remind_asked(self, profile: Profile, chat: ChatId, answer: Answer) -> list[Reply]:
        """'Remind me about the language club': subscribe to the best match it found.

        With no match, the answer already says so; nothing is subscribed.
        """
        if self.reminders is None or answer.search is None or not answer.search.matches:
            return []
        best = answer.search.matches[0].activity.id
        speaker = self.speaker(answer.query.language)
        catalogue = self.assistant.catalogue
        confirmation = await self.reminders.subscribe(profile, chat, best, catalogue, speaker)
        if len(answer.query.kinds) == 1:  # offer the whole kind, e.g. every language club
            [kind] = answer.query.kinds
            every = Action(
                ActionKind.REMIND,
                speaker.gettext("All activities of this kind"),
                f"{KIND_ARGUMENT}{kind}",
            )
            confirmation = replace(confirmation, actions=(*confirmation.actions, every))
        return [confirmation]

    async def _on_command(self, command: Command) -> list[Reply]:
        """``start``, ``help``, ``language``, ``place``, ``contact``, ``mydata``, ``forget``."""
        profile = await self.profile(command.user)
        speaker = self.speaker(profile.language or resolve_language(command.language_hint))
        name = command.name.lower()
        argument = command.argument.strip()
        if self.people is not None:
            turn = self.turn(
                profile, command.chat, command.language_hint, in_group=command.in_group
            )
            routed = (
                await self.people.on_start(turn, argument)
                if name == "start"
                else await self.people.on_command(turn, name, argument)
            )
            if routed is not None:
                return routed
        if name == "start":
            return await self.start(profile, command)
        if name == "language":
            if argument:
                choice = Choice(command.user, command.chat, ActionKind.CHOOSE_LANGUAGE, argument)
                return await self.on_choice(choice)
            return [self.language_menu(speaker)]
        if name == "place":
            if argument:
                choice = Choice(command.user, command.chat, ActionKind.CHOOSE_NETWORK, argument)
                return await self.on_choice(choice)
            return [self.network_menu(speaker)]
        if name == "contact":
            network = self.assistant.catalogue.network(profile.network or "")
            return [self.assistant.contact_reply(speaker, network)]
        if name == "mydata":
            if self.data_rights is not None:
                data = await self.data_rights.data_of(profile.user)
                return [my_data_reply(data, self.assistant.catalogue, speaker)]
            return [self.my_data(profile, speaker)]
        if name in REMINDER_COMMANDS:
            return [await self.on_reminder_command(profile, command, speaker)]
        if name == "forget":
            _ = speaker.gettext
            actions = (
                Action(ActionKind.CONFIRM_FORGET, _("Yes, delete everything")),
                Action(ActionKind.CANCEL, _("No, keep it")),
            )
            return [Reply(_("Delete everything I know about you?"), speaker.language, actions)]
        network = self.assistant.catalogue.network(profile.network or "")
        return [self.assistant.help_reply(speaker, network)]

    async def start(self, profile: Profile, command: Command) -> list[Reply]:
        """``/start`` with an optional deep-link payload."""
        payload = command.argument.strip()
        catalogue = self.assistant.catalogue
        if payload.startswith(NETWORK_LINK) and catalogue.network(payload[2:]):
            profile = replace(profile, network=payload[2:])
        elif payload.startswith(ACTIVITY_LINK) and catalogue.activity(payload[2:]):
            profile = replace(profile, pending=payload)
        await self.profiles.save(profile)
        if profile.language is None:
            hinted = resolve_language(command.language_hint, default=self.default_language)
            return [self.language_menu(self.speaker(hinted))]
        return await self.continue_onboarding(profile)

    async def continue_onboarding(self, profile: Profile) -> list[Reply]:
        """Ask for what is still missing, then answer whatever was waiting."""
        speaker = self.speaker(profile.language)
        if profile.network is None:
            return [self.network_menu(speaker)]
        replies: list[Reply] = []
        pending = profile.pending
        if pending is not None:
            await self.profiles.save(replace(profile, pending=None))
        if pending and pending.startswith(ACTIVITY_LINK):
            replies.append(
                self.assistant.activity_reply(pending[2:], speaker.language, self.clock())
            )
        elif pending:
            answer = self.assistant.answer(
                pending,
                now=self.clock(),
                network_id=profile.network,
                saved_language=profile.language,
            )
            self._remember(profile.user, answer)
            replies.append(answer.reply)
        else:
            replies.append(self.intro(speaker))
        return replies

    async def _on_choice(self, choice: Choice) -> list[Reply]:
        """A button press or numbered choice."""
        profile = await self.profile(choice.user)
        speaker = self.speaker(profile.language or resolve_language(choice.language_hint))
        _ = speaker.gettext
        if self.people is not None:
            turn = self.turn(
                profile, choice.chat, choice.language_hint, sender_name=choice.sender_name
            )
            routed = await self.people.on_choice(turn, choice.action, choice.argument)
            if routed is not None:
                return routed
        if choice.action is ActionKind.CHOOSE_LANGUAGE:
            if not choice.argument:
                return [self.language_menu(speaker)]
            if choice.argument not in SUPPORTED_LANGUAGES:
                return [self.invalid_choice(speaker)]
            profile = replace(profile, language=choice.argument)
            await self.profiles.save(profile)
            return await self.continue_onboarding(profile)
        if choice.action is ActionKind.CHOOSE_NETWORK:
            if self.assistant.catalogue.network(choice.argument) is None:
                return [self.invalid_choice(speaker)]
            profile = replace(profile, network=choice.argument)
            await self.profiles.save(profile)
            return await self.continue_onboarding(profile)
        if choice.action is ActionKind.MORE:
            return [self.more(profile, choice.argument, speaker)]
        if choice.action is ActionKind.SHOW:
            if self.assistant.catalogue.activity(choice.argument) is None:
                return [self.invalid_choice(speaker)]
            return [self.assistant.activity_reply(choice.argument, speaker.language, self.clock())]
        if choice.action is ActionKind.OTHER_DAY:
            return [
                Reply(_("Which day? For example: tomorrow, Saturday, next week."), speaker.language)
            ]
        if choice.action is ActionKind.CONTACT:
            network = self.assistant.catalogue.network(profile.network or "")
            return [self.assistant.contact_reply(speaker, network)]
        if choice.action in _REMINDER_CHOICES:
            return [await self.on_reminder_choice(profile, choice, speaker)]
        if choice.action is ActionKind.CONFIRM_FORGET:
            if self.reminders is not None:
                await self.reminders.forget(profile)
            if self.data_rights is not None:
                await self.data_rights.forget(profile.user)
            await self.profiles.delete(profile.user)
            self._answers.pop(profile.user, None)
            return [Reply(_("Done. I deleted everything I knew about you."), speaker.language)]
        if choice.action is ActionKind.CANCEL:
            return [Reply(_("OK, nothing was changed."), speaker.language)]
        return [self.invalid_choice(speaker)]

    # --- reminders (delegated to handlers.reminders) ----------------------------------------

    def reminders_unavailable(self, speaker: Speaker) -> Reply:
        """The answer to a reminder request where reminders are not wired (e.g. terminal)."""
        return Reply(speaker.gettext("Reminders are not available here."), speaker.language)

    async def on_reminder_command(
        self, profile: Profile, command: Command, speaker: Speaker
    ) -> Reply:
        """``/remind <activity or kind>`` subscribes; ``/reminders`` or a bare ``/remind`` lists."""
        if self.reminders is None:
            return self.reminders_unavailable(speaker)
        catalogue = self.assistant.catalogue
        argument = command.argument.strip()
        if command.name.lower() == "remind" and argument:
            if argument in KINDS:
                argument = KIND_ARGUMENT + argument
            return await self.reminders.subscribe(
                profile, command.chat, argument, catalogue, speaker
            )
        return await self.reminders.listing(profile, catalogue, speaker)

    async def on_reminder_choice(self, profile: Profile, choice: Choice, speaker: Speaker) -> Reply:
        """``REMIND``, ``STOP_REMINDERS`` and ``REMINDER_TIMES`` choices."""
        if self.reminders is None:
            return self.reminders_unavailable(speaker)
        catalogue = self.assistant.catalogue
        if choice.action is ActionKind.REMIND:
            return await self.reminders.subscribe(
                profile, choice.chat, choice.argument, catalogue, speaker
            )
        if choice.action is ActionKind.STOP_REMINDERS:
            return await self.reminders.stop(profile, choice.argument, catalogue, speaker)
        changed = await self.reminders.change_times(profile, choice.argument, catalogue, speaker)
        return changed or self.invalid_choice(speaker)

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

    def more(self, profile: Profile, argument: str, speaker: Speaker) -> Reply:
        """The next page of the user's last answer."""
        answer = self._answers.get(profile.user)
        if answer is None or not argument.isdigit():
            return Reply(
                speaker.gettext("That list has expired. Please ask again."), speaker.language
            )
        answer = self.assistant.page(answer, int(argument), self.clock(), profile.network)
        self._remember(profile.user, answer)
        return answer.reply

    def my_data(self, profile: Profile, speaker: Speaker) -> Reply:
        """Everything stored about the user, in plain words."""
        _ = speaker.gettext
        network = self.assistant.catalogue.network(profile.network or "")
        lines = [
            _("This is everything I store about you:"),
            _("Language: %(language)s")
            % {"language": NATIVE_NAMES.get(profile.language or "", "–")},
            _("Municipality: %(network)s")
            % {"network": localised(network.name, speaker, say_language=False) if network else "–"},
        ]
        return Reply("\n".join(lines), speaker.language)

    async def on_blocked(self, user: UserId) -> None:
        """The user blocked the bot: stop sending them anything."""
        profile = await self.profiles.get(user)
        if profile is not None and profile.active:
            await self.profiles.save(replace(profile, active=False))

    def _remember(self, user: UserId, answer: Answer) -> None:
        self._answers[user] = answer
        self._answers.move_to_end(user)
        while len(self._answers) > REMEMBERED_ANSWERS:
            self._answers.popitem(last=False)
