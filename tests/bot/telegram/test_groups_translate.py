"""Coordinator chats, pure: replies, groups and names in core events; buttons and the menu."""

from __future__ import annotations

import datetime as dtm
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Chat, ForumTopicCreated, Message, User

from bot.telegram.callbacks import ACTION_CODES, CallbackCodec
from bot.telegram.commands import command_list
from bot.telegram.outbox_sender import for_chat, is_group
from bot.telegram.translate import (
    read_message,
    replied_message_id,
    replies_to_bot,
)
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Command,
    IncomingMessage,
    Reply,
    UserId,
)
from handlers.core.i18n import Translator
from tests.telegram_server.people import detect_entities
from tests.wiring import declared_table

BOT_NAME = "tarjotin_bot"
TABLE = declared_table()
GROUPS = TABLE.group_commands
STAFF_COMMANDS = ("volunteer", "invite", "roles", "requests", "close", "reply")
BOT = User(777, "Tarjotin", is_bot=True, username=BOT_NAME)
OTHER_BOT = User(778, "Weather", is_bot=True, username="weather_bot")
IMPOSTOR = User(779, "Fake", is_bot=True, username=BOT_NAME.upper())  # same name, other id
ANA = User(1001, "Ana", is_bot=False, last_name="Mäkinen", language_code="fi")
BOB = User(1002, "Bob", is_bot=False, language_code="en")
PRIVATE = Chat(1001, Chat.PRIVATE)
GROUP = Chat(-100123, Chat.SUPERGROUP, title="Koordinaattorit")
BASIC_GROUP = Chat(-4567, Chat.GROUP, title="Koordinaattorit")
WHEN = dtm.datetime(2026, 11, 23, 10, 0, tzinfo=dtm.UTC)


def message(
    text: str,
    chat: Chat = GROUP,
    sender: User = ANA,
    replied: Message | None = None,
    message_id: int = 50,
) -> Message:
    entities = detect_entities(text)
    return Message(
        message_id,
        WHEN,
        chat,
        from_user=sender,
        text=text,
        entities=entities or None,
        reply_to_message=replied,
    )


def bot_message(message_id: int = 41, chat: Chat = GROUP, author: User = BOT) -> Message:
    return Message(message_id, WHEN, chat, from_user=author, text="Request K7Q2: …")


# --- incoming ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chat", [GROUP, BASIC_GROUP])
def test_a_reply_to_the_bots_message_in_a_group_reaches_the_core(chat: Chat) -> None:
    replied = bot_message(41, chat)
    event = read_message(message("We can meet on Friday.", chat, replied=replied), BOT_NAME, 777)
    assert isinstance(event, IncomingMessage)
    assert event.text == "We can meet on Friday."
    assert event.reply_to == "41"
    assert event.in_group
    assert event.sender_name == "Ana Mäkinen"
    assert event.chat == f"telegram:{chat.id}"
    assert event.user == "telegram:1001"


def test_without_the_bots_id_its_username_recognises_its_messages() -> None:
    reply = message("Selvä", replied=bot_message(41))
    event = read_message(reply, BOT_NAME)
    assert isinstance(event, IncomingMessage)
    assert event.reply_to == "41"
    assert read_message(reply, "") is None  # nothing to recognise the bot by


@pytest.mark.parametrize(
    "replied",
    [
        message("Onko joku menossa?", sender=BOB, message_id=40),  # a person's message
        bot_message(42, author=OTHER_BOT),
        bot_message(43, author=IMPOSTOR),
    ],
)
def test_other_replies_and_chatter_in_a_group_stay_unheard(replied: Message) -> None:
    assert read_message(message("Minä tulen", replied=replied), BOT_NAME, 777) is None
    assert read_message(message("Minä tulen"), BOT_NAME, 777) is None
    assert not replies_to_bot(message("Minä tulen", replied=replied), BOT_NAME, 777)


def test_a_topic_message_is_no_reply_to_the_topics_opening() -> None:
    opening = Message(
        9,
        WHEN,
        GROUP,
        from_user=BOT,
        forum_topic_created=ForumTopicCreated("Pyynnöt", 0x6FB9F0),
    )
    in_topic = message("hei", replied=opening)
    assert replied_message_id(in_topic) is None
    assert read_message(in_topic, BOT_NAME, 777) is None


