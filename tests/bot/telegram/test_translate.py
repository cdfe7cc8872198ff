"""Pure translation: Telegram messages to core events, replies to HTML messages and keyboards."""

from __future__ import annotations

import datetime as dtm

from hypothesis import given
from hypothesis import strategies as st
from telegram import Chat, Location, Message, Sticker, User

from bot.telegram.translate import (
    MAX_MESSAGE_UTF16,
    NonText,
    can_cut,
    escape,
    keyboard,
    keyboard_rows,
    read_message,
    render_reply,
    split_text,
    utf16_len,
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
from tests.telegram_server.markup import parse_html, render
from tests.telegram_server.people import detect_entities
from tests.wiring import declared_table

BOT = "tarjotin_bot"
ANA = User(1001, "Ana", is_bot=False, language_code="ar")
PRIVATE = Chat(1001, Chat.PRIVATE)
GROUP = Chat(-100123, Chat.SUPERGROUP, title="Kotoutujat")
ANA_ID, ANA_CHAT = UserId("telegram:1001"), ChatId("telegram:1001")
WHEN = dtm.datetime(2026, 11, 23, 10, 0, tzinfo=dtm.UTC)


def text_message(text: str, chat: Chat = PRIVATE, sender: User = ANA) -> Message:
    entities = detect_entities(text)
    return Message(1, WHEN, chat, from_user=sender, text=text, entities=entities or None)


# --- incoming ---------------------------------------------------------------------------------


def test_private_text_is_a_message_with_platform_ids_and_hint() -> None:
    event = read_message(text_message("Onko kerhoa tiistaina?"), BOT)
    assert event == IncomingMessage(
        ANA_ID, ANA_CHAT, "Onko kerhoa tiistaina?", "ar", sender_name=ANA.full_name
    )


def test_deep_link_arrives_as_the_argument_of_start() -> None:
    event = read_message(text_message("/start a-louhela-kielikahvila"), BOT)
    assert event == Command(ANA_ID, ANA_CHAT, "start", "a-louhela-kielikahvila", "ar")


def test_commands_addressed_to_another_bot_are_ignored() -> None:
    assert read_message(text_message("/help@other_bot", GROUP), BOT) is None
    assert read_message(text_message("/help@other_bot"), BOT) is None
    event = read_message(text_message("/HELP@Tarjotin_Bot", GROUP), BOT)
    assert isinstance(event, Command)
    assert (event.name, event.chat) == ("help", "telegram:-100123")
    assert event.chat == "telegram:-100123"


def test_in_groups_only_known_or_addressed_commands_and_mentions_count() -> None:
    assert read_message(text_message("hei kaikki", GROUP), BOT) is None
    assert read_message(text_message("/weather", GROUP), BOT) is None
    assert isinstance(read_message(text_message("/weather@tarjotin_bot", GROUP), BOT), Command)
    groups = declared_table().group_commands
    assert isinstance(read_message(text_message("/place", GROUP), BOT, None, groups), Command)
    assert read_message(text_message("/place", GROUP), BOT) is None  # no table, no commands
    event = read_message(text_message("@tarjotin_bot onko kerhoa 🙂 tänään?", GROUP), BOT)
    assert isinstance(event, IncomingMessage)
    assert event.text == "onko kerhoa 🙂 tänään?"
    mentioned_other = read_message(text_message("@someone_else onko kerhoa?", GROUP), BOT)
    assert mentioned_other is None


def test_a_bare_mention_asks_for_help() -> None:
    event = read_message(text_message("@tarjotin_bot", GROUP), BOT)
    assert isinstance(event, Command)
    assert event.name == "help"


def test_mention_after_astral_characters_is_found_by_utf16_offsets() -> None:
    text = "👩‍👧 كيف حالك @tarjotin_bot نادي اللغة؟"
    event = read_message(text_message(text, GROUP), BOT)
    assert isinstance(event, IncomingMessage)
    assert event.text == "👩‍👧 كيف حالك نادي اللغة؟"


def test_media_is_non_text_in_private_and_ignored_in_groups() -> None:
    sticker = Sticker("f", "u", 512, 512, False, False, Sticker.REGULAR, emoji="👍")
    private = Message(2, WHEN, PRIVATE, from_user=ANA, sticker=sticker)
    assert read_message(private, BOT) == NonText(ANA_ID, ANA_CHAT, "ar")
    located = Message(3, WHEN, GROUP, from_user=ANA, location=Location(24.9, 60.2))
    assert read_message(located, BOT) is None


def test_service_messages_and_other_bots_are_ignored() -> None:
    other_bot = User(42, "Bot", is_bot=True)
    assert read_message(text_message("hello", sender=other_bot), BOT) is None
    joined = Message(4, WHEN, GROUP, from_user=ANA, new_chat_members=(ANA,))
    assert read_message(joined, BOT) is None


# --- outgoing ---------------------------------------------------------------------------------


def plain(html_text: str) -> str:
    """What Telegram shows for HTML text (the fake server's faithful parser, trimmed)."""
    return render(html_text, "HTML").text


@given(st.text())
def test_escaped_text_shows_exactly_as_written(text: str) -> None:
    assert parse_html(escape(text)).text == text


def test_markup_lookalikes_are_shown_not_interpreted() -> None:
    text = "<b>Kerho</b> & <a href='x'>linkki</a> 1 < 2 > 0 &amp;"
    assert plain(escape(text)) == text
    assert parse_html(escape(text)).entities == ()


def test_split_keeps_line_boundaries_and_the_limit() -> None:
    line = "١٢٣ نادي اللغة — Kielikahvila 🇫🇮 é\n"  # RTL, emoji flag, combining accent
    text = line * 400
    assert len(text) > 10_000
    parts = split_text(text)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= MAX_MESSAGE_UTF16 for p in parts)
    assert all(p.endswith("\n") for p in parts)
    lines_per_part = MAX_MESSAGE_UTF16 // utf16_len(line)
    assert len(parts) == -(-400 // lines_per_part)  # every part but the last is full


def test_an_over_long_line_is_cut_at_a_space() -> None:
    words = "sana " * 1000
    parts = split_text(words, limit=100)
    assert "".join(parts) == words
    assert all(p.endswith(" ") for p in parts[:-1])
    assert all(utf16_len(p) <= 100 for p in parts)


def test_an_over_long_word_is_never_cut_inside_a_character() -> None:
    word = "e\u0301👍🏽👨‍👩‍👧🇫🇮" * 300  # combining accent, skin tone, ZWJ family, flag
    parts = split_text(word, limit=50)
    assert "".join(parts) == word
    assert all(utf16_len(p) <= 50 for p in parts)
    position = 0
    for part in parts[:-1]:
        position += len(part)
        assert can_cut(word, position), repr(word[position - 2 : position + 2])


@given(st.text(min_size=1, max_size=400), st.integers(min_value=2, max_value=60))
def test_split_always_rejoins_and_fits(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= limit for p in parts)


def encode(action: Action) -> str:
    return f"{action.kind.value}:{action.argument}"


def test_reply_becomes_html_parts_with_the_keyboard_under_the_last() -> None:
    text = ("ما هو <الجديد> & 🙂\n" * 600).strip()
    actions = (Action(ActionKind.MORE, "More", "1"), Action(ActionKind.CONTACT, "Talk to a person"))
    parts = render_reply(Reply(text, "ar", actions), encode)
    assert len(parts) > 1
    assert all(p.keyboard is None for p in parts[:-1])
    assert parts[-1].keyboard is not None
    assert all(utf16_len(plain(p.html)) <= MAX_MESSAGE_UTF16 for p in parts)
    assert "\n".join(plain(p.html) for p in parts) == text


def test_remind_buttons_are_shown_now_that_reminders_exist() -> None:
    actions = (
        Action(ActionKind.REMIND, "Remind me", "louhela-kielikahvila"),
        Action(ActionKind.CONTACT, "Talk to a person"),
    )
    markup = keyboard(actions, encode)
    assert markup is not None
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels == ["Remind me", "Talk to a person"]
    alone = keyboard(actions[:1], encode)
    assert alone is not None
    assert [b.text for row in alone.inline_keyboard for b in row] == ["Remind me"]


def test_language_buttons_pair_up_and_others_stand_alone() -> None:
    languages = [Action(ActionKind.CHOOSE_LANGUAGE, n, c) for c, n in [("fi", "Suomi"),
                 ("sv", "Svenska"), ("ar", "العربية")]]  # fmt: skip
    rows = keyboard_rows([*languages, Action(ActionKind.CONTACT, "Talk"),
                          Action(ActionKind.MORE, "More", "1")])  # fmt: skip
    assert [[a.label for a in row] for row in rows] == [
        ["Suomi", "Svenska"], ["العربية"], ["Talk"], ["More"]
    ]


def test_a_button_that_cannot_be_encoded_is_left_out() -> None:
    actions = (Action(ActionKind.SHOW, "A", "a"), Action(ActionKind.SHOW, "B", "b"))
    markup = keyboard(actions, lambda a: None if a.argument == "a" else "ok")
    assert markup is not None
    assert [b.text for row in markup.inline_keyboard for b in row] == ["B"]


def test_whitespace_only_replies_send_nothing() -> None:
    assert render_reply(Reply(" \n \n", "en"), encode) == []
