"""Many chats at once, one update per chat at a time, and no chat can crowd out the rest.

python-telegram-bot hands every update to an update processor. This one does not run the
update: it submits it to the channel's :class:`~bot.intake.FairIntake` and returns at once,
so a flooding user's backlog never holds the library's concurrency slots (with them all
held, nobody else's update would even start). The intake works each chat's updates off in
order; past its bound a burst of plain questions is coalesced (see :mod:`bot.intake`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Chat, Update
from telegram.ext import BaseUpdateProcessor

from bot.intake import Entry, FairIntake, Weight


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (``None`` for updates without one)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


def weight_of(update: object) -> Weight:
    """Only a private chat's plain text may be coalesced; commands and buttons never are."""
    if not isinstance(update, Update) or update.message is None:
        return Weight.KEEP
    message = update.message
    text = message.text
    if (
        message.chat.type != Chat.PRIVATE
        or text is None
        or text.lstrip().startswith("/")
        or message.reply_to_message is not None
    ):
        return Weight.KEEP
    return Weight.QUESTION


def _closer(coroutine: Awaitable[Any]) -> Callable[[], None]:
    def close() -> None:
        if inspect.iscoroutine(coroutine):
            coroutine.close()

    return close


class PerChatOrder(BaseUpdateProcessor):
    """Hands each update to the fair intake; the intake runs it in its chat's turn."""

    def __init__(self, intake: FairIntake, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.intake = intake

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Queue ``coroutine`` behind the chat's earlier updates; returns without waiting."""

        async def work() -> None:
            await coroutine

        entry = Entry(weight_of(update), work, drop=_closer(coroutine), subject=update)
        self.intake.submit(chat_key(update), entry)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing may run once the bot is shut down (the channel closes the intake first)."""
        await self.intake.close(grace=0.0)

    @property
    def chats_in_progress(self) -> int:
        """How many chats have an update being processed or waiting (for tests and stats)."""
        return self.intake.chats_in_progress
