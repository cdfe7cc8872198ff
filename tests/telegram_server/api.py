"""The Bot API methods the fake implements, over the shared world and update queue.

Each handler takes the call's :class:`Params` and gives the ``result`` Telegram
would, built from PTB's own types, or raises :class:`ApiError` with Telegram's
status and wording. Transport, tokens and fault injection live in ``server.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    Chat,
    Document,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    PhotoSize,
    User,
    WebhookInfo,
)

from tests.telegram_server import content
from tests.telegram_server.errors import (
    BLOCKED,
    CANT_INITIATE,
    CAPTION_TOO_LONG,
    CHAT_ID_EMPTY,
    CHAT_NOT_FOUND,
    EDIT_TEXT_TOO_LONG,
    KICKED_FROM_GROUP,
    KICKED_FROM_SUPERGROUP,
    MESSAGE_CANT_BE_EDITED,
    MESSAGE_ID_MISSING,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    REPLY_NOT_FOUND,
    TEXT_TOO_LONG,
    bad_request,
    forbidden,
    polling_conflict,
    too_many_requests,
    webhook_conflict,
)
from tests.telegram_server.limits import Clock, FloodControl
from tests.telegram_server.markup import Rendered
from tests.telegram_server.params import Params, Upload
from tests.telegram_server.records import AnsweredCallback, ChatAction, EditedMessage, SentMessage
from tests.telegram_server.state import World, message_json
from tests.telegram_server.updates import UpdateQueue
from tests.telegram_server.webhook import WebhookDelivery, WebhookSettings

_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_PROFILE_TEXTS = {
    "description": "description",
    "shortdescription": "short_description",
    "name": "name",
}


@dataclass(frozen=True)
class Reply:
    """A result with the optional ``description`` Telegram adds (e.g. "Webhook was set")."""

    result: Any
    description: str | None = None


Handler = Callable[[Params], Awaitable[Any]]


@dataclass(frozen=True)
class _Outgoing:
    """A validated message, ready to be counted and stored."""

    chat: Chat
    rendered: Rendered | None
    markup: dict[str, Any] | None
    inline: InlineKeyboardMarkup | None
    reply_to: Message | None


class BotApi:
    """Implements the Bot API methods against the fake's state."""

    def __init__(
        self,
        me: User,
        world: World,
        queue: UpdateQueue,
        flood: FloodControl,
        webhook: WebhookDelivery,
        *,
        clock: Clock,
        callback_ttl: float,
        closing: asyncio.Event,
    ) -> None:
        self._me = me
        self._world = world
        self._queue = queue
        self._flood = flood
        self._webhook = webhook
        self._clock = clock
        self._callback_ttl = callback_ttl
        self._closing = closing
        self._poll: asyncio.Event | None = None

    def handlers(self) -> dict[str, Handler]:
        """Map lower-case method names (Telegram ignores case) to handlers."""
        table: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
        }
        for name in _PROFILE_TEXTS:
            table[f"setmy{name}"] = self._profile_setter(name)
            table[f"getmy{name}"] = self._profile_getter(name)
        return table

    # --- identity and updates -------------------------------------------------------------

    async def get_me(self, p: Params) -> Any:
        """Describe the bot."""
        return self._me.to_dict()

    async def get_updates(self, p: Params) -> Any:
        """Long-poll: confirm by ``offset``, then wait up to ``timeout`` for updates."""
        if self._webhook.settings is not None:
            raise webhook_conflict()
        if self._poll is not None:
            self._poll.set()
        superseded = self._poll = asyncio.Event()
        self._world.notifier.notify()
        allowed = p.structured("allowed_updates", error="can't parse allowed_updates JSON object")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self._queue.set_allowed([str(kind) for kind in allowed] if allowed is not None else None)
        self._queue.confirm(p.integer("offset"))
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while not self._queue.peek(1) and not self._closing.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await _first_of(
                    [self._queue_changed(), superseded.wait(), self._closing.wait()], remaining
                )
                if superseded.is_set():
                    raise polling_conflict()
        finally:
            if self._poll is superseded:
                self._poll = None
        return self._queue.peek(limit)

    @property
    def polling(self) -> bool:
        """Tell whether a getUpdates request is being held open right now."""
        return self._poll is not None

    def _queue_changed(self) -> Awaitable[bool]:
        return self._world.notifier.changed().wait()

    # --- webhook ----------------------------------------------------------------------------

    async def set_webhook(self, p: Params) -> Any:
        """Set (or, with an empty url, remove) the webhook."""
        url = (p.text("url") or "").strip()
        if not url:
            return await self.delete_webhook(p)
        _check_webhook_url(url)
        secret = p.text("secret_token")
        if secret is not None and not (1 <= len(secret) <= 256 and set(secret) <= _SECRET_CHARS):
            raise bad_request("secret token contains unallowed characters")
        max_connections = min(max(p.integer("max_connections") or 40, 1), 100)
        settings = WebhookSettings(url, secret, max_connections, p.text("ip_address"))
        allowed = p.structured("allowed_updates", error="can't parse allowed_updates JSON object")
        if p.flag("drop_pending_updates"):
            self._queue.drop_all()
        self._queue.set_allowed([str(k) for k in allowed] if isinstance(allowed, list) else None)
        if self._poll is not None:
            self._poll.set()
        unchanged = self._webhook.settings == settings
        if not unchanged:
            await self._webhook.configure(settings)
        return Reply(True, "Webhook is already set" if unchanged else "Webhook was set")

    async def delete_webhook(self, p: Params) -> Any:
        """Remove the webhook so getUpdates works again."""
        if p.flag("drop_pending_updates"):
            self._queue.drop_all()
        if self._webhook.settings is None:
            return Reply(True, "Webhook is already deleted")
        await self._webhook.configure(None)
        return Reply(True, "Webhook was deleted")

    async def get_webhook_info(self, p: Params) -> Any:
        """Report the webhook, its pending updates and its last delivery error."""
        hook = self._webhook
        settings = hook.settings
        info = WebhookInfo(
            url=settings.url if settings else "",
            has_custom_certificate=False,
            pending_update_count=self._queue.pending_count,
            ip_address=(settings.ip_address or "127.0.0.1") if settings else None,
            last_error_date=(
                dtm.datetime.fromtimestamp(hook.last_error_date, dtm.UTC)
                if settings and hook.last_error_date
                else None
            ),
            last_error_message=hook.last_error_message if settings else None,
            max_connections=settings.max_connections if settings else None,
            allowed_updates=self._queue.allowed if settings else None,
        )
        return info.to_dict()

    # --- sending ----------------------------------------------------------------------------

    async def send_message(self, p: Params) -> Any:
        """Send a text message."""
        chat = self._chat(p)
        rendered = content.formatted(p, "text", limit=content.MAX_TEXT, too_long=TEXT_TOO_LONG)
        outgoing = self._outgoing(p, chat, rendered)
        return self._send("sendMessage", p, outgoing, {}, None, None)

    async def send_photo(self, p: Params) -> Any:
        """Send a photo: an upload, a known file_id or a URL."""
        chat = self._chat(p)
        upload, file_id = self._file(p, "photo", "AgACAgIAAxkBAAI")
        caption = self._caption(p)
        outgoing = self._outgoing(p, chat, caption)
        unique = f"AQAD{file_id[-12:]}"
        size = len(upload.data) if upload else None
        photo = [
            PhotoSize(f"{file_id}s", f"{unique}s", 90, 90, file_size=size and min(size, 1500)),
            PhotoSize(file_id, unique, 800, 800, file_size=size),
        ]
        return self._send("sendPhoto", p, outgoing, {"photo": photo}, upload, file_id)

    async def send_document(self, p: Params) -> Any:
        """Send a document: an upload, a known file_id or a URL."""
        chat = self._chat(p)
        upload, file_id = self._file(p, "document", "BQACAgIAAxkBAAI")
        caption = self._caption(p)
        outgoing = self._outgoing(p, chat, caption)
        document = Document(
            file_id,
            f"AQAD{file_id[-12:]}",
            file_name=upload.filename if upload else None,
            mime_type=upload.content_type if upload else None,
            file_size=len(upload.data) if upload else None,
        )
        return self._send("sendDocument", p, outgoing, {"document": document}, upload, file_id)

    def _caption(self, p: Params) -> Rendered | None:
        return content.formatted(
            p, "caption", limit=content.MAX_CAPTION, too_long=CAPTION_TOO_LONG, required=False
        )

    def _file(self, p: Params, field: str, prefix: str) -> tuple[Upload | None, str]:
        """Find the file a send refers to; give the upload (if any) and its file_id."""
        upload = p.upload(field)
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            file_id, _ = self._world.file_ids(prefix)
            self._world.files[file_id] = upload
            return upload, file_id
        reference = p.text(field)
        if not reference:
            raise bad_request(f"there is no {field} in the request")
        if reference in self._world.files:
            return self._world.files[reference], reference
        if urlsplit(reference).scheme in {"http", "https"}:
            return None, self._world.file_ids(prefix)[0]
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _chat(self, p: Params) -> Chat:
        """Resolve ``chat_id`` to a chat the bot knows."""
        if not p.has("chat_id"):
            raise bad_request(CHAT_ID_EMPTY)
        chat_id = p.integer("chat_id")
        chat = self._world.chats.get(chat_id) if chat_id is not None else None
        if chat is not None:
            return chat
        if chat_id in self._world.users:
            raise forbidden(CANT_INITIATE)
        raise bad_request(CHAT_NOT_FOUND)

    def _outgoing(self, p: Params, chat: Chat, rendered: Rendered | None) -> _Outgoing:
        markup, inline = content.reply_markup(p)
        return _Outgoing(chat, rendered, markup, inline, self._reply_target(p, chat))

    def _reply_target(self, p: Params, chat: Chat) -> Message | None:
        parameters = p.structured(
            "reply_parameters", error="can't parse reply parameters JSON object"
        )
        if isinstance(parameters, dict):
            message_id = parameters.get("message_id")
            allow = bool(parameters.get("allow_sending_without_reply"))
        else:
            message_id = p.integer("reply_to_message_id")
            allow = p.flag("allow_sending_without_reply")
        if not isinstance(message_id, int):
            return None
        target = self._world.message(chat.id, message_id)
        if target is None and not allow:
            raise bad_request(REPLY_NOT_FOUND)
        return target

    def _admit(self, chat: Chat) -> None:
        """Refuse blocked users and groups without the bot (403), then count floods (429)."""
        if chat.type == Chat.PRIVATE and chat.id in self._world.blocked:
            raise forbidden(BLOCKED)
        if chat.id in self._world.removed_from:
            kicked = KICKED_FROM_SUPERGROUP if chat.type == Chat.SUPERGROUP else KICKED_FROM_GROUP
            raise forbidden(kicked)
        retry_after = self._flood.acquire(chat.id, is_private=chat.type == Chat.PRIVATE)
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def _send(
        self,
        method: str,
        p: Params,
        out: _Outgoing,
        media: dict[str, Any],
        upload: Upload | None,
        file_id: str | None,
    ) -> Any:
        self._admit(out.chat)
        world = self._world
        rendered = out.rendered
        text_key, entities_key = ("caption", "caption_entities") if media else ("text", "entities")
        fields: dict[str, Any] = dict(media)
        if rendered is not None:
            fields[text_key] = rendered.text
            fields[entities_key] = [
                MessageEntity.de_json(e, None) for e in rendered.entities
            ] or None
        message = Message(
            message_id=world.new_message_id(out.chat.id),
            date=world.now(),
            chat=out.chat,
            from_user=world.bot,
            reply_markup=out.inline,
            reply_to_message=out.reply_to,
            **fields,
        )
        world.store(message)
        preview = p.structured("link_preview_options", error="can't parse link preview options")
        world.record(
            SentMessage(
                message_id=message.message_id,
                chat_id=out.chat.id,
                method=method,
                text=p.text(text_key),
                parse_mode=p.text("parse_mode"),
                plain_text=rendered.text if rendered else None,
                entities=rendered.entities if rendered else (),
                reply_markup=out.markup,
                reply_to_message_id=out.reply_to.message_id if out.reply_to else None,
                disable_notification=p.flag("disable_notification"),
                link_preview_options=preview if isinstance(preview, dict) else None,
                upload=upload,
                file_id=file_id,
                date=int(message.date.timestamp()),
                params=p.raw(),
            )
        )
        return message_json(message)

    # --- editing ----------------------------------------------------------------------------

    def _own_message(self, p: Params, chat: Chat, missing: str) -> Message:
        if p.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request(MESSAGE_ID_MISSING)
        message = self._world.message(chat.id, message_id)
        if message is None:
            raise bad_request(missing)
        if message.from_user != self._world.bot:
            raise bad_request(MESSAGE_CANT_BE_EDITED)
        return message

    async def edit_message_text(self, p: Params) -> Any:
        """Replace a bot message's text (and its inline keyboard: absent removes it)."""
        chat = self._chat(p)
        rendered = content.formatted(p, "text", limit=content.MAX_TEXT, too_long=EDIT_TEXT_TOO_LONG)
        assert rendered is not None
        current = self._own_message(p, chat, MESSAGE_TO_EDIT_NOT_FOUND)
        markup, inline = content.reply_markup(p)
        old_entities = tuple(e.to_dict() for e in current.entities)
        if (
            current.text == rendered.text
            and content.entities_equal(old_entities, rendered.entities)
            and _same_markup(current.reply_markup, inline)
        ):
            raise bad_request(NOT_MODIFIED)
        entities = [MessageEntity.de_json(e, None) for e in rendered.entities] or None
        return self._edit(
            "editMessageText", p, current, {"text": rendered.text, "entities": entities},
            rendered, markup, inline,
        )  # fmt: skip

    async def edit_message_reply_markup(self, p: Params) -> Any:
        """Replace or remove a bot message's inline keyboard."""
        chat = self._chat(p)
        current = self._own_message(p, chat, MESSAGE_TO_EDIT_NOT_FOUND)
        markup, inline = content.reply_markup(p)
        if _same_markup(current.reply_markup, inline):
            raise bad_request(NOT_MODIFIED)
        keep = {
            key: getattr(current, key)
            for key in ("text", "entities", "caption", "caption_entities", "photo", "document")
            if getattr(current, key)
        }
        return self._edit("editMessageReplyMarkup", p, current, keep, None, markup, inline)

    def _edit(
        self,
        method: str,
        p: Params,
        current: Message,
        fields: dict[str, Any],
        rendered: Rendered | None,
        markup: dict[str, Any] | None,
        inline: InlineKeyboardMarkup | None,
    ) -> Any:
        self._admit(current.chat)
        world = self._world
        edited = Message(
            message_id=current.message_id,
            date=current.date,
            chat=current.chat,
            from_user=world.bot,
            reply_markup=inline,
            reply_to_message=current.reply_to_message,
            edit_date=world.now(),
            **fields,
        )
        world.store(edited)
        world.record(
            EditedMessage(
                chat_id=current.chat.id,
                message_id=current.message_id,
                method=method,
                text=p.text("text"),
                parse_mode=p.text("parse_mode"),
                plain_text=rendered.text if rendered else None,
                entities=rendered.entities if rendered else (),
                reply_markup=markup,
                params=p.raw(),
            )
        )
        return message_json(edited)

    async def delete_message(self, p: Params) -> Any:
        """Delete a message in a chat the bot knows."""
        chat = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request(MESSAGE_ID_MISSING)
        if self._world.messages.pop((chat.id, message_id), None) is None:
            raise bad_request(MESSAGE_TO_DELETE_NOT_FOUND)
        self._world.deleted.append((chat.id, message_id))
        self._world.notifier.notify()
        return True

    # --- callbacks, actions, commands -------------------------------------------------------

    async def answer_callback_query(self, p: Params) -> Any:
        """Answer a button press once, within the query's lifetime."""
        query_id = p.text("callback_query_id") or ""
        pending = self._world.callbacks.get(query_id)
        if pending is None or self._clock() - pending.created > self._callback_ttl:
            raise bad_request(QUERY_TOO_OLD)
        text = content.callback_answer_text(p)
        del self._world.callbacks[query_id]
        self._world.record(
            AnsweredCallback(
                callback_query_id=query_id,
                user_id=pending.query.from_user.id,
                data=pending.query.data,
                text=text,
                show_alert=p.flag("show_alert"),
                url=p.text("url"),
                cache_time=p.integer("cache_time"),
            )
        )
        return True

    async def send_chat_action(self, p: Params) -> Any:
        """Show "typing…" and the like."""
        chat = self._chat(p)
        action = p.text("action") or ""
        if action not in content.CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        if chat.type == Chat.PRIVATE and chat.id in self._world.blocked:
            raise forbidden(BLOCKED)
        self._world.record(ChatAction(chat.id, action))
        return True

    async def set_my_commands(self, p: Params) -> Any:
        """Set the command list for a scope and language."""
        commands = content.bot_commands(p)
        key = (content.scope_key(p), content.language_code(p))
        self._world.commands[key] = commands
        self._world.notifier.notify()
        return True

    async def get_my_commands(self, p: Params) -> Any:
        """Give the command list for a scope and language."""
        key = (content.scope_key(p), content.language_code(p))
        commands = self._world.commands.get(key, [])
        return [BotCommand(c["command"], c["description"]).to_dict() for c in commands]

    async def delete_my_commands(self, p: Params) -> Any:
        """Remove the command list for a scope and language."""
        key = (content.scope_key(p), content.language_code(p))
        self._world.commands.pop(key, None)
        self._world.notifier.notify()
        return True

    def _profile_setter(self, name: str) -> Handler:
        field = _PROFILE_TEXTS[name]

        async def setter(p: Params) -> Any:
            key = (field, content.language_code(p))
            value = p.text(field) or ""
            if value:
                self._world.profile_texts[key] = value
            else:
                self._world.profile_texts.pop(key, None)
            self._world.notifier.notify()
            return True

        return setter

    def _profile_getter(self, name: str) -> Handler:
        field = _PROFILE_TEXTS[name]

        async def getter(p: Params) -> Any:
            key = (field, content.language_code(p))
            fallback = self._world.profile_texts.get((field, ""), "")
            return {field: self._world.profile_texts.get(key, fallback)}

        return getter


def _same_markup(current: InlineKeyboardMarkup | None, new: InlineKeyboardMarkup | None) -> bool:
    return (current.to_dict() if current else None) == (new.to_dict() if new else None)


def _check_webhook_url(url: str) -> None:
    """Allow only loopback webhooks (the fake never calls out); Telegram's wording otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise bad_request("bad webhook: HTTPS url must be provided for webhook")
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")


async def _first_of(waits: list[Awaitable[Any]], seconds: float) -> None:
    """Wait until any of ``waits`` finishes or ``seconds`` pass; cancel the rest."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
