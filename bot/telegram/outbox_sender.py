"""Unprompted messages (reminders, notices, forwards) through Telegram, as :class:`OutboxSender`.

The drainer picks the message through the channel's one pacer and decides when to retry, so
this sender makes one attempt (``OUTBOX``: the limiter paces it like any message but does not
retry it), never raises for Telegram's errors and reports a ``429`` as ``retry_after`` at
once. Telegram cannot deduplicate ``sendMessage``, so the idempotency key is not sent; a
retry after a timeout may, rarely, deliver a reminder twice.

A delivered message is reported with Telegram's id of the (last) message sent, so that a reply
to it (a coordinator answering a forwarded request) can be matched. Groups (negative chat ids,
such as a coordinator chat) get no buttons: button data is signed for one user, and nobody in
particular reads a group. A group the bot was removed from answers ``403`` ("bot was kicked
from the group chat"): reported as blocked; an unknown chat (``400 chat not found``) as failed,
so the core can reach the people there another way.
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.log_ids import key_label
from bot.telegram.channel import TelegramChannel
from bot.telegram.limits import OUTBOX, LimiterClosedError, retry_seconds
from bot.telegram.translate import PLATFORM
from handlers.core.events import ChatId, Reply
from handlers.core.ports import SendOutcome

log = logging.getLogger(__name__)


def telegram_chat(chat: ChatId) -> int | None:
    """The Telegram chat id in ``telegram:<id>``, or ``None`` for another platform's chat."""
    platform, _, number = chat.partition(":")
    if platform != PLATFORM:
        return None
    try:
        return int(number)
    except ValueError:
        return None


def is_group(telegram_chat_id: int) -> bool:
    """Whether a Telegram chat id is a group's (groups and supergroups have negative ids)."""
    return telegram_chat_id < 0


def for_chat(reply: Reply, telegram_chat_id: int) -> Reply:
    """The reply as it is sent to the chat: without its choices when the chat is a group."""
    if is_group(telegram_chat_id) and reply.actions:
        return Reply(reply.text, reply.language)
    return reply


class TelegramOutbox:
    """Sends one outbox message to a Telegram chat and says how it went."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Send ``reply`` to ``chat``; buttons in a private chat are bound to its user.

        In a group the reply goes without buttons (see :func:`for_chat`).
        """
        target = telegram_chat(chat)
        if target is None:
            return SendOutcome.failed(f"not a Telegram chat: {chat}")
        bot = self.channel.application.bot
        try:
            sent = await self.channel.adapter.deliver(
                bot, target, target, [for_chat(reply, target)], flood_retries=OUTBOX
            )
        except RetryAfter as error:
            return SendOutcome.retry_after(retry_seconds(error))
        except Forbidden as error:
            return SendOutcome.blocked(str(error))
        except BadRequest as error:
            return SendOutcome.failed(str(error))
        except (NetworkError, LimiterClosedError) as error:
            return SendOutcome.transient(f"{type(error).__name__}: {error}")
        except TelegramError as error:
            return SendOutcome.failed(f"{type(error).__name__}: {error}")
        log.debug("outbox message %s delivered", key_label(idempotency_key))
        return SendOutcome.delivered(str(sent[-1]) if sent else "")
