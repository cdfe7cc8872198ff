"""Coordinator chats through the channel and the fake Bot API: the core's view, ids, removal."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.telegram.outbox_sender import TelegramOutbox
from handlers.core.conversation import Conversation
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
)
from handlers.core.ports import Outcome
from handlers.newcomers.assistant import Assistant
from tests.bot.telegram.conftest import NOW, Bot, BotFactory
from tests.wiring import fake_conversation

ANA, BOB = 1001, 1002
GROUP = -1001234567890
BASIC_GROUP = -4567
NOTED = "Noted."
LANGUAGES = {ANA: "fi", BOB: "en"}

Event = IncomingMessage | Command | Choice


class Recording(Conversation):
    """A conversation core that notes every event and answers each with one short reply."""

    def __init__(self, assistant: Assistant) -> None:
        base = fake_conversation(assistant, lambda: NOW)
        super().__init__(
            lambda: assistant, base.profiles, base.dialogues, base.clock, base.flows,
            base.questions,
        )
        self.events: list[Event] = []
        self.answer = Reply(NOTED, "en")

    async def on_message(self, message: IncomingMessage) -> list[Reply]:
        self.events.append(message)
        return [self.answer]

    async def on_command(self, command: Command) -> list[Reply]:
        self.events.append(command)
        return [self.answer]

    async def on_choice(self, choice: Choice) -> list[Reply]:
        self.events.append(choice)
        return [self.answer]

    async def heard(self, count: int, timeout: float = 5.0) -> list[Event]:  # noqa: ASYNC109
        """Wait until ``count`` events in all have reached the core; give them all."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} events, the core got {self.events}")
            await asyncio.sleep(0.02)
        return list(self.events)


@pytest.fixture
def conversation(assistant: Assistant) -> Recording:
    return Recording(assistant)


def core(bot: Bot) -> Recording:
    assert isinstance(bot.conversation, Recording)
    return bot.conversation


def name_people(bot: Bot) -> None:
    names = {ANA: "Ana", BOB: "Bob"}
    for user, language in LANGUAGES.items():
        bot.server.world.user(user, first_name=names[user], language_code=language)


def say(bot: Bot, user: int, text: str, reply_to: int | None = None, chat: int = GROUP) -> int:
    """A user writes in the group; gives the id of their message."""
    kind = "supergroup" if chat < -1_000_000_000_000 else "group"
    update = bot.server.user_sends_text(
        user,
        text,
        chat_type=kind,
        chat_id=chat,
        reply_to_message_id=reply_to,
        language_code=LANGUAGES[user],
    )
    assert update.message is not None
    return update.message.message_id


async def test_a_reply_to_the_bots_message_in_a_group_reaches_the_core(
    bot_factory: BotFactory,
) -> None:
    bot = await bot_factory(privacy_mode=False)  # the bot hears all chatter: it must filter
    name_people(bot)
    asked = say(bot, ANA, "/requests")  # a staff command, without the bot's name
    [answer] = await bot.replies(GROUP, 1)
    assert answer.reply_to_message_id == asked

    say(bot, BOB, "Hei kaikki, kuka tulee perjantaina?")  # chatter
    human = say(bot, BOB, "Minä tulen")
    say(bot, ANA, "Hyvä!", reply_to=human)  # a reply, but not to the bot
    reply = say(bot, ANA, "We can call her tomorrow.", reply_to=answer.message_id)

    first, second = await core(bot).heard(2)
    assert first == Command(
        first.user, ChatId(f"telegram:{GROUP}"), "requests", "", "fi", in_group=True
    )
    assert second == IncomingMessage(
        user=first.user,
        chat=ChatId(f"telegram:{GROUP}"),
        text="We can call her tomorrow.",
        language_hint="fi",
        reply_to=str(answer.message_id),
        in_group=True,
        sender_name="Ana",
    )
    [_, noted] = await bot.replies(GROUP, 2)
    assert noted.reply_to_message_id == reply
    await bot.server.wait_until_consumed()
    assert len(core(bot).events) == 2


