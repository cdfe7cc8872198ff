"""The Telegram channel: a thin adapter between the Bot API and the platform-neutral core.

``build_telegram_channel`` is the one entry point the runner needs. The modules are small and
each does one thing: ``translate`` (pure: updates to core events, replies to messages),
``callbacks`` (signed button data), ``limits`` (flood limits and retries), ``ordering`` (one
update per chat at a time, many chats at once), ``commands`` (the translated command menu),
``adapter`` (routing one update), ``channel`` (polling or webhook life cycle) and ``outbox``
(unprompted messages such as reminders; imported only by whoever sends them).
"""

from __future__ import annotations

import os

# python-telegram-bot 22 reports durations (retry_after, timeouts) as timedeltas only when asked
# to, and warns otherwise; this must be set before any of its objects are built.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.telegram.channel import TelegramChannel, build_telegram_channel

__all__ = ["TelegramChannel", "build_telegram_channel"]
