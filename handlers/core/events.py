"""The small shared event model that every platform adapter translates to and from.

Adapters (Telegram, Matrix, the terminal) turn platform payloads into these frozen values and
turn :class:`Reply` values back into platform messages; the conversation logic sees nothing
else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

UserId = NewType("UserId", str)
"""A platform-qualified user id, e.g. ``telegram:12345`` or ``matrix:@ana:example.org``."""

ChatId = NewType("ChatId", str)
"""A platform-qualified chat or room id."""


class ActionKind(StrEnum):
    """What a button (Telegram) or numbered choice (Matrix, terminal) does."""

    REMIND = "remind"
    CONTACT = "contact"
    MORE = "more"
    OTHER_DAY = "other_day"
    SHOW = "show"
    CHOOSE_LANGUAGE = "language"
    CHOOSE_NETWORK = "network"
    CONFIRM_FORGET = "forget"
    CANCEL = "cancel"
    STOP_REMINDERS = "stop_reminders"
    REMINDER_TIMES = "reminder_times"
    VOLUNTEER = "volunteer"
    """A step of a volunteer's flow (cancel, move, add, broadcast); argument ``<op>:<value>``."""
    REQUEST = "request"
    """A step of a contact or join request (consent, send, cancel); argument ``<op>:<value>``."""
    STAFF = "staff"
    """A coordinator's or organiser's choice (invite, roles, revoke, requests); ``<op>:<value>``."""
    LINK = "link"
    """Not a choice but a web link (``argument`` is the URL): a URL button on Telegram, a link
    in the text on Matrix and the terminal. It never comes back as a :class:`Choice`."""

    FEEDBACK = "feedback"
    """"Was this useful?" under an answer; argument ``yes`` or ``no`` (counted anonymously)."""


@dataclass(frozen=True, slots=True)
class Action:
    """One choice offered with a reply: a label in the reader's language and what it does."""

    kind: ActionKind
    label: str
    argument: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """What is remembered about a user: only what is needed to answer them.

    ``pending`` holds a question asked before onboarding finished, so that it is answered
    (not lost) once the user has chosen where they live; it is cleared right after.
    ``active`` turns false when the user blocks the bot.
    """

    user: UserId
    language: str | None = None
    network: str | None = None
    pending: str | None = None
    active: bool = True

    @property
    def onboarded(self) -> bool:
        """Whether the user has chosen both a language and a network."""
        return self.language is not None and self.network is not None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A text message from a user, as the core sees it."""

    user: UserId
    chat: ChatId
    text: str
    language_hint: str | None = None
    reply_to: str | None = None
    """The platform id of the message this one answers (a Telegram reply, a Matrix reply)."""
    in_group: bool = False
    """Sent in a group chat or room with several people (a coordinator chat), not privately."""
    sender_name: str | None = None
    """The display name the platform shows; used only if the user agrees to share it."""


@dataclass(frozen=True, slots=True)
class Command:
    """A command such as ``/start a-louhela-kielikahvila`` or ``!language``."""

    user: UserId
    chat: ChatId
    name: str
    argument: str = ""
    language_hint: str | None = None
    in_group: bool = False
    """Given in a group chat or room (a coordinator chat), not privately."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A pressed button or a numbered choice, already verified by the adapter."""

    user: UserId
    chat: ChatId
    action: ActionKind
    argument: str = ""
    language_hint: str | None = None
    sender_name: str | None = None
    """The display name the platform shows; used only if the user agrees to share it."""


@dataclass(frozen=True, slots=True)
class Document:
    """A file that goes with a reply (the tray report): its name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers: text in the reader's language and the choices that go with it.

    ``document``: a file sent right after the text (Telegram ``sendDocument``, a Matrix
    ``m.file``); channels without files (the terminal) say where it would be.
    """

    text: str
    language: str
    actions: tuple[Action, ...] = field(default=())
    document: Document | None = None