async def test_with_privacy_mode_replies_to_the_bot_still_arrive(bot: Bot) -> None:
    name_people(bot)
    say(bot, BOB, "Mikä tämä on?")  # hidden from the bot by Telegram itself
    outcome = await TelegramOutbox(bot.channel).send(
        ChatId(f"telegram:{GROUP}"), Reply("Request K7Q2", "en"), "forward-1"
    )
    say(bot, BOB, "Vastaan tähän", reply_to=int(outcome.message_id))
    [event] = await core(bot).heard(1)
    assert isinstance(event, IncomingMessage)
    assert (event.reply_to, event.sender_name, event.in_group) == (
        outcome.message_id,
        "Bob",
        True,
    )


async def test_the_outbox_reports_the_ids_the_server_recorded(bot: Bot) -> None:
    bot.server.user_sends_text(ANA, "/start")  # a private chat with Ana exists
    await bot.replies(ANA, 1)
    say(bot, ANA, "/help")  # the group exists
    await bot.replies(GROUP, 1)
    outbox = TelegramOutbox(bot.channel)
    buttons = (Action(ActionKind.STAFF, "Close", "close:7"),)

    to_group = await outbox.send(
        ChatId(f"telegram:{GROUP}"), Reply("New request K7Q2", "en", buttons), "f1"
    )
    long_text = "\n".join(f"Line {n}: " + "x" * 60 for n in range(120))  # over 4096: two parts
    to_ana = await outbox.send(ChatId(f"telegram:{ANA}"), Reply(long_text, "en", buttons), "f2")

    assert (to_group.outcome, to_ana.outcome) == (Outcome.DELIVERED, Outcome.DELIVERED)
    group_sent = bot.server.sent_messages(GROUP)[-1]
    assert to_group.message_id == str(group_sent.message_id)
    assert group_sent.plain_text == "New request K7Q2"
    assert group_sent.buttons == []  # nobody in particular could press them
    *_, first_part, last_part = bot.server.sent_messages(ANA)
    assert to_ana.message_id == str(last_part.message_id) != str(first_part.message_id)
    assert bot.codec.decode(last_part.callback_data[0], ANA).argument == "close:7"


@pytest.mark.parametrize(
    ("chat", "kind"), [(GROUP, "supergroup"), (BASIC_GROUP, "group")]
)
async def test_a_group_that_removed_the_bot_is_blocked(bot: Bot, chat: int, kind: str) -> None:
    say(bot, ANA, "/help", chat=chat)
    await bot.replies(chat, 1)
    bot.server.remove_bot_from_group(chat, by=ANA)
    outcome = await TelegramOutbox(bot.channel).send(
        ChatId(f"telegram:{chat}"), Reply("Request K7Q2", "en"), "forward-1"
    )
    assert outcome.outcome is Outcome.BLOCKED
    assert f"bot was kicked from the {kind} chat" in outcome.error
    say(bot, ANA, "/requests", chat=chat)  # the bot no longer hears the group
    await bot.server.wait_until_consumed()
    assert [type(e) for e in core(bot).events] == [Command]
    assert len(bot.server.sent_messages(chat)) == 1


async def test_a_chat_telegram_does_not_know_fails(bot: Bot) -> None:
    outcome = await TelegramOutbox(bot.channel).send(
        ChatId("telegram:-1009999999999"), Reply("Request K7Q2", "en"), "forward-1"
    )
    assert outcome.outcome is Outcome.FAILED
    assert "chat not found" in outcome.error.lower()


async def test_a_button_press_carries_the_pressers_name(bot: Bot) -> None:
    name_people(bot)
    bot.server.user_sends_text(ANA, "/start")
    await bot.replies(ANA, 1)
    choice = Reply("Send it?", "en", (Action(ActionKind.REQUEST, "Send", "send:12"),))
    await TelegramOutbox(bot.channel).send(ChatId(f"telegram:{ANA}"), choice, "consent-12")
    [_, offer] = await bot.replies(ANA, 2)
    await bot.press(ANA, offer, "Send")
    [_, pressed] = await core(bot).heard(2)
    assert isinstance(pressed, Choice)
    assert (pressed.action, pressed.argument, pressed.sender_name) == (
        ActionKind.REQUEST,
        "send:12",
        "Ana",
    )
