"""One Telegram update in, the core's replies out: routing only, no conversation logic.

Messages become core events (see :mod:`bot.telegram.translate`); button presses are verified
(:mod:`bot.telegram.callbacks`) before they become :class:`~handlers.core.events.Choice` values;
a user blocking the bot, or a 403 when sending, marks them inactive in the core. Sending
reports the ids of the messages sent, so a reply to one of them can be matched later. Logs name
users by id (at debug level) and never hold message text or names.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.log_ids import who
from bot.telegram.callbacks import CallbackCodec, InvalidCallbackError, UnencodableError
from bot.telegram.translate import NonText, chat_id, read_message, render_reply, user_id
from handlers.core.conversation import Conversation
from handlers.core.events import Action, Choice, Command, Reply, UserId
from handlers.core.languages import resolve_language

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """Replies the adapter would have sent: where to, bound to whom (collected, not sent)."""

    chat: int
    telegram_user: int
    replies: list[Reply]


#: While set (one update handled from the inbox), :meth:`TelegramAdapter.send` collects here.
_collecting: ContextVar[list[Answer] | None] = ContextVar("telegram_answers", default=None)


async def collect_answers(handle: Awaitable[None]) -> list[Answer]:
    """Run ``handle`` with the adapter's sends collected instead of sent, in order.

    The inbox worker puts them in the outbox with the update's removal; answering a button's
    spinner (``answerCallbackQuery``) still goes directly.
    """
    answers: list[Answer] = []
    token = _collecting.set(answers)
    try:
        await handle
    finally:
        _collecting.reset(token)
    return answers

#: Telegram shows at most 200 characters in a button-press answer.
MAX_CALLBACK_ANSWER = 200

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramAdapter:
    """Routes each update to the conversation core and sends what it answers."""

    def __init__(
        self,
        conversation: Conversation,
        codec: CallbackCodec,
        bot_username: str = "",
        bot_id: int | None = None,
    ) -> None:
        self.conversation = conversation
        self.codec = codec
        self.bot_username = bot_username
        self.bot_id = bot_id

    async def handle(self, update: Update, bot: ExtBot[Any]) -> None:
        """Handle one update; updates the bot has no use for are ignored."""
        if update.message is not None:
            await self.on_message(update.message, bot)
        elif update.callback_query is not None:
            await self.on_button(update.callback_query, bot)
        elif update.my_chat_member is not None:
            await self.on_membership(update.my_chat_member)

    async def on_message(self, message: Message, bot: ExtBot[Any]) -> None:
        """A message: text, a command, or something the bot cannot read."""
        event = read_message(
            message, self.bot_username, self.bot_id, self.conversation.flows.group_commands
        )
        if event is None or message.from_user is None:
            return
        log.debug("message from user %s", who(user_id(message.from_user.id)))
        conversation = self.conversation
        if isinstance(event, NonText):
            profile = await conversation.profile(event.user)
            replies = [conversation.unsupported(profile.language, event.language_hint)]
        elif isinstance(event, Command):
            replies = await conversation.on_command(event)
        else:
            replies = await conversation.on_message(event)
        private = message.chat.type == Chat.PRIVATE
        reply_to = None if private else message.message_id
        await self.send(bot, message.chat.id, message.from_user.id, replies, reply_to=reply_to)

    async def on_button(self, query: CallbackQuery, bot: ExtBot[Any]) -> None:
        """A button press: verified, then handed to the core as a choice."""
        presser = query.from_user
        message = query.message
        chat = message.chat if message is not None else None
        target = chat.id if chat is not None else presser.id
        private = chat is None or chat.type == Chat.PRIVATE
        log.debug("button from user %s", who(user_id(presser.id)))
        try:
            decoded = self.codec.decode(query.data or "", presser.id)
        except InvalidCallbackError as error:
            log.info("refused button data (%s)", error.reason)
            reply = await self.invalid_choice(user_id(presser.id), presser.language_code)
            if private:
                await self.answer(query)
                await self.send(bot, target, presser.id, [reply])
            else:  # only the presser sees it: the group is not disturbed
                await self.answer(query, reply.text)
            return
        await self.answer(query)
        choice = Choice(
            user_id(presser.id),
            chat_id(target),
            decoded.action,
            decoded.argument,
            presser.language_code,
            sender_name=presser.full_name,
        )
        replies = await self.conversation.on_choice(choice)
        await self.send(bot, target, presser.id, replies)

    async def on_membership(self, change: ChatMemberUpdated) -> None:
        """A user blocked the bot in their private chat: the core stops writing to them."""
        if change.chat.type != Chat.PRIVATE:
            return
        if change.new_chat_member.status == ChatMember.BANNED:
            log.debug("user %s blocked the bot", who(user_id(change.from_user.id)))
            await self.conversation.on_blocked(user_id(change.from_user.id))

    async def tell_to_wait(self, update: object, bot: ExtBot[Any]) -> None:
        """Ask a user whose private chat overflows to wait (groups are not written to)."""
        message = update.message if isinstance(update, Update) else None
        if message is None or message.from_user is None or message.chat.type != Chat.PRIVATE:
            return
        sender = message.from_user
        notice = await self.conversation.busy(user_id(sender.id), sender.language_code)
        await self.send(bot, message.chat.id, sender.id, [notice])

    async def invalid_choice(self, user: UserId, hint: str | None) -> Reply:
        """The core's polite reply to a forged, stale or foreign button, in the user's language."""
        conversation = self.conversation
        profile = await conversation.profile(user)
        language = profile.language or resolve_language(
            hint, default=conversation.default_language
        )
        return conversation.invalid_choice(conversation.speaker(language))

    async def answer(self, query: CallbackQuery, text: str | None = None) -> None:
        """Stop the button's spinner; an answer that comes too late is not an error."""
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            text = text[: MAX_CALLBACK_ANSWER - 1] + "…"
        try:
            await query.answer(text)
        except TelegramError as error:
            log.debug("could not answer a button press: %s", error)

    async def send(
        self,
        bot: ExtBot[Any],
        chat: int,
        telegram_user: int,
        replies: list[Reply],
        *,
        reply_to: int | None = None,
    ) -> None:
        """Send replies as HTML messages; buttons are bound to ``telegram_user``.

        While answers are collected (:func:`collect_answers`) nothing is sent here. A 403 in a
        private chat means the user blocked the bot: the core is told and nothing
        more is sent to them.
        """
        collected = _collecting.get()
        if collected is not None:
            collected.append(Answer(chat, telegram_user, list(replies)))
            return
        try:
            await self.deliver(bot, chat, telegram_user, replies, reply_to=reply_to)
        except Forbidden:
            if chat > 0:
                log.debug("user %s has blocked the bot", who(user_id(chat)))
                await self.conversation.on_blocked(user_id(chat))
            else:
                log.debug("the bot may no longer write in group %s", who(chat_id(chat)))

    async def deliver(
        self,
        bot: ExtBot[Any],
        chat: int,
        telegram_user: int,
        replies: list[Reply],
        *,
        reply_to: int | None = None,
        flood_retries: int | None = None,
    ) -> list[int]:
        """Send replies, raising Telegram's errors (``flood_retries`` overrides the limiter's).

        Gives the ids of the messages sent, in order (a long reply is sent in several parts).
        """

        def encode(action: Action) -> str | None:
            try:
                return self.codec.encode(action.kind, action.argument, telegram_user)
            except UnencodableError as error:
                log.warning("left out a button: %s", error)
                return None

        reply_parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        sent: list[int] = []
        for reply in replies:
            for part in render_reply(reply, encode):
                message = await bot.send_message(
                    chat,
                    part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.keyboard,
                    link_preview_options=_NO_PREVIEW,
                    reply_parameters=reply_parameters,
                    rate_limit_args=flood_retries,
                )
                sent.append(message.message_id)
            if reply.document is not None:  # the tray report: a file after its summary
                document = reply.document
                message = await bot.send_document(
                    chat,
                    InputFile(document.content, filename=document.filename),
                    reply_parameters=reply_parameters,
                    rate_limit_args=flood_retries,
                )
                sent.append(message.message_id)
        return sent
