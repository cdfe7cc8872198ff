"""A newcomer's message to the coordinator, and an organisation's request to join the network.

Consent comes first: the bot says exactly what will be forwarded and to whom, and nothing is
stored until the person agrees. Then it takes the message (or, to join, three short answers),
stores the request with a short reference, and hands it to :class:`Coordination` to forward.
Every step is kept in the user's :class:`Dialogue`, so a restart loses nothing.

Dialogue flows and steps:

- ``contact``: ``consent`` (data ``activity``) → ``message`` (data ``consent``, ``name``);
- ``join``: ``organisation`` → ``contact`` → ``offers`` → ``consent``.

Choices are ``ActionKind.REQUEST`` with ``consent:name``, ``consent:anon``, ``consent:no``;
``close:<id>`` (a coordinator's Close button) is handed to :meth:`Coordination.choice`.
"""

from __future__ import annotations

import logging
import re

from handlers.coordination.request_desk import ROUTE_EMAIL, Coordination, join_message
from handlers.coordination.requests import ContactRequest, RequestKind, new_reference
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import activity_title, localised
from handlers.core.i18n import Speaker
from handlers.core.ports import (
    Clock,
    DemandEvent,
    DialogueStore,
    RequestStore,
    UnitOfWorkFactory,
)
from handlers.core.turn import Turn, split_argument
from handlers.newcomers.answers import coordinator_text, invalid_choice_reply
from handlers.newcomers.demand import DemandTally

log = logging.getLogger(__name__)

CONTACT_FLOW = DialogueName.CONTACT
JOIN_FLOW = DialogueName.JOIN
FLOWS = (CONTACT_FLOW, JOIN_FLOW)

#: The longest message forwarded (a coordinator reads it in a chat).
MESSAGE_LIMIT = 2000
#: The longest answer to one of the join form's questions.
FIELD_LIMIT = 300

WITH_NAME = "name"
WITHOUT_NAME = "anon"
REFUSED = "no"

#: The join form's steps in order; ``consent`` follows the last.
JOIN_STEPS = ("organisation", "contact", "offers")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?\d[\d\s()-]{4,}\d")


# --- validation --------------------------------------------------------------------------------


def message_problem(text: str, speaker: Speaker, limit: int = MESSAGE_LIMIT) -> str | None:
    """What is wrong with a typed message (``None`` when it can be sent)."""
    _ = speaker.gettext
    if not text.strip():
        return _("Please write your message as text.")
    if len(text.strip()) > limit:
        return _("That is too long: please keep it under %(limit)d characters.") % {"limit": limit}
    return None


def looks_reachable(text: str) -> bool:
    """Whether a join form's contact holds an e-mail address or a phone number."""
    if _EMAIL.search(text):
        return True
    phone = _PHONE.search(text)
    return phone is not None and sum(ch.isdigit() for ch in phone.group()) >= 6


def field_problem(step: str, text: str, speaker: Speaker) -> str | None:
    """What is wrong with one answer of the join form (``None`` when it is fine)."""
    problem = message_problem(text, speaker, FIELD_LIMIT)
    if problem is None and step == "contact" and not looks_reachable(text):
        return speaker.gettext("Please write an e-mail address or a phone number.")
    return problem


# --- texts -------------------------------------------------------------------------------------


def consent_actions(speaker: Speaker) -> tuple[Action, ...]:
    """Yes with my name / Yes without my name / No."""
    _ = speaker.gettext
    return (
        Action(ActionKind.REQUEST, _("Yes, with my name"), f"consent:{WITH_NAME}"),
        Action(ActionKind.REQUEST, _("Yes, without my name"), f"consent:{WITHOUT_NAME}"),
        Action(ActionKind.REQUEST, _("No"), f"consent:{REFUSED}"),
    )


