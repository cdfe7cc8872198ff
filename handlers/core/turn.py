"""What every step of a flow gets: who is speaking, in which language, about which catalogue.

The :class:`~handlers.core.conversation.Conversation` builds one :class:`Turn` per event and hands
it
to the flow that owns the event (contact requests, volunteering, staffing, coordination).
Choices of those flows carry ``<op>:<value>`` arguments, split by :func:`split_argument`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalog.model import Catalogue
from handlers.core.events import ChatId, Profile, UserId
from handlers.core.i18n import Speaker


@dataclass(frozen=True, slots=True)
class Turn:
    """One event's context: the sender's profile and chat, their speaker, the catalogue, now."""

    profile: Profile
    chat: ChatId
    speaker: Speaker
    catalogue: Catalogue
    now: datetime
    in_group: bool = False
    sender_name: str | None = None
    hint: str | None = None
    """The platform's guess of the user's language, for a user who has not chosen one."""

    @property
    def user(self) -> UserId:
        """The sender."""
        return self.profile.user


def split_argument(argument: str) -> tuple[str, str]:
    """``"cancel:3"`` → ``("cancel", "3")``; an argument without ``:`` is all operation."""
    operation, _, value = argument.partition(":")
    return operation, value
