"""Pure translation between Telegram's objects and the core's events and replies.

Incoming: a Telegram message becomes an :class:`~handlers.core.events.IncomingMessage`, a
:class:`~handlers.core.events.Command` or a :class:`NonText` (stickers, voice, photos, locations),
or nothing at all when it is not meant for the bot (groups: only commands, mentions and replies
to the bot's own messages, such as a coordinator answering a forwarded request). Events carry
the id of the message they reply to, whether they came from a group, and the sender's display
name (for the core to use only with consent; never logged).
Outgoing: a :class:`~handlers.core.events.Reply` becomes one or more HTML messages of at most 4096
UTF-16 units each, split on line boundaries, the inline keyboard under the last one.
No I/O here: the adapter does the sending.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
)

from handlers.core.events import Action, ActionKind, ChatId, Command, IncomingMessage, Reply, UserId

PLATFORM = "telegram"

#: Telegram's limit on a message's text after entity parsing, in UTF-16 code units.
MAX_MESSAGE_UTF16 = 4096

#: Kinds whose buttons sit two to a row (short labels); every other button gets its own row.
PAIRED_KINDS = frozenset({ActionKind.CHOOSE_LANGUAGE, ActionKind.CONFIRM_FORGET, ActionKind.CANCEL})

#: Buttons the adapter does not show (none at the moment: every kind leads somewhere).
HIDDEN_KINDS: frozenset[ActionKind] = frozenset()

_ZERO_WIDTH_JOINER = "\u200d"


def user_id(telegram_user: int) -> UserId:
    """The core's id of a Telegram user: ``telegram:<user id>``."""
    return UserId(f"{PLATFORM}:{telegram_user}")


def chat_id(telegram_chat: int) -> ChatId:
    """The core's id of a Telegram chat: ``telegram:<chat id>``."""
    return ChatId(f"{PLATFORM}:{telegram_chat}")


@dataclass(frozen=True, slots=True)
class NonText:
    """A message the bot cannot read (sticker, voice, photo, location, ...)."""

    user: UserId
    chat: ChatId
    language_hint: str | None = None


Event = IncomingMessage | Command | NonText


# --- incoming -----------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_slice(text: str, offset: int, length: int) -> tuple[str, str, str]:
    """Split ``text`` around the span Telegram gives in UTF-16 units: before, span, after."""
    units = text.encode("utf-16-le", "surrogatepass")
    start, end = 2 * offset, 2 * (offset + length)

    def decode(part: bytes) -> str:
        return part.decode("utf-16-le", "surrogatepass")

    return decode(units[:start]), decode(units[start:end]), decode(units[end:])


def read_message(
    message: Message,
    bot_username: str,
    bot_id: int | None = None,
    group_commands: Container[str] = frozenset(),
) -> Event | None:
    """The core event for a message, or ``None`` when the bot should stay silent.

    In private chats every message is for the bot. In groups only commands (ours: the
    ``group_commands`` of the flow table, or any addressed ``/cmd@bot``), messages mentioning
    ``@bot`` and
    replies to the bot's own messages are; stickers and other media there are ignored rather
    than explained, so the group is never flooded. ``bot_id`` recognises the bot's messages
    (by username when it is not known).
    """
    sender = message.from_user
    if sender is None or sender.is_bot:
        return None
    private = message.chat.type == Chat.PRIVATE
    user, chat, hint = user_id(sender.id), chat_id(message.chat.id), sender.language_code
    text = message.text
    if text is None:
        if private and message.effective_attachment is not None:
            return NonText(user, chat, hint)
        return None
    group = not private
    command = parse_command(text, message.entities)
    if command is not None:
        name, argument, target = command
        ours = target.lower() == bot_username.lower()
        if target and not ours:
            return None
        if private or ours or name in group_commands:
            return Command(user, chat, name, argument, hint, in_group=group)
        return None
    reply_to, name = replied_message_id(message), sender.full_name
    if private:
        return IncomingMessage(user, chat, text, hint, reply_to, sender_name=name)
    rest = without_mention(text, message.entities, bot_username)
    if rest is None:
        if not replies_to_bot(message, bot_username, bot_id):
            return None
        rest = text.strip()
    elif not rest:
        return Command(user, chat, "help", "", hint, in_group=True)
    return IncomingMessage(user, chat, rest, hint, reply_to, in_group=True, sender_name=name)


def replied_message_id(message: Message) -> str | None:
    """The id of the message this one replies to, as the core keeps it (``None``: no reply).

    In a forum topic Telegram puts the topic's opening service message there when the user
    did not reply to anything; that is no reply.
    """
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    return str(replied.message_id)


def replies_to_bot(message: Message, bot_username: str, bot_id: int | None = None) -> bool:
    """Whether the message replies to one of the bot's own messages."""
    if replied_message_id(message) is None:
        return False
    assert message.reply_to_message is not None
    author = message.reply_to_message.from_user
    if author is None or not author.is_bot:
        return False
    if bot_id is not None:
        return author.id == bot_id
    return bool(bot_username) and (author.username or "").lower() == bot_username.lower()