def contact_consent_text(
    speaker: Speaker, language: str, network: str, activity: str | None, by_email: bool
) -> str:
    """Exactly what is forwarded, and to whom, before anything is stored."""
    _ = speaker.gettext
    values = {"language": language, "network": network, "activity": activity or ""}
    if activity and by_email:
        text = _(
            "Your message, your language (%(language)s) and the activity %(activity)s will be "
            "sent to the coordinator of %(network)s by e-mail."
        )
    elif activity:
        text = _(
            "Your message, your language (%(language)s) and the activity %(activity)s will be "
            "sent to the coordinator of %(network)s in their group chat."
        )
    elif by_email:
        text = _(
            "Your message and your language (%(language)s) will be sent to the coordinator "
            "of %(network)s by e-mail."
        )
    else:
        text = _(
            "Your message and your language (%(language)s) will be sent to the coordinator "
            "of %(network)s in their group chat."
        )
    return text % values + " " + _("Your name is sent only if you choose so.")


def join_consent_text(speaker: Speaker, language: str, network: str, by_email: bool) -> str:
    """The join form's preview note: what is forwarded, and to whom."""
    _ = speaker.gettext
    values = {"language": language, "network": network}
    if by_email:
        text = _(
            "This and your language (%(language)s) will be sent to the coordinator of "
            "%(network)s by e-mail."
        )
    else:
        text = _(
            "This and your language (%(language)s) will be sent to the coordinator of "
            "%(network)s in their group chat."
        )
    return text % values + " " + _("Your name is sent only if you choose so.")


def join_prompt(step: str, speaker: Speaker) -> str:
    """The question of one join form step."""
    _ = speaker.gettext
    if step == "organisation":
        return _("What is the name of your organisation?")
    if step == "contact":
        return _("How can the coordinator reach you? Write an e-mail address or a phone number.")
    return _("In a few words: what does your organisation offer to newcomers?")


def sent_text(request: ContactRequest, speaker: Speaker) -> str:
    """The confirmation with the reference, saying how the answer will come."""
    _ = speaker.gettext
    values = {"reference": request.reference}
    if request.via == ROUTE_EMAIL:
        return (
            _(
                "Sent. Your reference is %(reference)s. The coordinator will get it by e-mail "
                "and will answer here in this chat."
            )
            % values
        )
    return (
        _("Sent. Your reference is %(reference)s. The coordinator will answer here in this chat.")
        % values
    )


# --- the flow ----------------------------------------------------------------------------------


