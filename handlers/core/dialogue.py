"""A user's place in a multi-step flow (write your message, pick a new time), kept durably.

Persisted before the bot answers, so a restart in the middle of a flow loses nothing: the
next message still lands in the right step. ``data`` holds small strings only (ids, choices,
a draft), and the whole dialogue expires after :data:`DIALOGUE_LIFETIME`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from handlers.core.events import UserId

DIALOGUE_LIFETIME = timedelta(hours=2)


class DialogueName(StrEnum):
    """Which flow a dialogue belongs to; each is claimed by one flow in the flow table."""

    CONTACT = "contact"
    JOIN = "join"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True, slots=True)
class Dialogue:
    """``flow`` (contact, join, volunteer) and ``step`` within it."""

    user: UserId
    flow: DialogueName
    step: str
    updated_at: datetime
    data: dict[str, str] = field(default_factory=dict)

    def expired(self, now: datetime) -> bool:
        """Whether the user walked away long enough ago that the flow should start over."""
        return now - self.updated_at > DIALOGUE_LIFETIME

    def at(self, step: str, now: datetime, **data: str) -> Dialogue:
        """The same flow moved to ``step``, with ``data`` added."""
        return replace(self, step=step, updated_at=now, data={**self.data, **data})
