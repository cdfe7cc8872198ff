"""Simulated Telegram users: what they send becomes updates for the bot.

Each action builds the PTB objects a real client's action would make Telegram
produce (with ``bot_command`` and ``mention`` entities, privacy-mode filtering
in groups, ``my_chat_member`` on block) and queues them as updates.
"""

from __future__ import annotations

import datetime as dtm
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    Sticker,
    Update,
    User,
    Voice,
)

from tests.telegram_server.markup import utf16_len
from tests.telegram_server.state import PendingCallback, World
from tests.telegram_server.updates import UpdateQueue

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}\b")


def detect_entities(text: str) -> list[MessageEntity]:
    """Mark commands and @mentions the way Telegram does for messages bots receive."""
    found = [(m, MessageEntity.BOT_COMMAND) for m in _COMMAND.finditer(text)]
    found += [(m, MessageEntity.MENTION) for m in _MENTION.finditer(text)]
    entities = [
        MessageEntity(
            type=kind,
            offset=utf16_len(text[: match.start()]),
            length=utf16_len(match.group()),
        )
        for match, kind in found
    ]
    return sorted(entities, key=lambda entity: entity.offset)


@dataclass(frozen=True)
class Sender:
    """Who sends, from where: the user and the chat the message appears in."""

    user: User
    chat: Chat