class ContactFlow(FlowBase):
    """Contact and join requests, from consent to the reference the user keeps."""

    def __init__(
        self,
        requests: RequestStore,
        dialogues: DialogueStore,
        coordination: Coordination,
        clock: Clock,
        units: UnitOfWorkFactory,
        tally: DemandTally | None = None,
    ) -> None:
        self.tally = tally
        self.requests = requests
        self.dialogues = dialogues
        self.coordination = coordination
        self.clock = clock
        self.units = units

    # --- small replies ---------------------------------------------------------------------

    def say(self, turn: Turn, text: str, actions: tuple[Action, ...] = ()) -> list[Reply]:
        """One reply in the sender's language."""
        return [Reply(text, turn.speaker.language, actions)]

    def invalid(self, turn: Turn) -> list[Reply]:
        """A stale or forged choice: nothing changes."""
        return [invalid_choice_reply(turn.speaker)]

    def language_of(self, turn: Turn) -> str:
        """The language the user writes in (their saved one, else the one they are answered in)."""
        return turn.profile.language or turn.speaker.language

    def network_name(self, turn: Turn) -> str:
        """The user's network, named for them."""
        network = turn.catalogue.network(turn.profile.network or "")
        return localised(network.name, turn.speaker, say_language=False) if network else ""

    def precheck(self, turn: Turn) -> list[Reply] | None:
        """Why a request cannot start here (a group chat, no municipality, no route), if so."""
        _ = turn.speaker.gettext
        if turn.in_group:
            return self.say(turn, _("Please write to me in a private chat for this."))
        network = turn.catalogue.network(turn.profile.network or "")
        if network is None:
            return self.say(turn, _("Please choose your municipality first."))
        if self.coordination.route(network.id) is None:
            return self.say(turn, coordinator_text(network, turn.speaker))
        return None

    # --- the flow table's entry points -------------------------------------------------------

    declaration = FlowDeclaration(
        "contact",
        commands=(
            CommandSpec("contact", N_("Talk to a person"), ends_dialogue=True),
            CommandSpec("join", N_("Bring your organisation to the network"), ends_dialogue=True),
        ),
        choices=frozenset({ActionKind.CONTACT, ActionKind.REQUEST}),
        dialogues=frozenset({DialogueName.CONTACT, DialogueName.JOIN}),
    )

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/contact [activity id]`` and ``/join``."""
        return await self.command(turn, name, argument)

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """*Talk to a person* (``CONTACT``, with an activity or none) or a ``REQUEST`` step."""
        if kind is ActionKind.CONTACT:
            return await self.start(turn, argument or None)
        return await self.choice(turn, argument)

    async def on_text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply] | None:
        """A typed answer in the ``contact`` or ``join`` dialogue."""
        return await self.text(turn, text, dialogue)

    # --- entry points ----------------------------------------------------------------------

    async def start(self, turn: Turn, activity: str | None) -> list[Reply]:
        """Begin a contact request (``/contact``, the intent, an activity's button)."""
        refused = self.precheck(turn)
        if refused is not None:
            return refused
        if activity and turn.catalogue.activity(activity) is None:
            return self.invalid(turn)
        data = {"activity": activity} if activity else {}
        if self.tally is not None:  # a person asked for after an answer
            await self.tally.followed(turn, DemandEvent.CONTACT)
        await self.dialogues.save(Dialogue(turn.user, CONTACT_FLOW, "consent", self.clock(), data))
        return self.say(turn, self.contact_consent(turn, activity), consent_actions(turn.speaker))

    async def join(self, turn: Turn) -> list[Reply]:
        """Begin an organisation's request to join the network (``/join``)."""
        refused = self.precheck(turn)
        if refused is not None:
            return refused
        first = JOIN_STEPS[0]
        await self.dialogues.save(Dialogue(turn.user, JOIN_FLOW, first, self.clock()))
        intro = turn.speaker.gettext(
            "Your organisation wants to join the network? Three short questions."
        )
        return self.say(turn, f"{intro}\n{join_prompt(first, turn.speaker)}")

    async def command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/contact [activity id]`` and ``/join``."""
        if name.lower() == JOIN_FLOW:
            return await self.join(turn)
        wanted = argument.strip()
        return await self.start(turn, wanted if turn.catalogue.activity(wanted) else None)

    async def choice(self, turn: Turn, argument: str) -> list[Reply]:
        """An ``ActionKind.REQUEST`` choice: ``consent:<name|anon|no>`` or ``close:<id>``."""
        operation, value = split_argument(argument)
        if operation == "close":
            return await self.coordination.choice(turn, argument)
        if operation != "consent" or value not in (WITH_NAME, WITHOUT_NAME, REFUSED):
            return self.invalid(turn)
        dialogue = await self.dialogues.get(turn.user)
        if (
            dialogue is None
            or dialogue.flow not in FLOWS
            or dialogue.step != "consent"
            or dialogue.expired(self.clock())
        ):
            return self.invalid(turn)
        if value == REFUSED:
            await self.dialogues.clear(turn.user)
            return self.say(turn, turn.speaker.gettext("OK, nothing was sent."))
        name = turn.sender_name if value == WITH_NAME and turn.sender_name else ""
        if dialogue.flow == JOIN_FLOW:
            message = self.join_text(turn, dialogue)
            return await self.submit(turn, dialogue, RequestKind.JOIN, message, name)
        await self.dialogues.save(dialogue.at("message", self.clock(), consent=value, name=name))
        return self.say(
            turn,
            turn.speaker.gettext(
                "Write your message in one message, in your own language. "
                "Say what you need; do not send documents or ID numbers."
            ),
        )

    async def text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply]:
        """A typed answer in the ``contact`` or ``join`` flow."""
        if dialogue.expired(self.clock()):
            await self.dialogues.clear(turn.user)
            return self.say(
                turn,
                turn.speaker.gettext(
                    "That took a while, so nothing was sent. Please start again with /contact."
                ),
            )
        if dialogue.step == "consent":  # typed instead of pressing a button: ask again
            return self.ask_consent_again(turn, dialogue)
        if dialogue.flow == JOIN_FLOW:
            return await self.join_step(turn, text, dialogue)
        problem = message_problem(text, turn.speaker)
        if problem is not None:
            return self.say(turn, problem)
        name = dialogue.data.get("name", "")
        return await self.submit(turn, dialogue, RequestKind.CONTACT, text.strip(), name)

    # --- steps -----------------------------------------------------------------------------

    def contact_consent(self, turn: Turn, activity: str | None) -> str:
        """The consent text of a contact request."""
        title = activity_title(turn.catalogue, activity, turn.speaker) if activity else None
        network = turn.profile.network or ""
        return contact_consent_text(
            turn.speaker,
            turn.speaker.language_name(self.language_of(turn)),
            self.network_name(turn),
            title,
            self.coordination.route(network) == ROUTE_EMAIL,
        )

    def join_text(self, turn: Turn, dialogue: Dialogue) -> str:
        """The join form as it is forwarded, labelled in the coordinator's language."""
        speaker = self.coordination.coordinator_speaker(turn.catalogue, turn.profile.network or "")
        return self.join_fields(dialogue, speaker)

    def join_fields(self, dialogue: Dialogue, speaker: Speaker) -> str:
        """The three answers of the join form, labelled for ``speaker``."""
        data = dialogue.data
        return join_message(
            data.get("organisation", ""), data.get("contact", ""), data.get("offers", ""), speaker
        )

    def join_preview(self, turn: Turn, dialogue: Dialogue) -> str:
        """The answers and the consent note, before anything is sent."""
        network = turn.profile.network or ""
        note = join_consent_text(
            turn.speaker,
            turn.speaker.language_name(self.language_of(turn)),
            self.network_name(turn),
            self.coordination.route(network) == ROUTE_EMAIL,
        )
        return f"{self.join_fields(dialogue, turn.speaker)}\n\n{note}"

    def ask_consent_again(self, turn: Turn, dialogue: Dialogue) -> list[Reply]:
        """Repeat the consent question of the dialogue's flow."""
        if dialogue.flow == JOIN_FLOW:
            text = self.join_preview(turn, dialogue)
        else:
            text = self.contact_consent(turn, dialogue.data.get("activity"))
        return self.say(turn, text, consent_actions(turn.speaker))

    async def join_step(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply]:
        """Store one answer of the join form and ask the next question (or for consent)."""
        if dialogue.step not in JOIN_STEPS:
            await self.dialogues.clear(turn.user)
            return self.invalid(turn)
        problem = field_problem(dialogue.step, text, turn.speaker)
        if problem is not None:
            return self.say(turn, problem)
        following = next_step(dialogue.step)
        moved = dialogue.at(following, self.clock(), **{dialogue.step: text.strip()})
        await self.dialogues.save(moved)
        if following == "consent":
            return self.ask_consent_again(turn, moved)
        return self.say(turn, join_prompt(following, turn.speaker))

    async def submit(
        self, turn: Turn, dialogue: Dialogue, kind: RequestKind, message: str, name: str
    ) -> list[Reply]:
        """Store the request, its forwards and the end of the dialogue in one commit.

        The user gets the reference.
        """
        network = turn.profile.network or ""
        request = ContactRequest(
            id=None,
            reference=new_reference(),
            kind=kind,
            user=turn.user,
            chat=turn.chat,
            network=network,
            language=self.language_of(turn),
            message=message,
            created_at=self.clock(),
            activity=dialogue.data.get("activity") or None,
            name=name or None,
            via=self.coordination.route(network) or "chat",
        )
        async with self.units() as unit:
            stored = await unit.requests.create(request)
            forwarded = await self.coordination.forward(unit, stored, turn.catalogue)
            await unit.dialogues.clear(turn.user)
            await unit.commit()
        log.info("request %s created (%s)", forwarded.id, kind.value)
        return self.say(turn, sent_text(forwarded, turn.speaker))


def next_step(step: str) -> str:
    """The join form's step after ``step`` (``consent`` after the last question)."""
    index = JOIN_STEPS.index(step)
    return JOIN_STEPS[index + 1] if index + 1 < len(JOIN_STEPS) else "consent"
