"""Routes the events of the people around newcomers to their flows.

Contact requests, the coordinator's side, volunteering and roles each own a flow; this
router decides which one an event belongs to (a command's name, a choice's kind, the user's
current dialogue, a reply in a coordinator chat) and otherwise leaves the event to the
question answering of :class:`~handlers.conversation.Conversation`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.contact import ContactFlow
from handlers.coordination import Coordination
from handlers.dialogue import Dialogue
from handlers.events import ActionKind, Reply
from handlers.ports import DialogueStore
from handlers.staffing import Staffing
from handlers.turn import Turn
from handlers.volunteering import Volunteering

log = logging.getLogger(__name__)

INVITE_LINK = "i-"

#: Commands of the coordinator's side, accepted in a coordinator chat too.
COORDINATION_COMMANDS = frozenset({"requests", "close", "reply"})
CONTACT_COMMANDS = frozenset({"contact", "join"})
STAFFING_COMMANDS = frozenset({"invite", "roles"})
VOLUNTEER_COMMANDS = frozenset({"volunteer"})


@dataclass
class PeopleRouter:
    """The flows of issue 7 behind one small interface for the conversation."""

    contact: ContactFlow
    coordination: Coordination
    volunteering: Volunteering
    staffing: Staffing
    dialogues: DialogueStore

    def is_coordinator_chat(self, turn: Turn) -> bool:
        """Whether the event comes from one of the configured coordinator chats."""
        return any(turn.chat in desk.chats for desk in self.coordination.desks.values())

    async def dialogue(self, turn: Turn) -> Dialogue | None:
        """The user's dialogue if it is still current (an expired one is ended)."""
        found = await self.dialogues.get(turn.user)
        if found is not None and found.expired(turn.now):
            await self.dialogues.clear(turn.user)
            return None
        return found

    async def on_text(self, turn: Turn, text: str, reply_to: str | None) -> list[Reply] | None:
        """A free-text message; ``None`` when it is a question for the assistant."""
        if turn.in_group:
            if not self.is_coordinator_chat(turn):
                return None  # an ordinary group: a mention or reply is a question
            if reply_to is None:
                return []
            return await self.coordination.reply_in_group(turn, text, reply_to)
        dialogue = await self.dialogue(turn)
        if dialogue is None:
            return None
        if dialogue.flow in ("contact", "join"):
            return await self.contact.text(turn, text, dialogue)
        if dialogue.flow == "volunteer":
            return await self.volunteering.text(turn, text, dialogue)
        if dialogue.flow == "staff":
            return await self.staffing.text(turn, text, dialogue)
        log.warning("dialogue of unknown flow %s ended", dialogue.flow)
        await self.dialogues.clear(turn.user)
        return None

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply] | None:
        """A command of one of the flows; ``None`` for the conversation's own commands."""
        # Each flow answers in a group itself: the coordinator's commands work there, the
        # others politely ask for a private chat.
        if name in COORDINATION_COMMANDS:
            return await self.coordination.command(turn, name, argument)
        if name in CONTACT_COMMANDS:
            await self.dialogues.clear(turn.user)
            return await self.contact.command(turn, name, argument)
        if name in VOLUNTEER_COMMANDS:
            await self.dialogues.clear(turn.user)
            return await self.volunteering.command(turn, name, argument)
        if name in STAFFING_COMMANDS:
            await self.dialogues.clear(turn.user)
            return await self.staffing.command(turn, name, argument)
        return None

    async def on_start(self, turn: Turn, payload: str) -> list[Reply] | None:
        """``/start i-<code>``: an invite to a role."""
        if payload.startswith(INVITE_LINK):
            return await self.staffing.redeem(turn, payload[len(INVITE_LINK) :])
        return None

    async def on_choice(self, turn: Turn, action: ActionKind, argument: str) -> list[Reply] | None:
        """A choice of one of the flows; ``None`` for the conversation's own choices."""
        if action is ActionKind.CONTACT:
            return await self.contact.start(turn, argument or None)
        if action is ActionKind.REQUEST:
            return await self.contact.choice(turn, argument)
        if action is ActionKind.VOLUNTEER:
            return await self.volunteering.choice(turn, argument)
        if action is ActionKind.STAFF:
            return await self.staffing.choice(turn, argument)
        if action is ActionKind.CANCEL:
            await self.dialogues.clear(turn.user)
        return None

    async def contact_asked(self, turn: Turn) -> list[Reply]:
        """The question was a wish to reach a person: start a contact request."""
        return await self.contact.start(turn, None)
