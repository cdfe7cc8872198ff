"""Pure translation between Matrix events and the core's events, and replies back to Matrix.

Nothing here talks to a homeserver: each function takes plain event dictionaries (nio's
``event.source``, decrypted when the room is encrypted) or core values and returns values, so
every rule about what the bot answers is tested without a server.

Rules kept here:

* the bot never answers itself, nor any ``m.notice`` (other bots), nor edits;
* in a direct room every message is for the bot; in a room with more people (a coordinator
  room) only a mention, a ``!`` command of the flow table's group ones, a reply to one
  of the bot's messages, or a reaction on one is;
* the core learns which event a message replies to, whether it came from a room with more
  people, and the sender's display name (for the core to use only with consent; never logged);
* choices are numbered ``1️⃣ 2️⃣ …``; a typed number or a reaction with that key picks one;
  ``✅`` picks the first option of a message that offers one or two;
* text over :data:`MAX_TEXT_CHARS` and anything that is not text (images, audio, video,
  files, locations, stickers, polls) is "unsupported".
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from bot.matrix.ids import NO_EVENT, NOBODY, EventId, MatrixUserId
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
    UserId,
)

#: Longer texts are not questions; the core's "unsupported" reply answers them unread.
MAX_TEXT_CHARS = 8_000

KEYCAP = "\ufe0f\u20e3"
KEYCAP_TEN = "\U0001f51f"
CONFIRM_KEYS = ("\u2705", "\u2714\ufe0f", "\u2714")
TEXT_MSGTYPES = frozenset({"m.text", "m.emote"})
UNSUPPORTED_EVENT_TYPES = frozenset({"m.sticker", "m.poll.start", "org.matrix.msc3381.poll.start"})
HTML_FORMAT = "org.matrix.custom.html"

#: Choices the Matrix channel cannot carry out, so they are not offered rather than offered
#: and refused. Empty: reminders are posted into the room by :mod:`bot.matrix.outbox_sender`.
NOT_OFFERED: frozenset[ActionKind] = frozenset({ActionKind.LINK})
"""Links are written into the text (Matrix has no buttons), not offered as numbered choices."""

_NUMBER = re.compile(r"[#(\[]?\s*(\d{1,3})\s*[.):\]]?")
_BLANKS = re.compile(r"\s+")


def matrix_user(mxid: str) -> UserId:
    """The core's user id of a Matrix account."""
    return UserId(f"matrix:{mxid}")


def matrix_account(user: UserId) -> MatrixUserId | None:
    """The Matrix id behind a core user id (``None`` for a user of another channel)."""
    channel, _, mxid = str(user).partition(":")
    return MatrixUserId(mxid) if channel == "matrix" and mxid else None


def matrix_chat(room_id: str) -> ChatId:
    """The core's chat id of a Matrix room."""
    return ChatId(f"matrix:{room_id}")


def localpart(mxid: str) -> str:
    """``ana`` of ``@ana:example.org``."""
    return mxid.removeprefix("@").split(":", 1)[0]


def is_direct(joined: int, invited: int) -> bool:
    """A room of the bot and at most one other person: every message there is for the bot."""
    return joined + invited <= 2


# --- numbers and reaction keys ----------------------------------------------------------------


def keycap(number: int) -> str:
    """The emoji key of a choice: ``1️⃣`` … ``🔟``, then keycap digits (``1️⃣1️⃣``)."""
    if number == 10:
        return KEYCAP_TEN
    return "".join(digit + KEYCAP for digit in str(number))


def number_in(text: str) -> int | None:
    """The choice number a short text stands for (``2``, ``2.``, ``#2``, ``2️⃣``, ``٢``)."""
    plain = text.strip().replace(KEYCAP_TEN, "10").replace("\ufe0f", "").replace("\u20e3", "")
    match = _NUMBER.fullmatch(plain)
    if match is None:
        return None
    number = int(match.group(1))
    return number or None


#: Reactions that answer "Was this useful?" (any skin tone): 👍 yes, 👎 no.
THUMBS = {"\U0001f44d": "yes", "\U0001f44e": "no"}


def feedback_number(key: str, actions: tuple[Action, ...]) -> int | None:
    """The number of the offered 👍/👎 choice a thumbs reaction picks (``None``: none)."""
    wanted = THUMBS.get(key.strip()[:1])
    for number, action in enumerate(actions, 1):
        if action.kind is ActionKind.FEEDBACK and action.argument == wanted:
            return number
    return None


