"""The small shared event model that every platform adapter translates to and from.

Adapters (Telegram, Matrix, the terminal) turn platform payloads into these frozen values and
turn :class:`Reply` values back into platform messages; the conversation logic sees nothing
else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NewType

UserId = NewType("UserId", str)
"""A platform-qualified user id, e.g. ``telegram:12345`` or ``matrix:@ana:example.org``."""

ChatId = NewType("ChatId", str)
"""A platform-qualified chat or room id."""


class ActionKind(str, Enum):
    """What a button (Telegram) or numbered choice (Matrix, terminal) does."""

    REMIND = "remind"
    CONTACT = "contact"
    MORE = "more"
    OTHER_DAY = "other_day"
    SHOW = "show"
    CHOOSE_LANGUAGE = "language"
    CHOOSE_NETWORK = "network"


@dataclass(frozen=True, slots=True)
class Action:
    """One choice offered with a reply: a label in the reader's language and what it does."""

    kind: ActionKind
    label: str
    argument: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """What is remembered about a user: only what is needed to answer them."""

    user: UserId
    language: str | None = None
    network: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A text message from a user, as the core sees it."""

    user: UserId
    chat: ChatId
    text: str
    language_hint: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers: text in the reader's language and the choices that go with it."""

    text: str
    language: str
    actions: tuple[Action, ...] = field(default=())
