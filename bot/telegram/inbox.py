"""Telegram webhook updates through the database inbox (two instances behind a load balancer).

The webhook handler stores each update (:meth:`TelegramInbox.store`) and answers 200 only
once it is stored; a database error answers 503, so Telegram posts it again. Any instance's
:class:`~bot.inbox_worker.InboxWorker` then handles it (:meth:`TelegramInbox.handle`): the
adapter runs as for an update in memory, but what it would send is collected and becomes
outbox messages keyed ``reply:telegram:<update_id>:<n>``, enqueued together with the row's
removal. Answering a button's spinner (``answerCallbackQuery``) still goes directly.

The update is stored as Telegram sent it (the adapter reads its text, sender, chat, the
message replied to and the button data) and deleted once handled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import ExtBot

from bot.inbox_worker import InboxWorker
from bot.storage.inbox import InboxItem, SqlInbox, reply_key
from bot.storage.outbox import REPLY
from bot.telegram.adapter import TelegramAdapter, collect_answers
from bot.telegram.translate import PLATFORM, chat_id, user_id
from handlers.core.ports import Clock, OutgoingMessage

log = logging.getLogger(__name__)


def chat_of(update: Update) -> str:
    """The chat whose updates must be handled in order (the sender's, for a lone update)."""
    if update.effective_chat is not None:
        return str(chat_id(update.effective_chat.id))
    if update.effective_user is not None:
        return str(chat_id(update.effective_user.id))
    return f"{PLATFORM}:update:{update.update_id}"


class TelegramInbox:
    """Stores webhook updates, and answers stored ones through the outbox."""

    def __init__(
        self,
        inbox: SqlInbox,
        adapter: TelegramAdapter,
        bot: Callable[[], ExtBot[Any]],
        clock: Clock,
        *,
        on_enqueued: Callable[[], None] = lambda: None,
        hold: timedelta = timedelta(seconds=30),
        max_active: int = 64,
    ) -> None:
        self.inbox = inbox
        self.adapter = adapter
        self.bot = bot
        self.clock = clock
        self.worker = InboxWorker(
            inbox,
            PLATFORM,
            self.handle,
            clock,
            hold=hold,
            max_active=max_active,
            on_enqueued=on_enqueued,
        )

    async def store(self, update: Update, data: dict[str, Any]) -> web.Response:
        """Keep the update, then acknowledge it; 503 (Telegram retries) if it could not be kept."""
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        chat = chat_of(update)
        try:
            await self.inbox.store(PLATFORM, update.update_id, chat, payload, self.clock())
        except Exception as error:
            log.warning("update %d not stored: %s", update.update_id, type(error).__name__)
            return web.Response(status=503)
        self.worker.wake()
        return web.Response()

    async def handle(self, item: InboxItem) -> list[OutgoingMessage]:
        """Run the stored update through the adapter; what it answers, as outbox messages."""
        bot = self.bot()
        update = Update.de_json(json.loads(item.payload), bot)
        answers = await collect_answers(self.adapter.handle(update, bot))
        now = self.clock()
        messages: list[OutgoingMessage] = []
        for answer in answers:
            for reply in answer.replies:
                key = reply_key(PLATFORM, item.update_id, len(messages))
                chat = chat_id(answer.chat)
                messages.append(
                    OutgoingMessage(key, chat, user_id(answer.chat), reply, now, category=REPLY)
                )
        return messages