def reaction_number(key: str, offered: int) -> int | None:
    """The choice a reaction key picks among ``offered`` options (``None``: not a choice)."""
    if key.strip() in CONFIRM_KEYS:
        return 1 if 1 <= offered <= 2 else None
    return number_in(key)


# --- inbound events ------------------------------------------------------------------------


class InboundKind(Enum):
    """What a Matrix event is to the bot, before the core sees it."""

    IGNORE = "ignore"
    TEXT = "text"
    COMMAND = "command"
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class RoomView:
    """What classifying an event needs to know about the room and the bot in it."""

    bot: str
    names: tuple[str, ...] = ()
    direct: bool = True
    bot_events: Container[str] = frozenset()
    group_commands: Container[str] = frozenset()
    """``!`` commands answered here without naming the bot (the flow table's group ones)."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One event as the bot understands it; ``text`` is the key of a reaction.

    ``reply_to`` is the event a message replies to; ``target`` the one a reaction is on.
    """

    kind: InboundKind
    event_id: EventId = NO_EVENT
    sender: MatrixUserId = NOBODY
    text: str = ""
    argument: str = ""
    target: EventId = NO_EVENT
    thread: str | None = None
    reply_to: str | None = None


IGNORED = Inbound(InboundKind.IGNORE)


def inbound(event: Mapping[str, Any], room: RoomView) -> Inbound:
    """Classify one room event (plain or decrypted) for the bot in ``room``."""
    sender = event.get("sender")
    event_id = event.get("event_id")
    content = event.get("content")
    if (
        not isinstance(sender, str)
        or not isinstance(event_id, str)
        or not isinstance(content, Mapping)
        or sender == room.bot
    ):
        return IGNORED
    relation = content.get("m.relates_to")
    relation = relation if isinstance(relation, Mapping) else {}
    # The event's untyped JSON: its ids are typed here, where they enter.
    return _classified(EventId(event_id), MatrixUserId(sender), content, relation, event, room)


def _classified(
    event_id: EventId,
    sender: MatrixUserId,
    content: Mapping[str, Any],
    relation: Mapping[str, Any],
    event: Mapping[str, Any],
    room: RoomView,
) -> Inbound:
    kind = _text_or_none(event.get("type"))
    if kind == "m.reaction":
        return _reaction(event_id, sender, relation, room)
    reply_to = _reply_target(relation)
    thread = _thread_root(relation)
    to_bot = room.direct or (reply_to is not None and reply_to in room.bot_events)
    if kind in UNSUPPORTED_EVENT_TYPES:
        return _unsupported(event_id, sender, thread) if to_bot else IGNORED
    if kind != "m.room.message" or relation.get("rel_type") == "m.replace":
        return IGNORED
    msgtype = _text_or_none(content.get("msgtype"))
    if msgtype == "m.notice":
        return IGNORED
    body = content.get("body")
    if msgtype not in TEXT_MSGTYPES or not isinstance(body, str):
        mentioned, _ = addressed(content, body if isinstance(body, str) else "", room)
        return _unsupported(event_id, sender, thread) if to_bot or mentioned else IGNORED
    if reply_to is not None:
        body = strip_reply_fallback(body)
    mentioned, text = addressed(content, body, room)
    command = parse_command(text, allow_slash=room.direct)
    if command is not None and (room.direct or command[0] in room.group_commands):
        return Inbound(InboundKind.COMMAND, event_id, sender, *command, thread=thread)
    if not (to_bot or mentioned):
        return IGNORED
    if len(text) > MAX_TEXT_CHARS:
        return _unsupported(event_id, sender, thread)
    return Inbound(InboundKind.TEXT, event_id, sender, text, thread=thread, reply_to=reply_to)


def _text_or_none(value: object) -> str | None:
    """A JSON value that must be a string (a list or an object would not even hash)."""
    return value if isinstance(value, str) else None


def _reaction(
    event_id: EventId, sender: MatrixUserId, relation: Mapping[str, Any], room: RoomView
) -> Inbound:
    target, key = relation.get("event_id"), relation.get("key")
    if (
        relation.get("rel_type") != "m.annotation"
        or not isinstance(target, str)
        or not isinstance(key, str)
        or target not in room.bot_events
    ):
        return IGNORED
    return Inbound(InboundKind.REACTION, event_id, sender, key, target=EventId(target))


