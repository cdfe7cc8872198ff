"""Unprompted messages (reminders) through the Telegram channel, as :class:`OutboxSender`.

The outbox decides when to retry, so this sender never raises for Telegram's errors and never
waits out a ``429`` itself: it reports ``retry_after`` at once. Server errors and timeouts are
still retried briefly by the limiter before they are reported as transient. Telegram cannot
deduplicate ``sendMessage``, so the idempotency key is not sent; a retry after a timeout may,
rarely, deliver a reminder twice.
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.telegram.channel import TelegramChannel
from bot.telegram.limits import NO_FLOOD_RETRIES, LimiterClosedError, retry_seconds
from bot.telegram.translate import PLATFORM
from handlers.events import ChatId, Reply
from handlers.ports import SendOutcome

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


class TelegramOutbox:
    """Sends one outbox message to a Telegram chat and says how it went."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Send ``reply`` to ``chat``; buttons in a private chat are bound to its user."""
        target = telegram_chat(chat)
        if target is None:
            return SendOutcome.failed(f"not a Telegram chat: {chat}")
        bot = self.channel.application.bot
        try:
            await self.channel.adapter.deliver(
                bot, target, target, [reply], flood_retries=NO_FLOOD_RETRIES
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
        log.debug("outbox message %s delivered", idempotency_key)
        return SendOutcome.delivered()