class People:
    """Turns simulated user actions into queued updates."""

    def __init__(
        self,
        world: World,
        queue: UpdateQueue,
        *,
        privacy_mode: bool,
        clock: Callable[[], float],
    ) -> None:
        self._world = world
        self._queue = queue
        self._privacy_mode = privacy_mode
        self._clock = clock

    def sender(
        self,
        user_id: int,
        *,
        chat_type: str = Chat.PRIVATE,
        chat_id: int | None = None,
        language_code: str | None = "en",
        title: str | None = None,
    ) -> Sender:
        """Resolve the user and chat for an action; groups need an explicit ``chat_id``."""
        world = self._world
        user = world.user(user_id, language_code=language_code)
        if chat_type == Chat.PRIVATE:
            if chat_id not in (None, user_id):
                raise ValueError("a private chat's id is the user's id")
            if user_id in world.blocked:
                self.unblocks(user_id)
            return Sender(user, world.private_chat(user))
        if chat_id is None:
            raise ValueError(f"a {chat_type} message needs chat_id")
        return Sender(user, world.group_chat(chat_id, chat_type, title))

    def post(self, sender: Sender, **content: Any) -> Update:
        """Store a user's message and queue it, unless group privacy mode hides it."""
        world = self._world
        chat_id = sender.chat.id
        message = Message(
            message_id=world.new_message_id(chat_id),
            date=world.now(),
            chat=sender.chat,
            from_user=sender.user,
            **content,
        )
        world.store(message)
        update = Update(self._queue.next_id(), message=message)
        if self._reaches_bot(message):
            self._queue.push(update)
        return update

    def _reaches_bot(self, message: Message) -> bool:
        """Apply group privacy mode: only commands, mentions and replies to the bot."""
        if message.chat.id in self._world.removed_from:
            return False
        if message.chat.type == Chat.PRIVATE or not self._privacy_mode:
            return True
        text = message.text or message.caption or ""
        if text.startswith("/"):
            return True
        username = self._world.bot.username
        if username and f"@{username}".lower() in text.lower():
            return True
        replied = message.reply_to_message
        return replied is not None and replied.from_user == self._world.bot

    def sends_text(
        self,
        sender: Sender,
        text: str,
        *,
        entities: Sequence[MessageEntity] | None = None,
        reply_to_message_id: int | None = None,
    ) -> Update:
        """Send a text message, with entities detected unless given."""
        replied = None
        if reply_to_message_id is not None:
            replied = self._world.message(sender.chat.id, reply_to_message_id)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {sender.chat.id}")
        found = list(entities) if entities is not None else detect_entities(text)
        return self.post(sender, text=text, entities=found or None, reply_to_message=replied)

    def sends_sticker(self, sender: Sender, emoji: str) -> Update:
        """Send a regular static sticker."""
        file_id, unique = self._world.file_ids("CAACAgIAAxkBAAI")
        sticker = Sticker(
            file_id, unique, 512, 512, is_animated=False, is_video=False,
            type=Sticker.REGULAR, emoji=emoji,
        )  # fmt: skip
        return self.post(sender, sticker=sticker)

    def sends_photo(self, sender: Sender, caption: str | None) -> Update:
        """Send a photo in Telegram's usual three sizes, with an optional caption."""
        sizes = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            file_id, unique = self._world.file_ids("AgACAgIAAxkBAAI")
            sizes.append(PhotoSize(file_id, unique, width, height, file_size=width * height // 8))
        entities = detect_entities(caption) if caption else None
        return self.post(sender, photo=sizes, caption=caption, caption_entities=entities or None)

    def sends_voice(self, sender: Sender, duration: int) -> Update:
        """Send a voice note of ``duration`` seconds."""
        file_id, unique = self._world.file_ids("AwACAgIAAxkBAAI")
        voice = Voice(file_id, unique, duration, mime_type="audio/ogg", file_size=duration * 4000)
        return self.post(sender, voice=voice)

    def sends_location(self, sender: Sender, latitude: float, longitude: float) -> Update:
        """Share a location."""
        return self.post(sender, location=Location(longitude=longitude, latitude=latitude))

    def presses_button(self, sender: Sender, message_id: int, callback_data: str) -> Update:
        """Press an inline button the bot put under one of its messages."""
        world = self._world
        message = world.message(sender.chat.id, message_id)
        if message is None or message.from_user != world.bot:
            raise LookupError(f"the bot has no message {message_id} in chat {sender.chat.id}")
        markup = message.reply_markup
        data = [
            button.callback_data
            for row in (markup.inline_keyboard if markup else ())
            for button in row
        ]
        if callback_data not in data:
            raise LookupError(f"message {message_id} has no button with data {callback_data!r}")
        query = CallbackQuery(
            id=str(4_611_686_018_427_387_904 + world.serial()),
            from_user=sender.user,
            chat_instance=str(-(world.bot.id * 1_000_003 + abs(sender.chat.id))),
            message=message,
            data=callback_data,
        )
        world.callbacks[query.id] = PendingCallback(query, self._clock())
        update = Update(self._queue.next_id(), callback_query=query)
        self._queue.push(update)
        return update

    def blocks(self, user_id: int) -> Update:
        """Block the bot: later sends to the user get 403, and the bot hears of it."""
        self._world.blocked.add(user_id)
        return self._membership(user_id, blocked=True)

    def unblocks(self, user_id: int) -> Update:
        """Unblock the bot (a user does so by pressing Restart)."""
        self._world.blocked.discard(user_id)
        return self._membership(user_id, blocked=False)

    def removes_bot(self, user_id: int, chat_id: int) -> Update:
        """An admin removes the bot from a group: it hears nothing more there, sends get 403.

        Telegram reports it as ``my_chat_member``: ``kicked`` in a supergroup (removing bans
        there), ``left`` in a basic group.
        """
        world = self._world
        chat = world.chats.get(chat_id)
        if chat is None or chat.type == Chat.PRIVATE:
            raise LookupError(f"no group {chat_id}")
        world.removed_from.add(chat_id)
        admin = world.users.get(user_id) or world.user(user_id)
        until = dtm.datetime.fromtimestamp(0, dtm.UTC)
        gone = (
            ChatMemberBanned(world.bot, until_date=until)
            if chat.type == Chat.SUPERGROUP
            else ChatMemberLeft(world.bot)
        )
        change = ChatMemberUpdated(
            chat=chat,
            from_user=admin,
            date=world.now(),
            old_chat_member=ChatMemberMember(world.bot),
            new_chat_member=gone,
        )
        update = Update(self._queue.next_id(), my_chat_member=change)
        self._queue.push(update)
        return update

    def _membership(self, user_id: int, *, blocked: bool) -> Update:
        world = self._world
        user = world.users.get(user_id) or world.user(user_id)
        member = ChatMemberMember(world.bot)
        banned = ChatMemberBanned(world.bot, until_date=dtm.datetime.fromtimestamp(0, dtm.UTC))
        old, new = (member, banned) if blocked else (banned, member)
        change = ChatMemberUpdated(
            chat=world.private_chat(user),
            from_user=user,
            date=world.now(),
            old_chat_member=old,
            new_chat_member=new,
        )
        update = Update(self._queue.next_id(), my_chat_member=change)
        self._queue.push(update)
        return update
