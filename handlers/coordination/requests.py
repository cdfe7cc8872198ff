"""A newcomer's request for a person, or an organisation's request to join, as values.

A request is created only after the user agreed to what is forwarded; it carries a short
reference the user and the coordinator both see. ``name`` is stored only when the user agreed
to share it. ``via`` says how the coordinators got it (``chat`` or ``email``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers.core.events import ChatId, UserId

#: Letters that cannot be mistaken for each other when read aloud or typed on a phone.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY"


class RequestKind(StrEnum):
    """A newcomer asking for a person, or an organisation wanting to join the network."""

    CONTACT = "contact"
    JOIN = "join"


class RequestState(StrEnum):
    """Where a request is: waiting for an answer, answered, or closed by a coordinator."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """One request and where it stands."""

    id: int | None
    reference: str
    kind: RequestKind
    user: UserId
    chat: ChatId
    network: str
    language: str
    message: str
    created_at: datetime
    activity: str | None = None
    name: str | None = None
    state: RequestState = RequestState.OPEN
    via: str = "chat"
    raised_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def batch(self) -> str:
        """The outbox batch of the messages forwarding this request."""
        return f"request:{self.id}"


def new_reference(digits: int = 4) -> str:
    """A short reference such as ``K-4821``: a letter and digits, easy to say and type."""
    letter = secrets.choice(REFERENCE_ALPHABET)
    number = secrets.randbelow(10**digits)
    return f"{letter}-{number:0{digits}d}"


def normalise_reference(text: str) -> str:
    """``k4821``, ``K 4821``, ``#K-4821`` → ``K-4821`` (what people type back)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) < 2 or not cleaned[0].isalpha() or not cleaned[1:].isdigit():
        return text.strip().upper()
    return f"{cleaned[0]}-{cleaned[1:]}"
