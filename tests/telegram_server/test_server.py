"""The fake Bot API server, driven by python-telegram-bot's own ``Bot`` to prove it faithful."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.limits import ManualClock, RateLimits
from tests.telegram_server.server import FakeTelegramServer
from tests.telegram_server.webhook import SECRET_HEADER, DeliveryPolicy

ALICE = 1001
BOB = 1002
GROUP = -1001234567890


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with fake_telegram.make_bot() as bot:
        yield bot


def last_description(server: FakeTelegramServer) -> str | None:
    return server.calls()[-1].description


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# --- identity, tokens, transport -------------------------------------------------------------


async def test_get_me_describes_the_bot_of_the_token(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == int(fake_telegram.token.split(":")[0])
    assert me.username == fake_telegram.bot_user.username
    assert me.can_read_all_group_messages is False


async def test_unknown_token_is_unauthorized(fake_telegram: FakeTelegramServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake_telegram.base_url}42:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{fake_telegram.base_url}malformed/getMe") as response:
            assert response.status == 404
    with pytest.raises(InvalidToken):
        async with fake_telegram.make_bot(token="42:wrong") as bot:
            await bot.get_me()


async def test_unknown_method_is_not_found(fake_telegram: FakeTelegramServer) -> None:
    url = f"{fake_telegram.base_url}{fake_telegram.token}/sendTelepathy"
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"


async def test_json_bodies_and_query_strings_are_accepted(
    fake_telegram: FakeTelegramServer,
) -> None:
    fake_telegram.user_starts(ALICE)
    root = f"{fake_telegram.base_url}{fake_telegram.token}"
    body = {
        "chat_id": ALICE,
        "text": "Hei!",
        "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{root}/sendMessage", json=body) as response:
            payload = await response.json()
        async with http.get(f"{root}/getMe?x=1") as response:
            me = await response.json()
    assert payload["ok"] is True
    assert payload["result"]["text"] == "Hei!"
    assert payload["result"]["reply_markup"] == body["reply_markup"]
    assert me["result"]["is_bot"] is True
    assert fake_telegram.sent_messages(ALICE)[0].callback_data == ["ok"]


# --- updates and long polling ----------------------------------------------------------------


async def test_get_updates_honours_offset(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE, "club-42", language_code="fi")
    fake_telegram.user_sends_text(BOB, "Onko tiistaina kerhoa?", language_code="uk")

    updates = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    confirmed = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    assert [u.update_id for u in updates] == [u.update_id for u in again]
    assert updates[0].update_id < updates[1].update_id
    start = updates[0].message
    assert start is not None
    assert start.text == "/start club-42"
    assert start.from_user is not None
    assert start.from_user.language_code == "fi"
    assert start.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert updates[1].message is not None
    assert updates[1].message.chat.id == BOB
    assert confirmed == ()
    assert fake_telegram.pending_updates() == []


async def test_get_updates_limit_and_negative_offset(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    for n in range(5):
        fake_telegram.user_sends_text(ALICE, f"viesti {n}")
    first_two = await bot.get_updates(limit=2, timeout=0)
    last_one = await bot.get_updates(offset=-1, timeout=0)
    assert [u.message.text for u in first_two if u.message] == ["viesti 0", "viesti 1"]
    assert [u.message.text for u in last_one if u.message] == ["viesti 4"]
    assert len(fake_telegram.pending_updates()) == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, fake_telegram.user_sends_text, ALICE, "hei")
    started = loop.time()
    updates = await bot.get_updates(timeout=3, read_timeout=5)
    elapsed = loop.time() - started
    assert [u.message.text for u in updates if u.message] == ["hei"]
    assert 0.15 < elapsed < 2.0


async def test_long_poll_holds_until_its_timeout_when_nothing_happens(bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1, read_timeout=5) == ()
    assert loop.time() - started >= 0.9


async def test_a_second_poller_terminates_the_first(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=3, read_timeout=5))
    await fake_telegram.wait_for(lambda: fake_telegram.long_polling, what="a held poll")
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert await second == ()


async def test_allowed_updates_are_remembered_and_filter_new_updates(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    fake_telegram.user_sends_text(ALICE, "ei mene perille")
    assert await bot.get_updates(timeout=0) == ()
    await bot.get_updates(timeout=0, allowed_updates=[])
    fake_telegram.user_sends_text(ALICE, "menee perille")
    assert [u.message.text for u in await bot.get_updates(timeout=0) if u.message] == [
        "menee perille"
    ]


async def test_incoming_media_parse_as_ptb_updates(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_sends_sticker(ALICE, emoji="🎉")
    fake_telegram.user_sends_photo(ALICE, caption="ilmoitus")
    fake_telegram.user_sends_voice(ALICE, duration=4)
    fake_telegram.user_sends_location(ALICE, 60.47, 24.81)
    messages = [u.message for u in await bot.get_updates(timeout=0)]
    assert all(m is not None for m in messages)
    sticker, photo, voice, location = (m for m in messages if m is not None)
    assert sticker.sticker is not None
    assert sticker.sticker.emoji == "🎉"
    assert photo.photo
    assert photo.caption == "ilmoitus"
    assert voice.voice is not None
    assert voice.voice.duration == dtm.timedelta(seconds=4)
    assert location.location is not None
    assert location.location.latitude == pytest.approx(60.47)


async def test_group_privacy_mode_hides_messages_not_meant_for_the_bot(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_sends_text(ALICE, "hyvää huomenta", chat_type="supergroup", chat_id=GROUP)
    fake_telegram.user_mentions_bot(ALICE, GROUP, "mitä tänään?")
    fake_telegram.user_sends_text(BOB, "/help", chat_type="supergroup", chat_id=GROUP)
    messages = [u.message for u in await bot.get_updates(timeout=0) if u.message]
    assert [m.text for m in messages] == [
        f"@{fake_telegram.bot_user.username} mitä tänään?",
        "/help",
    ]
    assert messages[0].entities[0].type == MessageEntity.MENTION
    assert messages[0].chat.type == "supergroup"


# --- sending, editing, buttons ---------------------------------------------------------------


async def test_sent_messages_are_recorded_and_returned_as_telegram_does(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    sent = await bot.send_message(
        ALICE, "<b>Kerho</b> tiistaina", parse_mode="HTML", reply_markup=keyboard("more:1")
    )
    [record] = await fake_telegram.wait_for_messages(ALICE, 1)
    assert sent.text == "Kerho tiistaina"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 5),)
    assert sent.from_user is not None
    assert sent.from_user.id == fake_telegram.bot_user.id
    assert record.message_id == sent.message_id
    assert record.text == "<b>Kerho</b> tiistaina"
    assert record.parse_mode == "HTML"
    assert record.plain_text == "Kerho tiistaina"
    assert record.inline_keyboard == [[{"text": "more:1", "callback_data": "more:1"}]]


async def test_button_press_reaches_the_bot_and_is_answered_once(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    sent = await bot.send_message(ALICE, "Valitse", reply_markup=keyboard("a", "b"))
    await bot.get_updates(offset=-1, timeout=0)
    fake_telegram.user_presses_button(ALICE, sent.message_id, "b")
    [update] = await bot.get_updates(offset=-1, timeout=0)
    query = update.callback_query
    assert query is not None
    assert query.data == "b"
    assert query.message is not None
    assert query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Selvä")
    [answer] = await fake_telegram.wait_for_callback_answers(1)
    assert (answer.user_id, answer.data, answer.text) == (ALICE, "b", "Selvä")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(LookupError):
        fake_telegram.user_presses_button(ALICE, sent.message_id, "not-there")


async def test_callback_queries_expire(fake_telegram_factory: FakeTelegramFactory) -> None:
    clock = ManualClock()
    server = await fake_telegram_factory(clock=clock, callback_ttl=15.0)
    server.user_starts(ALICE)
    async with server.make_bot() as bot:
        sent = await bot.send_message(ALICE, "Valitse", reply_markup=keyboard("x"))
        update = server.user_presses_button(ALICE, sent.message_id, "x")
        assert update.callback_query is not None
        clock.advance(16)
        with pytest.raises(BadRequest):
            await bot.answer_callback_query(update.callback_query.id)
    assert last_description(server) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_edit_message_text(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    sent = await bot.send_message(ALICE, "Sivu 1", reply_markup=keyboard("next"))
    edited = await bot.edit_message_text("Sivu 2", chat_id=ALICE, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "Sivu 2"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # Telegram drops a keyboard the edit does not repeat
    [edit] = await fake_telegram.wait_for_edits(ALICE, 1)
    assert (edit.message_id, edit.text, edit.inline_keyboard) == (sent.message_id, "Sivu 2", [])

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Sivu 2", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=999)
    user_message = fake_telegram.user_sends_text(ALICE, "oma viesti").message
    assert user_message is not None
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=user_message.message_id)


async def test_edit_reply_markup_and_delete(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    sent = await bot.send_message(ALICE, "Valitse", reply_markup=keyboard("a"))
    edited = await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=None)
    assert not isinstance(edited, bool)
    assert edited.text == "Valitse"
    assert edited.reply_markup is None
    assert await bot.delete_message(ALICE, sent.message_id)
    assert fake_telegram.deleted_messages() == [(ALICE, sent.message_id)]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)


async def test_unknown_chats_and_users_who_never_started(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "hei")
    fake_telegram.add_user(778)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(778, "hei")


async def test_blocked_user_gives_403_and_a_membership_update(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    await bot.get_updates(offset=-1, timeout=0)
    fake_telegram.block_bot(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "hei")
    assert last_description(fake_telegram) == "Forbidden: bot was blocked by the user"
    [update] = await bot.get_updates(offset=-1, timeout=0)
    change = update.my_chat_member
    assert change is not None
    assert change.new_chat_member.status == ChatMember.BANNED
    assert change.old_chat_member.status == ChatMember.MEMBER
    fake_telegram.unblock_bot(ALICE)
    assert await bot.send_message(ALICE, "tervetuloa takaisin")


async def test_too_long_and_empty_texts_are_refused(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    assert await bot.send_message(ALICE, "😀" * 2048)  # 4096 UTF-16 units: the limit
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "😀" * 2048 + "!")
    assert last_description(fake_telegram) == "Bad Request: message is too long"
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE, "  \n ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")
    long_html = "<b>" + "a" * 4096 + "</b>"  # tags do not count
    assert await bot.send_message(ALICE, long_html, parse_mode="HTML")


async def test_callback_data_longer_than_64_bytes_is_refused(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    assert await bot.send_message(ALICE, "ok", reply_markup=keyboard("ä" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ALICE, "liian pitkä", reply_markup=keyboard("ä" * 33))
    assert last_description(fake_telegram) == "Bad Request: BUTTON_DATA_INVALID"
    assert len(fake_telegram.sent_messages(ALICE)) == 1


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<p>kappale</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>lihava", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>a</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("ä</b>", "Unexpected end tag at byte offset 2"),
    ],
)
async def test_bad_html_is_refused_with_telegrams_wording(
    fake_telegram: FakeTelegramServer, bot: Bot, text: str, description: str
) -> None:
    fake_telegram.user_starts(ALICE)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ALICE, text, parse_mode="HTML")
    assert last_description(fake_telegram) == f"Bad Request: can't parse entities: {description}"


async def test_allowed_html_gives_entities(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    text = (
        '<b>B</b><i>I</i><u>U</u><s>S</s><tg-spoiler>P</tg-spoiler><a href="https://x.fi">L</a>'
        '<code>C</code><span class="tg-spoiler">Q</span><blockquote>R</blockquote>'
        "<strong>1</strong><em>2</em><ins>3</ins><strike>4</strike><del>5</del> &lt;&amp;&gt;"
    )
    sent = await bot.send_message(ALICE, text, parse_mode="HTML")
    assert sent.text == "BIUSPLCQR12345 <&>"
    types = [e.type for e in sent.entities]
    assert types == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code",
        "spoiler", "blockquote", "bold", "italic", "underline", "strikethrough", "strikethrough",
    ]  # fmt: skip
    assert sent.entities[5].url == "https://x.fi/"


async def test_markdown_v2_reserved_characters_must_be_escaped(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ALICE, "Klo 18.00!", parse_mode="MarkdownV2")
    assert last_description(fake_telegram) == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )
    sent = await bot.send_message(ALICE, r"*Klo* 18\.00\!", parse_mode="MarkdownV2")
    assert sent.text == "Klo 18.00!"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 3),)


async def test_photo_and_document_uploads_are_recorded(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    photo = await bot.send_photo(ALICE, photo=png, caption="<i>Kartta</i>", parse_mode="HTML")
    document = await bot.send_document(ALICE, document=b"BEGIN:VCALENDAR", filename="kerho.ics")
    again = await bot.send_photo(ALICE, photo=photo.photo[-1].file_id)

    photo_record, document_record, again_record = fake_telegram.sent_messages(ALICE)
    assert photo.caption == "Kartta"
    assert photo.photo
    assert photo_record.method == "sendPhoto"
    assert photo_record.upload is not None
    assert photo_record.upload.data == png
    assert document.document is not None
    assert document.document.file_name == "kerho.ics"
    assert document_record.upload is not None
    assert document_record.upload.data == b"BEGIN:VCALENDAR"
    assert again_record.upload == photo_record.upload
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(ALICE, photo=png, caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(ALICE, photo="no-such-file-id")


async def test_chat_actions_are_recorded(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    assert await bot.send_chat_action(ALICE, "typing")
    assert [a.action for a in fake_telegram.chat_actions(ALICE)] == ["typing"]


# --- commands -------------------------------------------------------------------------------


async def test_commands_are_kept_per_language(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Aloita")], language_code="fi")
    assert fake_telegram.registered_commands("fi") == [
        {"command": "start", "description": "Aloita"}
    ]
    assert [c["command"] for c in fake_telegram.registered_commands()] == ["start", "help"]
    assert fake_telegram.registered_commands("sv") == []
    assert await bot.get_my_commands(language_code="fi") == (BotCommand("start", "Aloita"),)
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("start", "x")], language_code="fi-x-plain")
    assert await bot.delete_my_commands(language_code="fi")
    assert fake_telegram.registered_commands("fi") == []


# --- flood control --------------------------------------------------------------------------


async def test_private_chat_allows_a_short_burst_then_one_per_second(
    fake_telegram_factory: FakeTelegramFactory,
) -> None:
    clock = ManualClock()
    server = await fake_telegram_factory(clock=clock)
    server.user_starts(ALICE)
    async with server.make_bot() as bot:
        for n in range(3):
            await bot.send_message(ALICE, f"viesti {n}")
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(ALICE, "yksi liikaa")
        assert refused.value.retry_after == dtm.timedelta(seconds=1)
        assert last_description(server) == "Too Many Requests: retry after 1"
        clock.advance(1.0)
        await bot.send_message(ALICE, "taas")
    assert len(server.sent_messages(ALICE)) == 4


async def test_group_allows_twenty_messages_a_minute(
    fake_telegram_factory: FakeTelegramFactory,
) -> None:
    clock = ManualClock()
    server = await fake_telegram_factory(clock=clock)
    server.user_sends_text(ALICE, "/start", chat_type="group", chat_id=GROUP)
    async with server.make_bot() as bot:
        for n in range(20):
            clock.advance(0.5)
            await bot.send_message(GROUP, f"viesti {n}")
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(GROUP, "yksi liikaa")
        assert refused.value.retry_after == dtm.timedelta(seconds=51)  # first one was at 0.5 s
        clock.advance(51)
        await bot.send_message(GROUP, "taas")


async def test_thirty_messages_a_second_overall(
    fake_telegram_factory: FakeTelegramFactory,
) -> None:
    clock = ManualClock()
    server = await fake_telegram_factory(clock=clock)
    users = range(5000, 5031)
    for user in users:
        server.user_starts(user)
    async with server.make_bot() as bot:
        for user in users[:30]:
            await bot.send_message(user, "tiedote")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[30], "tiedote")
        clock.advance(1.0)
        await bot.send_message(users[30], "tiedote")


async def test_limits_are_configurable_and_can_be_switched_off(
    fake_telegram_factory: FakeTelegramFactory,
) -> None:
    server = await fake_telegram_factory(limits=RateLimits.off())
    server.user_starts(ALICE)
    async with server.make_bot() as bot:
        for n in range(10):
            await bot.send_message(ALICE, f"viesti {n}")
    assert len(server.sent_messages(ALICE)) == 10


async def test_answers_and_commands_do_not_count_as_messages(
    fake_telegram_factory: FakeTelegramFactory,
) -> None:
    server = await fake_telegram_factory(clock=ManualClock())
    server.user_starts(ALICE)
    async with server.make_bot() as bot:
        for _ in range(5):
            await bot.get_me()
            await bot.set_my_commands([BotCommand("start", "Start")])
        for n in range(3):
            await bot.send_message(ALICE, f"viesti {n}")


# --- fault injection ------------------------------------------------------------------------


async def test_injected_429_raises_retry_after(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    fake_telegram.inject_faults("sendMessage", [429], retry_after=7)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ALICE, "hei")
    assert refused.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(ALICE, "hei")
    assert len(fake_telegram.sent_messages(ALICE)) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_injected_server_errors_raise_network_error(
    fake_telegram: FakeTelegramServer, bot: Bot, status: int
) -> None:
    fake_telegram.user_starts(ALICE)
    fake_telegram.inject_faults("sendMessage", [status])
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "hei")
    assert fake_telegram.sent_messages(ALICE) == []
    assert fake_telegram.calls("sendMessage")[-1].status == status
    await bot.send_message(ALICE, "hei")
    assert fake_telegram.pending_faults("sendMessage") == 0


async def test_injected_timeout_raises_timed_out(fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.user_starts(ALICE)
    fake_telegram.inject_faults("sendMessage", ["timeout", "timeout_after_apply"], delay=3.0)
    async with fake_telegram.make_bot(timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(ALICE, "ei perillä")
        assert fake_telegram.sent_messages(ALICE) == []
        with pytest.raises(TimedOut):
            await bot.send_message(ALICE, "perillä silti")
    assert [m.text for m in fake_telegram.sent_messages(ALICE)] == ["perillä silti"]


async def test_injected_disconnect_raises_network_error(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    fake_telegram.inject_faults("sendmessage", ["disconnect"])
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "hei")
    assert await bot.send_message(ALICE, "hei")


# --- webhook --------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A tiny webhook endpoint that records requests and answers as told."""

    url: str = ""
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        await self.gate.wait()
        self.requests.append((dict(request.headers), await request.json()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    endpoint.gate.set()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield endpoint
    endpoint.gate.set()
    await runner.cleanup()


async def test_get_updates_conflicts_while_a_webhook_is_set(
    fake_telegram: FakeTelegramServer, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    assert last_description(fake_telegram) == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_webhook_delivers_updates_with_the_secret_header(
    fake_telegram: FakeTelegramServer, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token="s3cr3t-Token_1")
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    receiver.gate.clear()
    sent = fake_telegram.user_sends_text(ALICE, "hei webhook")
    await fake_telegram.wait_for(
        lambda: fake_telegram.webhook.attempts == 1, what="a delivery attempt"
    )
    assert (await bot.get_webhook_info()).pending_update_count == 1
    receiver.gate.set()
    await fake_telegram.wait_until_consumed()

    [(headers, body)] = receiver.requests
    assert headers[SECRET_HEADER] == "s3cr3t-Token_1"
    assert headers["Content-Type"] == "application/json"
    update = Update.de_json(body, bot)
    assert update is not None
    assert update.update_id == sent.update_id
    assert update.message is not None
    assert update.message.text == "hei webhook"
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_retries_failed_deliveries(
    fake_telegram_factory: FakeTelegramFactory, receiver: Receiver
) -> None:
    server = await fake_telegram_factory(
        webhook_policy=DeliveryPolicy(retry_delays=(0.01, 0.02, 0.03))
    )
    receiver.statuses = [500, 502]
    async with server.make_bot() as bot:
        await bot.set_webhook(receiver.url)
        server.user_sends_text(ALICE, "yritä uudelleen")
        await server.wait_until_consumed()
        info = await bot.get_webhook_info()
    assert len(receiver.requests) == 3
    assert len(server.delivered_updates()) == 1
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert info.last_error_date is not None


async def test_bad_webhook_settings_are_refused(
    fake_telegram: FakeTelegramServer, bot: Bot, receiver: Receiver
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook(receiver.url, secret_token=fake_telegram.token)
    with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
        await bot.set_webhook("https://example.org/hook")


# --- waiting --------------------------------------------------------------------------------


async def test_wait_for_messages_names_what_was_sent_on_timeout(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    await bot.send_message(ALICE, "vain yksi")
    with pytest.raises(AssertionError, match="vain yksi"):
        await fake_telegram.wait_for_messages(ALICE, 2, timeout=0.2)


async def test_wait_for_messages_wakes_when_the_bot_sends(
    fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    fake_telegram.user_starts(ALICE)
    sending = asyncio.create_task(bot.send_message(ALICE, "tulossa"))
    [record] = await fake_telegram.wait_for_messages(ALICE, 1, timeout=2)
    assert record.text == "tulossa"
    await sending


async def test_call_log_keeps_parameters(fake_telegram: FakeTelegramServer, bot: Bot) -> None:
    fake_telegram.user_starts(ALICE)
    await bot.send_message(ALICE, "hei", disable_notification=True)
    call = fake_telegram.calls("sendMessage")[-1]
    assert call.status == 200
    assert json.loads(str(call.params["chat_id"])) == ALICE
    assert fake_telegram.sent_messages(ALICE)[0].disable_notification is True


# --- a whole PTB application ----------------------------------------------------------------


def echo_application(server: FakeTelegramServer) -> Application[Any, Any, Any, Any, Any, Any]:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "<b>Tervetuloa</b>", parse_mode="HTML", reply_markup=keyboard("lang:fi")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ok")
        await query.edit_message_text(f"valittu {query.data}")

    application = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    return application


async def test_ptb_application_long_polling_end_to_end(fake_telegram: FakeTelegramServer) -> None:
    application = echo_application(fake_telegram)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=1))
        fake_telegram.user_starts(ALICE, language_code="fi")
        [welcome] = await fake_telegram.wait_for_messages(ALICE, 1)
        fake_telegram.user_presses_button(ALICE, welcome.message_id, "lang:fi")
        [edit] = await fake_telegram.wait_for_edits(ALICE, 1)
        await application.updater.stop()
        await application.stop()
    assert welcome.plain_text == "Tervetuloa"
    assert edit.text == "valittu lang:fi"
    assert [a.text for a in fake_telegram.answered_callbacks()] == ["ok"]


async def test_ptb_application_webhook_end_to_end(fake_telegram: FakeTelegramServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    application = echo_application(fake_telegram)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="tarjotin-secret",
        )
        fake_telegram.user_starts(ALICE)
        [welcome] = await fake_telegram.wait_for_messages(ALICE, 1)
        await application.updater.stop()
        await application.stop()
    assert welcome.plain_text == "Tervetuloa"
    assert fake_telegram.delivered_updates()[0]["message"]["text"] == "/start"
