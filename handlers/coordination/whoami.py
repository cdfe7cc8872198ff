"""``/whoami``: the ids a coordinator writes into the coordination file.

The coordination file (``TARJOTIN_COORDINATION_FILE``) names coordinators by their user id and
coordinator chats by their chat id, both platform-qualified as the bot sees them
(``telegram:123456``, ``matrix:@anna:example.org``, ``telegram:-1001234567890``,
``matrix:!AbCdEf:example.org``). Nobody can read those off a chat app, so anyone may ask: the
reply shows the sender's id and, in a group chat, the chat's id, exactly in that form.
"""

from __future__ import annotations

from handlers.core.events import Reply
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.turn import Turn


def whoami_reply(turn: Turn) -> Reply:
    """The sender's id (and the group chat's), with where each goes in the file."""
    _ = turn.speaker.gettext
    lines = [
        _("Your id: %(user)s") % {"user": turn.user},
        _("To make you a coordinator, this id goes under “coordinators” in the coordination "
          "file."),
    ]
    if turn.in_group:
        lines += [
            _("This chat's id: %(chat)s") % {"chat": turn.chat},
            _("To send contact requests to this chat, this id goes under “chats” in the "
              "coordination file."),
        ]
    return Reply("\n".join(lines), turn.speaker.language)


class WhoAmIFlow(FlowBase):
    """Owns ``/whoami``; not in the menus (newcomers do not need it), answered in groups."""

    declaration = FlowDeclaration("whoami", commands=(CommandSpec("whoami"),))

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """The ids of the sender and of the chat."""
        return [whoami_reply(turn)]
