"""A volunteer's broadcast to subscribers, as a value: texts per language and its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers.core.events import ChatId, UserId


class BroadcastState(StrEnum):
    """Sending → done (the report was sent) or stopped (by the sender)."""

    SENDING = "sending"
    STOPPED = "stopped"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One broadcast: the original text, its language, versions in other languages.

    ``activity`` is set for a broadcast to one activity's subscribers; otherwise it goes to
    every subscriber of the organisation's activities (organisers only).
    """

    id: int | None
    sender: UserId
    sender_chat: ChatId
    organisation: str
    language: str
    text: str
    created_at: datetime
    activity: str | None = None
    versions: tuple[tuple[str, str], ...] = ()
    state: BroadcastState = BroadcastState.SENDING
    recipients: int = 0

    @property
    def batch(self) -> str:
        """The outbox batch of this broadcast's messages."""
        return f"broadcast:{self.id}"

    def text_for(self, language: str) -> tuple[str, str]:
        """The version for a reader of ``language`` and its language (the original otherwise)."""
        for code, text in self.versions:
            if code == language:
                return code, text
        return self.language, self.text
