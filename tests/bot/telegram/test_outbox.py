"""Unprompted messages (reminders) through the channel report how sending went."""

from __future__ import annotations

from bot.telegram.outbox_sender import TelegramOutbox, telegram_chat
from handlers.core.events import Action, ActionKind, ChatId, Reply
from handlers.core.ports import Outcome
from tests.bot.telegram.conftest import Bot
from tests.telegram_server.faults import Fault

ANA = 1001
CHAT = ChatId("telegram:1001")
REMINDER = Reply(
    "Muistutus: Kielikahvila <huomenna> klo 17 🙂",
    "fi",
    (Action(ActionKind.STOP_REMINDERS, "Lopeta muistutukset", "louhela-kielikahvila"),),
)


def test_only_telegram_chats_are_ours() -> None:
    assert telegram_chat(CHAT) == 1001
    assert telegram_chat(ChatId("telegram:-100123")) == -100123
    assert telegram_chat(ChatId("matrix:!room:example.org")) is None
    assert telegram_chat(ChatId("telegram:x")) is None


async def test_a_reminder_is_delivered_with_buttons_bound_to_the_user(bot: Bot) -> None:
    bot.server.user_starts(ANA)
    await bot.replies(ANA, 1)
    outcome = await TelegramOutbox(bot.channel).send(CHAT, REMINDER, "reminder-1")
    assert outcome.outcome is Outcome.DELIVERED
    [_, sent] = await bot.replies(ANA, 2)
    assert sent.plain_text == REMINDER.text
    decoded = bot.codec.decode(sent.callback_data[0], ANA)
    assert (decoded.action, decoded.argument) == (ActionKind.STOP_REMINDERS, "louhela-kielikahvila")


async def test_failures_become_outcomes_not_exceptions(bot: Bot) -> None:
    bot.server.user_starts(ANA)
    await bot.replies(ANA, 1)
    outbox = TelegramOutbox(bot.channel)
    bot.server.inject_faults("sendMessage", [429], retry_after=7)
    flooded = await outbox.send(CHAT, REMINDER, "k")
    assert (flooded.outcome, flooded.seconds) == (Outcome.RETRY_AFTER, 7.0)
    bot.server.inject_faults("sendMessage", [500])  # one attempt: the drainer retries later
    assert (await outbox.send(CHAT, REMINDER, "k")).outcome is Outcome.TRANSIENT
    bot.server.inject_faults("sendMessage", [Fault("status", status=400, description="Bad")])
    assert (await outbox.send(CHAT, REMINDER, "k")).outcome is Outcome.FAILED
    bot.server.block_bot(ANA)
    assert (await outbox.send(CHAT, REMINDER, "k")).outcome is Outcome.BLOCKED
    assert (await outbox.send(ChatId("matrix:!r:x"), REMINDER, "k")).outcome is Outcome.FAILED
    assert len(bot.server.sent_messages(ANA)) == 1
