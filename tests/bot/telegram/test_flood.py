"""One user flooding the bot at Telegram's real limits: nobody else waits.

Through the fake Bot API with Telegram's real flood limits (30 messages a second overall,
about one a second per private chat) on both sides, one user sends 2,000 questions as fast
as he can while 20 others each ask one. The others' answers come within 2 s each; the
flooder is told once to wait, his burst is answered by its latest question, and no chat's
queue grows past its cap.
"""

from __future__ import annotations

import asyncio
import time

from bot.telegram.channel import TelegramOptions
from tests.bot.telegram.conftest import FAST, Bot, BotFactory

FLOODER = 7000
OTHERS = range(7101, 7121)
FLOOD = 2000
NOTICE = "Please wait a moment"
#: Telegram's real limits in the channel (its default) and in the fake server (its default).
REAL_LIMITS = TelegramOptions(
    poll_timeout=FAST.poll_timeout,
    request_timeout=FAST.request_timeout,
    retry=FAST.retry,
    stop_grace=FAST.stop_grace,
)


async def answered_after(bot: Bot, chat: int, text: str) -> float:
    started = time.monotonic()
    bot.server.user_sends_text(chat, text)
    await bot.replies(chat, 1, timeout=30.0)
    return time.monotonic() - started


async def test_twenty_users_are_answered_within_two_seconds_while_one_floods(
    bot_factory: BotFactory,
) -> None:
    bot = await bot_factory(options=REAL_LIMITS)
    for user in (FLOODER, *OTHERS):
        await bot.onboard(user, "en", "espoo")
    for _ in range(FLOOD - 1):
        bot.server.user_sends_text(FLOODER, "what is on this week?")
    bot.server.user_sends_text(FLOODER, "is there football?")
    await asyncio.sleep(0.5)  # the flood is in: the bot is busy with it
    waits = await asyncio.gather(
        *(answered_after(bot, user, "is there a language cafe?") for user in OTHERS)
    )
    assert max(waits) <= 2.0, sorted(waits)

    intake = bot.channel.intake
    await bot.server.wait_for(lambda: intake.chats_in_progress == 0, timeout=30.0,
                              what="the flooder's queue to be worked off")  # fmt: skip
    # The notice is sent beside the queue, paced like any message: it may arrive last.
    await bot.server.wait_for(
        lambda: any(NOTICE in text for text in bot.texts(FLOODER)),
        timeout=30.0,
        what="the notice to wait",
    )
    flooder_saw = bot.texts(FLOODER)
    assert sum(NOTICE in text for text in flooder_saw) == 1
    answers = [text for text in flooder_saw if NOTICE not in text]
    assert "football" in answers[-1].lower()
    assert len(flooder_saw) <= 2 * intake.bound
    assert intake.stats.longest_queue <= intake.hard_cap
    assert intake.stats.coalesced >= FLOOD - 2 * intake.bound