def _unsupported(event_id: EventId, sender: MatrixUserId, thread: str | None) -> Inbound:
    return Inbound(InboundKind.UNSUPPORTED, event_id, sender, thread=thread)


def replied_event(event: Mapping[str, Any]) -> str | None:
    """The id of the event a room message replies to (``None``: not a reply)."""
    content = event.get("content")
    relation = content.get("m.relates_to") if isinstance(content, Mapping) else None
    return _reply_target(relation) if isinstance(relation, Mapping) else None


def _reply_target(relation: Mapping[str, Any]) -> str | None:
    reply = relation.get("m.in_reply_to")
    if isinstance(reply, Mapping) and isinstance(reply.get("event_id"), str):
        return str(reply["event_id"])
    return None


def _thread_root(relation: Mapping[str, Any]) -> str | None:
    root = relation.get("event_id")
    if relation.get("rel_type") == "m.thread" and isinstance(root, str):
        return root
    return None


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@ana:x> quoted text`` lines older clients put before a reply."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    rest = lines[
        next((i for i, line in enumerate(lines) if not line.startswith(">")), len(lines)) :
    ]
    return "\n".join(rest).strip()


def addressed(content: Mapping[str, Any], body: str, room: RoomView) -> tuple[bool, str]:
    """Whether a message mentions the bot, and its text with the mention taken out."""
    mentions = content.get("m.mentions")
    users = mentions.get("user_ids") if isinstance(mentions, Mapping) else None
    mentioned = isinstance(users, list) and room.bot in users
    formatted = content.get("formatted_body")
    if isinstance(formatted, str) and _links_to(formatted, room.bot):
        mentioned = True
    text = body
    if room.bot in text:
        mentioned = True
        text = text.replace(room.bot, " ")
    stripped = text.lstrip()
    lowered = stripped.casefold()
    for name in sorted({*room.names, localpart(room.bot)}, key=len, reverse=True):
        folded = name.casefold()
        if not folded or not lowered.startswith(folded):
            continue
        after = stripped[len(name) :]
        if not after or after[0] in ":,; \n\t":
            mentioned = True
            stripped = after.lstrip(":,; \n\t")
            break
    return mentioned, _BLANKS.sub(" ", stripped).strip() if mentioned else body.strip()


def _links_to(formatted: str, mxid: str) -> bool:
    encoded = mxid.replace("@", "%40")
    return f"matrix.to/#/{mxid}" in formatted or f"matrix.to/#/{encoded}" in formatted


def parse_command(text: str, *, allow_slash: bool) -> tuple[str, str] | None:
    """``("language", "uk")`` for ``!language uk``; ``None`` when the text is not a command."""
    prefixes = ("!", "/") if allow_slash else ("!",)
    if len(text) < 2 or text[0] not in prefixes or not text[1].isalpha():
        return None
    name, _, argument = text[1:].partition(" ")
    if not name.isalnum():
        return None
    return name.lower(), argument.strip()


# --- the core's events ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offer:
    """The choices one of the bot's messages offered to one user, by their number."""

    event_id: str
    actions: tuple[Action, ...]


class Refusal(Enum):
    """Answers the adapter asks the core for when an event is not a message, command or choice."""

    UNSUPPORTED = "unsupported"
    STALE_CHOICE = "stale"


CoreEvent = IncomingMessage | Command | Choice


def to_core(
    event: Inbound,
    room_id: str,
    offer: Offer | None,
    *,
    in_group: bool = False,
    sender_name: str | None = None,
) -> CoreEvent | Refusal | None:
    """What to hand the core for a classified event (``None``: nothing to do).

    A number picks from the user's latest offer in the room; a number that offer does not have
    is a stale choice. With no offer standing, a number is an ordinary message. ``in_group``:
    the room has more people than the bot and the sender; ``sender_name``: their display name.
    """
    user, chat = matrix_user(event.sender), matrix_chat(room_id)
    if event.kind is InboundKind.COMMAND:
        return Command(user, chat, event.text, event.argument, in_group=in_group)
    if event.kind is InboundKind.UNSUPPORTED:
        return Refusal.UNSUPPORTED
    if event.kind is InboundKind.TEXT:
        number = number_in(event.text)
        if number is None or offer is None:
            return IncomingMessage(
                user,
                chat,
                event.text,
                reply_to=event.reply_to,
                in_group=in_group,
                sender_name=sender_name,
            )
        return _pick(offer, number, user, chat, sender_name)
    if event.kind is InboundKind.REACTION:
        current = offer is not None and offer.event_id == event.target
        offered = len(offer.actions) if offer is not None and current else 0
        number = reaction_number(event.text, offered)
        if number is None and offer is not None and current:
            number = feedback_number(event.text, offer.actions)
        if number is None:
            return None
        if offer is None or offer.event_id != event.target:
            return Refusal.STALE_CHOICE
        return _pick(offer, number, user, chat, sender_name)
    return None