def parse_command(
    text: str, entities: Sequence[MessageEntity]
) -> tuple[str, str, str] | None:
    """``(name, argument, addressee)`` for a message starting with a command, else ``None``.

    ``addressee`` is the bot named in ``/cmd@bot`` (empty when none is named).
    """
    first = next((e for e in entities if e.offset == 0), None)
    if first is None or first.type != MessageEntity.BOT_COMMAND:
        return None
    _, word, rest = utf16_slice(text, first.offset, first.length)
    name, _at, target = word.removeprefix("/").partition("@")
    return name.lower(), rest.strip(), target


def without_mention(
    text: str, entities: Sequence[MessageEntity], bot_username: str
) -> str | None:
    """The text with the bot's ``@mention`` removed, or ``None`` when the bot is not mentioned."""
    wanted = f"@{bot_username}".lower()
    for entity in entities:
        if entity.type != MessageEntity.MENTION:
            continue
        before, mention, after = utf16_slice(text, entity.offset, entity.length)
        if mention.lower() == wanted:
            return " ".join(part.strip() for part in (before, after) if part.strip())
    return None


# --- outgoing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: HTML text and, on the last part of a reply, its keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode (``&``, ``<`` and ``>``)."""
    return html.escape(text, quote=False)


def shown_actions(actions: Iterable[Action]) -> list[Action]:
    """The actions that get a button (see :data:`HIDDEN_KINDS`)."""
    return [action for action in actions if action.kind not in HIDDEN_KINDS]


def keyboard_rows(actions: Sequence[Action]) -> list[list[Action]]:
    """Lay buttons out: short paired kinds two to a row, everything else one to a row."""
    rows: list[list[Action]] = []
    for action in actions:
        last = rows[-1] if rows else None
        if (
            last is not None
            and len(last) == 1
            and action.kind in PAIRED_KINDS
            and last[0].kind in PAIRED_KINDS
        ):
            last.append(action)
        else:
            rows.append([action])
    return rows


def keyboard(
    actions: Sequence[Action], encode: Callable[[Action], str | None]
) -> InlineKeyboardMarkup | None:
    """The inline keyboard for ``actions``; ``encode`` gives each button's callback data.

    A link (``ActionKind.LINK``) is a URL button, opened by Telegram, never a callback. A button
    whose data cannot be encoded (``None``) is left out rather than sent broken.
    """
    rows = []
    for row in keyboard_rows(shown_actions(actions)):
        buttons = []
        for action in row:
            if action.kind is ActionKind.LINK:
                buttons.append(InlineKeyboardButton(action.label, url=action.argument))
                continue
            data = encode(action)
            if data is not None:
                buttons.append(InlineKeyboardButton(action.label, callback_data=data))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def render_reply(
    reply: Reply, encode: Callable[[Action], str | None], limit: int = MAX_MESSAGE_UTF16
) -> list[Outgoing]:
    """A reply as Telegram messages: split, escaped, the keyboard under the last part."""
    parts = [escape(part) for part in split_text(reply.text, limit) if part.strip()]
    markup = keyboard(reply.actions, encode)
    if not parts:
        return []
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(parts[-1], markup)]


def split_text(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` UTF-16 units that join back to ``text``.

    Pieces end at line ends whenever a line fits; a line longer than ``limit`` is cut after
    a space, or else between two characters that do not belong together (never inside a
    surrogate pair, before a combining mark, or around a zero-width joiner).
    """
    if limit < 2:
        raise ValueError("limit must leave room for at least one character")
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        length = utf16_len(line)
        if size + length > limit and current:
            pieces.append("".join(current))
            current, size = [], 0
        if length > limit:
            *whole, tail = split_line(line, limit)
            pieces.extend(whole)
            line, length = tail, utf16_len(tail)
        current.append(line)
        size += length
    if current:
        pieces.append("".join(current))
    return pieces


def split_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line into pieces of at most ``limit`` UTF-16 units."""
    ends = list(accumulate(utf16_len(ch) for ch in line))
    pieces: list[str] = []
    start = 0
    consumed = 0
    while ends[-1] - consumed > limit:
        fit = start
        while fit < len(line) and ends[fit] - consumed <= limit:
            fit += 1
        cut = _cut_point(line, start, fit)
        pieces.append(line[start:cut])
        consumed = ends[cut - 1]
        start = cut
    pieces.append(line[start:])
    return pieces


def _cut_point(line: str, start: int, fit: int) -> int:
    """The best index in ``(start, fit]`` to cut at: after a space, else a safe boundary."""
    for index in range(fit, start, -1):
        if line[index - 1].isspace() and can_cut(line, index):
            if index - start >= (fit - start) // 2:
                return index
            break
    for index in range(fit, start, -1):
        if can_cut(line, index):
            return index
    return fit


def can_cut(text: str, index: int) -> bool:
    """Whether a cut before ``text[index]`` keeps every visible character whole."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if after == _ZERO_WIDTH_JOINER or before == _ZERO_WIDTH_JOINER:
        return False
    if unicodedata.category(after) in ("Mn", "Mc", "Me"):
        return False
    code = ord(after)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return False
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, emoji tags
        return False
    return not (_regional(before) and _regional(after) and _regional_run(text, index) % 2 == 1)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _regional_run(text: str, index: int) -> int:
    """How many regional indicators (flag halves) come right before ``index``."""
    count = 0
    while index - count - 1 >= 0 and _regional(text[index - count - 1]):
        count += 1
    return count
