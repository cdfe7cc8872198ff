"""What the bot did, as tests read it: sent and edited messages, answers, calls.

Records are frozen snapshots taken when Telegram accepted the call, so a later
edit never rewrites what a test saw being sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.telegram_server.params import Upload


def _buttons(reply_markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not reply_markup:
        return []
    rows = reply_markup.get("inline_keyboard")
    return [list(row) for row in rows] if isinstance(rows, list) else []


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent; ``text`` is the text or caption exactly as the bot sent it."""

    message_id: int
    chat_id: int
    method: str
    text: str | None
    parse_mode: str | None
    plain_text: str | None
    entities: tuple[dict[str, Any], ...]
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    disable_notification: bool
    link_preview_options: dict[str, Any] | None
    upload: Upload | None
    file_id: str | None
    date: int
    params: dict[str, Any] = field(repr=False)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Give the inline keyboard rows as the bot sent them (empty when none)."""
        return _buttons(self.reply_markup)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Give every inline button, row after row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def callback_data(self) -> list[str]:
        """Give the callback data of every inline button that has some."""
        return [str(b["callback_data"]) for b in self.buttons if "callback_data" in b]


@dataclass(frozen=True)
class EditedMessage:
    """An accepted edit of one of the bot's messages (text or keyboard)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    parse_mode: str | None
    plain_text: str | None
    entities: tuple[dict[str, Any], ...]
    reply_markup: dict[str, Any] | None
    params: dict[str, Any] = field(repr=False)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Give the new inline keyboard rows (empty when removed or untouched)."""
        return _buttons(self.reply_markup)


@dataclass(frozen=True)
class AnsweredCallback:
    """The bot's answer to a button press."""

    callback_query_id: str
    user_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class ChatAction:
    """A ``sendChatAction`` the bot made (``typing`` and friends)."""

    chat_id: int
    action: str


@dataclass(frozen=True)
class ApiCall:
    """One HTTP call to the Bot API, whatever its outcome."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    at: float
