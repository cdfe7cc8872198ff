"""Validation of what the bot sends: text, captions, keyboards, commands.

Each check raises the 400 Telegram gives for the same mistake, so a bot that
sends a 5000-character reply or 80-byte callback data fails here first.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup

from tests.telegram_server.errors import (
    BUTTON_DATA_INVALID,
    TEXT_EMPTY,
    bad_request,
)
from tests.telegram_server.markup import MarkupError, Rendered, checked_link, render, utf16_len
from tests.telegram_server.params import Params

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
    "copy_text", "callback_game", "pay",
)  # fmt: skip
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def formatted(
    p: Params, text_field: str, *, limit: int, too_long: str, required: bool = True
) -> Rendered | None:
    """Parse a text or caption with its parse_mode or entities; enforce emptiness and length."""
    text = p.text(text_field)
    if text is None or not text.strip():
        if required:
            raise bad_request(TEXT_EMPTY)
        return None
    entities_field = "entities" if text_field == "text" else "caption_entities"
    given = p.structured(entities_field, error="can't parse entities JSON object")
    if given is not None:
        rendered = Rendered(text, tuple(_entities(given)))
    else:
        try:
            rendered = render(text, p.text("parse_mode"))
        except MarkupError as exc:
            detail = str(exc)
            raise bad_request(
                detail if detail == "unsupported parse_mode" else f"can't parse entities: {detail}"
            ) from None
    if required and not rendered.text:
        raise bad_request(TEXT_EMPTY)
    if utf16_len(rendered.text) > limit:
        raise bad_request(too_long)
    return rendered


def _entities(given: Any) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
        raise bad_request("can't parse entities JSON object")
    for entity in given:
        if not isinstance(entity.get("offset"), int) or not isinstance(entity.get("length"), int):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be a valid Number')
    return [dict(entity) for entity in given]


def reply_markup(p: Params) -> tuple[dict[str, Any] | None, InlineKeyboardMarkup | None]:
    """Validate ``reply_markup``; give it as sent and, if inline, as PTB's markup."""
    markup = p.structured("reply_markup", error="can't parse reply keyboard markup JSON object")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup, None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'Field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return markup, InlineKeyboardMarkup.de_json(markup, None)


def _check_button(button: Any) -> None:
    """Refuse an inline button Telegram would refuse."""
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(action in button for action in _BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None:
        size = len(str(data).encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise bad_request(BUTTON_DATA_INVALID)
    url = button.get("url")
    if url is not None and not checked_link(str(url)):
        raise bad_request("BUTTON_URL_INVALID")


def bot_commands(p: Params) -> list[dict[str, str]]:
    """Validate ``setMyCommands``' list (absent means an empty list, as in Telegram)."""
    commands = p.structured("commands", error="can't parse commands JSON object")
    if commands is None:
        return []
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        for field in ("command", "description"):
            if field not in command:
                raise bad_request(f"can't parse BotCommand: Can't find field \"{field}\"")
        name = str(command["command"])
        description = str(command["description"])
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


def language_code(p: Params) -> str:
    """Read a two-letter ``language_code`` (empty for all languages)."""
    code = p.text("language_code") or ""
    if code and not _LANGUAGE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code


def scope_key(p: Params) -> str:
    """Name a command scope by its type and target, ``default`` when absent."""
    scope = p.structured("scope", error="can't parse BotCommandScope JSON object")
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    parts = [scope["type"], *(str(scope[k]) for k in ("chat_id", "user_id") if k in scope)]
    return ":".join(parts)


def callback_answer_text(p: Params) -> str | None:
    """Read the answer text of answerCallbackQuery, at most 200 characters."""
    text = p.text("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    return text


def entities_equal(a: tuple[dict[str, Any], ...], b: tuple[dict[str, Any], ...]) -> bool:
    """Compare entity lists regardless of key order."""
    return sorted(map(repr, map(sorted_items, a))) == sorted(map(repr, map(sorted_items, b)))


def sorted_items(entity: dict[str, Any]) -> list[tuple[str, Any]]:
    """Give an entity's items in key order."""
    return sorted((key, str(value)) for key, value in entity.items())