def _pick(
    offer: Offer, number: int, user: UserId, chat: ChatId, sender_name: str | None
) -> Choice | Refusal:
    if not 1 <= number <= len(offer.actions):
        return Refusal.STALE_CHOICE
    action = offer.actions[number - 1]
    return Choice(user, chat, action.kind, action.argument, sender_name=sender_name)


def answered_event(event: Inbound) -> str:
    """The event a reply answers: the message itself, or the bot message a reaction is on."""
    return event.target if event.kind is InboundKind.REACTION else event.event_id


# --- replies -------------------------------------------------------------------------------


def offered_actions(reply: Reply) -> tuple[Action, ...]:
    """The reply's choices that Matrix offers as numbered options."""
    return tuple(action for action in reply.actions if action.kind not in NOT_OFFERED)


@lru_cache(maxsize=8)
def _command_pattern(commands: frozenset[str]) -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, commands), key=len, reverse=True))
    return re.compile(r"(?<![\w/])/(" + names + r")\b")


def matrix_commands(text: str, commands: Collection[str]) -> str:
    """Core texts name commands the Telegram way (``/mydata``); Matrix users type ``!mydata``.

    Only the bot's ``commands`` (the flow table's) are rewritten, not every word after a slash.
    """
    if not commands:
        return text
    return _command_pattern(frozenset(commands)).sub(r"!\1", text)


def render(
    reply: Reply, actions: Sequence[Action], hint: str | None, commands: Collection[str] = ()
) -> tuple[str, str]:
    """The plain and HTML bodies of a reply with its numbered choices and ``!`` commands."""
    text = matrix_commands(reply.text, commands)
    plain = [text]
    markup = [_html_lines(text)]
    links = [action for action in reply.actions if action.kind is ActionKind.LINK]
    if links:
        plain.append("\n".join(f"{link.label}: {link.argument}" for link in links))
        markup.append("<br>".join(_html_link(link) for link in links))
    if actions:
        options = [f"{keycap(number)} {action.label}" for number, action in enumerate(actions, 1)]
        plain.append("\n".join(options))
        markup.append("<br>".join(html.escape(option, quote=False) for option in options))
        if hint:
            plain.append(hint)
            markup.append(f"<em>{html.escape(hint, quote=False)}</em>")
    return "\n\n".join(plain), "<br><br>".join(markup)


def _html_link(link: Action) -> str:
    """``<a href="url">label</a>``: the label is what a reader sees and taps."""
    url = html.escape(link.argument, quote=True)
    return f'<a href="{url}">{html.escape(link.label, quote=False)}</a>'


def _html_lines(text: str) -> str:
    """Escaped text with its line breaks and line indentation kept."""
    lines = []
    for line in html.escape(text, quote=False).split("\n"):
        body = line.lstrip(" ")
        lines.append("&nbsp;" * (len(line) - len(body)) + body)
    return "<br>".join(lines)


def notice_content(
    plain: str,
    markup: str,
    *,
    answer_to: str | None = None,
    mention: str | None = None,
    thread: str | None = None,
) -> dict[str, Any]:
    """An ``m.notice`` with both bodies, replying to ``answer_to`` (in its thread, if any)."""
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": plain,
        "format": HTML_FORMAT,
        "formatted_body": markup,
        "m.mentions": {"user_ids": [mention]} if mention else {},
    }
    if answer_to is not None:
        relation: dict[str, Any] = {"m.in_reply_to": {"event_id": answer_to}}
        if thread is not None:
            relation |= {"rel_type": "m.thread", "event_id": thread, "is_falling_back": False}
        content["m.relates_to"] = relation
    return content
