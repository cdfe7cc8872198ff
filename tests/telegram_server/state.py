"""The fake Telegram's world: users, chats, stored messages and what the bot did.

Both sides share it: simulated users add messages and button presses, Bot API
handlers check chats against it and record the bot's messages in it. Objects
are PTB's own types so their JSON is Telegram's shape.
"""

from __future__ import annotations

import datetime as dtm
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import CallbackQuery, Chat, Message, User

from tests.telegram_server.params import Upload
from tests.telegram_server.records import (
    AnsweredCallback,
    ApiCall,
    ChatAction,
    EditedMessage,
    SentMessage,
)
from tests.telegram_server.waiting import Notifier

_SERVICE_FLAGS = (
    "channel_chat_created",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
)


def message_json(message: Message) -> dict[str, Any]:
    """Serialise a message as Telegram does (PTB adds false service flags Telegram omits)."""
    payload = message.to_dict()
    for flag in _SERVICE_FLAGS:
        if payload.get(flag) is False:
            del payload[flag]
    return payload


@dataclass
class PendingCallback:
    """A button press the bot has not answered yet."""

    query: CallbackQuery
    created: float


@dataclass
class World:
    """Everything the fake remembers between calls."""

    bot: User
    wall_clock: Callable[[], float]
    notifier: Notifier
    users: dict[int, User] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    removed_from: set[int] = field(default_factory=set)
    """Groups the bot was removed from: it no longer hears them nor may write there."""
    messages: dict[tuple[int, int], Message] = field(default_factory=dict)
    callbacks: dict[str, PendingCallback] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    edits: list[EditedMessage] = field(default_factory=list)
    answers: list[AnsweredCallback] = field(default_factory=list)
    actions: list[ChatAction] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    profile_texts: dict[tuple[str, str], str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    _message_ids: dict[int, int] = field(default_factory=dict)
    _serial: int = 0

    def now(self) -> dtm.datetime:
        """Give the current time, whole seconds like Telegram's ``date``."""
        return dtm.datetime.fromtimestamp(int(self.wall_clock()), dtm.UTC)

    def serial(self) -> int:
        """Give a fresh number for ids that must be unique within the fake."""
        self._serial += 1
        return self._serial

    def file_ids(self, prefix: str) -> tuple[str, str]:
        """Make a (file_id, file_unique_id) pair in Telegram's style."""
        number = self.serial()
        return f"{prefix}{number:08d}AAQFAQ", f"AQAD{number:06d}"

    def user(
        self,
        user_id: int,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> User:
        """Give the user, created or updated with what the client reports now."""
        known = self.users.get(user_id)
        user = User(
            id=user_id,
            first_name=first_name or (known.first_name if known else f"User{user_id}"),
            is_bot=False,
            username=username or (known.username if known else None),
            language_code=language_code,
        )
        self.users[user_id] = user
        return user

    def private_chat(self, user: User) -> Chat:
        """Give the private chat between ``user`` and the bot (its id is the user's id)."""
        chat = Chat(
            id=user.id,
            type=Chat.PRIVATE,
            first_name=user.first_name,
            username=user.username,
        )
        self.chats[user.id] = chat
        return chat

    def group_chat(self, chat_id: int, chat_type: str, title: str | None) -> Chat:
        """Give a group or supergroup chat, created on first use."""
        known = self.chats.get(chat_id)
        chat = Chat(id=chat_id, type=chat_type, title=title or (known.title if known else None))
        if chat.title is None:
            chat = Chat(id=chat_id, type=chat_type, title=f"Group {abs(chat_id)}")
        self.chats[chat_id] = chat
        return chat

    def new_message_id(self, chat_id: int) -> int:
        """Give the next message id in a chat (ids count per chat, as in private chats)."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def store(self, message: Message) -> None:
        """Keep the current version of a message and wake waiters."""
        self.messages[(message.chat.id, message.message_id)] = message
        self.notifier.notify()

    def message(self, chat_id: int, message_id: int) -> Message | None:
        """Give a stored message, or ``None``."""
        return self.messages.get((chat_id, message_id))

    def record(self, item: SentMessage | EditedMessage | AnsweredCallback | ChatAction) -> None:
        """Remember something the bot did and wake waiters."""
        if isinstance(item, SentMessage):
            self.sent.append(item)
        elif isinstance(item, EditedMessage):
            self.edits.append(item)
        elif isinstance(item, AnsweredCallback):
            self.answers.append(item)
        else:
            self.actions.append(item)
        self.notifier.notify()