def test_private_messages_carry_the_reply_but_are_not_in_a_group() -> None:
    event = read_message(
        message("Kiitos!", PRIVATE, replied=bot_message(5, PRIVATE)), BOT_NAME, 777
    )
    assert isinstance(event, IncomingMessage)
    assert (event.reply_to, event.in_group, event.sender_name) == ("5", False, "Ana Mäkinen")
    plain = read_message(message("Kiitos!", PRIVATE), BOT_NAME, 777)
    assert isinstance(plain, IncomingMessage)
    assert plain.reply_to is None


def test_a_mention_in_a_group_is_in_the_group_and_keeps_its_reply() -> None:
    event = read_message(
        message(f"@{BOT_NAME} mitä tänään?", replied=message("x", sender=BOB, message_id=3)),
        BOT_NAME,
        777,
    )
    assert isinstance(event, IncomingMessage)
    assert (event.text, event.reply_to, event.in_group) == ("mitä tänään?", "3", True)
    assert event.sender_name == "Ana Mäkinen"


@pytest.mark.parametrize("name", [*STAFF_COMMANDS, "join"])
def test_staff_and_new_commands_are_taken_in_groups_without_the_bots_name(name: str) -> None:
    event = read_message(message(f"/{name} K7Q2"), BOT_NAME, 777, GROUPS)
    assert event == Command(
        UserId("telegram:1001"), ChatId("telegram:-100123"), name, "K7Q2", "fi", in_group=True
    )
    private = read_message(message(f"/{name}", PRIVATE), BOT_NAME, 777, GROUPS)
    assert isinstance(private, Command)
    assert not private.in_group


def test_unknown_commands_in_groups_stay_unheard() -> None:
    assert read_message(message("/weather"), BOT_NAME, 777, GROUPS) is None
    assert read_message(message("/close@other_bot K7Q2"), BOT_NAME, 777, GROUPS) is None
    assert read_message(message("/reminders"), BOT_NAME, 777, GROUPS) is None  # private only
    assert isinstance(read_message(message("/reminders", PRIVATE), BOT_NAME, 777, GROUPS), Command)


# --- outgoing ---------------------------------------------------------------------------------


def test_groups_get_replies_without_buttons_private_chats_with_them() -> None:
    reply = Reply("Uusi pyyntö", "fi", (Action(ActionKind.STAFF, "Sulje", "close:7"),))
    assert for_chat(reply, -100123) == Reply("Uusi pyyntö", "fi")
    assert for_chat(reply, -4567).actions == ()
    assert for_chat(reply, 1001) == reply
    assert (is_group(-1), is_group(1)) == (True, False)


def test_every_kind_of_choice_has_its_own_wire_code() -> None:
    assert set(ACTION_CODES) == set(ActionKind) - {ActionKind.LINK}  # links are URL buttons
    codes = list(ACTION_CODES.values())
    assert len(set(codes)) == len(codes)
    assert all(1 <= code <= 15 for code in codes)


@given(
    kind=st.sampled_from([ActionKind.VOLUNTEER, ActionKind.REQUEST, ActionKind.STAFF]),
    op=st.text(string.ascii_lowercase, min_size=1, max_size=8),
    value=st.text(string.ascii_letters + string.digits + "-_.", max_size=23),
)
def test_flow_choices_of_up_to_32_ascii_characters_fit_in_a_button(
    kind: ActionKind, op: str, value: str
) -> None:
    codec = CallbackCodec(b"tarjotin-test-secret-0123456789ab")
    argument = f"{op}:{value}"[:32]
    data = codec.encode(kind, argument, 1001)
    assert len(data.encode()) <= 64
    decoded = codec.decode(data, 1001)
    assert (decoded.action, decoded.argument) == (kind, argument)


def test_the_menu_advertises_newcomers_commands_only() -> None:
    menu = command_list(TABLE.commands, Translator().speaker("en"))
    described = {command.command for command in menu}
    assert {"join", "remind", "reminders", "mydata", "forget"} <= described
    assert not described & set(STAFF_COMMANDS)
