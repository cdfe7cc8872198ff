"""Matrix events become the right core events, and replies the right Matrix content."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.matrix.ids import EventId, MatrixUserId, RoomId
from bot.matrix.translate import (
    MAX_TEXT_CHARS,
    Inbound,
    InboundKind,
    Offer,
    Refusal,
    RoomView,
    answered_event,
    inbound,
    keycap,
    matrix_chat,
    matrix_commands,
    matrix_user,
    notice_content,
    number_in,
    offered_actions,
    reaction_number,
    render,
    strip_reply_fallback,
    to_core,
)
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
    UserId,
)
from tests.wiring import declared_table

BOT = "@tarjotin:example.org"
ANA = MatrixUserId("@ana:example.org")
ROOM = RoomId("!room:example.org")
BOT_MESSAGE = EventId("$bot-message")
E1 = EventId("$e1")
DIRECT = RoomView(bot=BOT, names=("Tarjotin",), direct=True, bot_events={BOT_MESSAGE})
TABLE = declared_table()
GROUP = RoomView(
    bot=BOT,
    names=("Tarjotin",),
    direct=False,
    bot_events={BOT_MESSAGE},
    group_commands=TABLE.group_commands,
)


def message(body: str, sender: Any = ANA, **extra: Any) -> dict[str, Any]:
    content = {"msgtype": "m.text", "body": body, **extra}
    return {"type": "m.room.message", "sender": sender, "event_id": "$e1", "content": content}


def reaction(key: str, target: str = BOT_MESSAGE) -> dict[str, Any]:
    relation = {"rel_type": "m.annotation", "event_id": target, "key": key}
    content = {"m.relates_to": relation}
    return {"type": "m.reaction", "sender": ANA, "event_id": "$r1", "content": content}


def reply_to(event_id: str) -> dict[str, Any]:
    return {"m.relates_to": {"m.in_reply_to": {"event_id": event_id}}}


# --- ids, numbers, keys ------------------------------------------------------------------------


def test_core_ids_are_platform_qualified() -> None:
    assert matrix_user(ANA) == UserId("matrix:@ana:example.org")
    assert matrix_chat(ROOM) == ChatId("matrix:!room:example.org")


@given(st.integers(min_value=1, max_value=999))
def test_every_choice_key_reads_back_as_its_number(number: int) -> None:
    assert number_in(keycap(number)) == number
    assert number_in(str(number)) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 3 ", 3), ("2.", 2), ("#4", 4), ("(5)", 5), ("٢", 2), ("２", 2), ("🔟", 10)],
)
def test_numbers_are_read_as_people_type_them(text: str, number: int) -> None:
    assert number_in(text) == number


@pytest.mark.parametrize("text", ["", "0", "2 kerhoa", "1234", "kaksi", "2022-01-01", "1/2"])
def test_other_texts_are_no_number(text: str) -> None:
    assert number_in(text) is None


def test_keycaps_are_emoji_keys() -> None:
    assert keycap(1) == "1\ufe0f\u20e3"
    assert keycap(10) == "\U0001f51f"
    assert keycap(12) == keycap(1) + keycap(2)


def test_check_mark_confirms_only_a_short_choice() -> None:
    assert reaction_number("✅", 1) == 1
    assert reaction_number("✅", 2) == 1
    assert reaction_number("✅", 5) is None
    assert reaction_number("👍", 2) is None
    assert reaction_number(keycap(3), 5) == 3


# --- what is for the bot ------------------------------------------------------------------------


def test_a_direct_message_is_text_for_the_bot() -> None:
    assert inbound(message("Onko kerhoa?"), DIRECT) == Inbound(
        InboundKind.TEXT, E1, ANA, "Onko kerhoa?"
    )


@pytest.mark.parametrize(
    "event",
    [
        message("hello", sender=BOT),
        message("!help", msgtype="m.notice"),
        message("* korjattu", **{"m.relates_to": {"rel_type": "m.replace", "event_id": "$e0"}}),
        {"type": "m.room.topic", "sender": ANA, "event_id": "$t", "content": {"topic": "x"}},
        {"type": "m.room.message", "sender": ANA, "event_id": "$x", "content": "not a dict"},
        {"type": "m.room.message", "event_id": "$x", "content": {"body": "no sender"}},
    ],
)
def test_own_messages_notices_edits_and_malformed_events_are_ignored(event: Any) -> None:
    assert inbound(event, DIRECT).kind is InboundKind.IGNORE


def test_a_group_message_without_mention_is_not_for_the_bot() -> None:
    assert inbound(message("Onko kerhoa?"), GROUP).kind is InboundKind.IGNORE
    assert inbound(message("2"), GROUP).kind is InboundKind.IGNORE


def test_a_mention_addresses_the_bot_and_is_taken_out_of_the_text() -> None:
    pill = message(
        "Tarjotin: onko kerhoa?",
        format="org.matrix.custom.html",
        formatted_body=f'<a href="https://matrix.to/#/{BOT}">Tarjotin</a>: onko kerhoa?',
        **{"m.mentions": {"user_ids": [BOT]}},
    )
    for event in (pill, message("tarjotin, onko kerhoa?"), message(f"{BOT} onko kerhoa?")):
        found = inbound(event, GROUP)
        assert (found.kind, found.text) == (InboundKind.TEXT, "onko kerhoa?")


def test_a_mention_of_someone_else_is_not_for_the_bot() -> None:
    other = message("Pekka: onko kerhoa?", **{"m.mentions": {"user_ids": ["@pekka:x"]}})
    assert inbound(other, GROUP).kind is InboundKind.IGNORE
    assert inbound(message("Tarjotinkin on hyvä sana"), GROUP).kind is InboundKind.IGNORE


def test_known_bang_commands_are_for_the_bot_everywhere() -> None:
    found = inbound(message("!language uk"), GROUP)
    assert (found.kind, found.text, found.argument) == (InboundKind.COMMAND, "language", "uk")
    assert inbound(message("!ban pekka"), GROUP).kind is InboundKind.IGNORE
    assert inbound(message("/help"), GROUP).kind is InboundKind.IGNORE
    assert inbound(message("!ban pekka"), DIRECT).kind is InboundKind.COMMAND
    assert inbound(message("/help"), DIRECT).text == "help"
    assert inbound(message("! help"), DIRECT).kind is InboundKind.TEXT


def test_a_reply_to_the_bot_is_for_the_bot_and_loses_its_fallback() -> None:
    body = f"> <{BOT}> Where do you live?\n> 1️⃣ Espoo\n\n1"
    found = inbound(message(body, **reply_to(BOT_MESSAGE)), GROUP)
    assert (found.kind, found.text) == (InboundKind.TEXT, "1")
    assert inbound(message("1", **reply_to("$someone-else")), GROUP).kind is InboundKind.IGNORE


def test_reply_fallback_is_stripped_only_when_there() -> None:
    assert strip_reply_fallback("> <@a:x> hei\n\nmoi") == "moi"
    assert strip_reply_fallback("moi\n> quoted later") == "moi\n> quoted later"


@pytest.mark.parametrize("msgtype", ["m.image", "m.audio", "m.video", "m.file", "m.location"])
def test_non_text_is_unsupported_when_meant_for_the_bot(msgtype: str) -> None:
    event = message("kuva.png", msgtype=msgtype, url="mxc://x/y")
    assert inbound(event, DIRECT).kind is InboundKind.UNSUPPORTED
    assert inbound(event, GROUP).kind is InboundKind.IGNORE
    addressed = message("kuva.png", msgtype=msgtype, **reply_to(BOT_MESSAGE))
    assert inbound(addressed, GROUP).kind is InboundKind.UNSUPPORTED


def test_stickers_and_polls_are_unsupported() -> None:
    for kind in ("m.sticker", "org.matrix.msc3381.poll.start"):
        event = {"type": kind, "sender": ANA, "event_id": "$s", "content": {"body": "🐱"}}
        assert inbound(event, DIRECT).kind is InboundKind.UNSUPPORTED


def test_a_very_long_text_is_unsupported() -> None:
    assert inbound(message("a" * (MAX_TEXT_CHARS + 1)), DIRECT).kind is InboundKind.UNSUPPORTED
    assert inbound(message("a" * MAX_TEXT_CHARS), DIRECT).kind is InboundKind.TEXT


def test_reactions_count_only_on_the_bots_messages() -> None:
    found = inbound(reaction("2️⃣"), GROUP)
    assert (found.kind, found.text, found.target) == (InboundKind.REACTION, "2️⃣", BOT_MESSAGE)
    assert inbound(reaction("2️⃣", target="$ana-message"), DIRECT).kind is InboundKind.IGNORE


def test_a_threaded_message_is_answered_in_its_thread() -> None:
    relation = {"rel_type": "m.thread", "event_id": "$root", "m.in_reply_to": {"event_id": "$p"}}
    found = inbound(message("!help", **{"m.relates_to": relation}), DIRECT)
    assert found.thread == "$root"


# --- core events ------------------------------------------------------------------------------

MENU = Offer(
    BOT_MESSAGE,
    (
        Action(ActionKind.CHOOSE_NETWORK, "Espoo", "espoo"),
        Action(ActionKind.CHOOSE_NETWORK, "Hämeenlinna", "hameenlinna"),
    ),
)
USER, CHAT = matrix_user(ANA), matrix_chat(ROOM)


def text(body: str) -> Inbound:
    return Inbound(InboundKind.TEXT, E1, ANA, body)


def test_text_is_a_message_and_a_number_picks_from_the_standing_offer() -> None:
    assert to_core(text("Onko kerhoa?"), ROOM, MENU) == IncomingMessage(USER, CHAT, "Onko kerhoa?")
    assert to_core(text("2"), ROOM, MENU) == Choice(
        USER, CHAT, ActionKind.CHOOSE_NETWORK, "hameenlinna"
    )
    assert to_core(text("3"), ROOM, MENU) is Refusal.STALE_CHOICE
    assert to_core(text("3"), ROOM, None) == IncomingMessage(USER, CHAT, "3")


def test_commands_and_unsupported_events() -> None:
    command = Inbound(InboundKind.COMMAND, E1, ANA, "place")
    assert to_core(command, ROOM, MENU) == Command(USER, CHAT, "place")
    assert to_core(Inbound(InboundKind.UNSUPPORTED, E1, ANA), ROOM, MENU) is Refusal.UNSUPPORTED
    assert to_core(Inbound(InboundKind.IGNORE), ROOM, MENU) is None


def test_a_reaction_picks_on_the_offer_and_is_stale_elsewhere() -> None:
    def on(target: str, key: str) -> Inbound:
        return Inbound(InboundKind.REACTION, EventId("$r1"), ANA, key, target=EventId(target))

    assert to_core(on(BOT_MESSAGE, keycap(1)), ROOM, MENU) == Choice(
        USER, CHAT, ActionKind.CHOOSE_NETWORK, "espoo"
    )
    assert to_core(on(BOT_MESSAGE, "✅"), ROOM, MENU) == Choice(
        USER, CHAT, ActionKind.CHOOSE_NETWORK, "espoo"
    )
    assert to_core(on("$older-bot-message", keycap(1)), ROOM, MENU) is Refusal.STALE_CHOICE
    assert to_core(on(BOT_MESSAGE, keycap(7)), ROOM, MENU) is Refusal.STALE_CHOICE
    assert to_core(on(BOT_MESSAGE, "👍"), ROOM, MENU) is None
    assert answered_event(on(BOT_MESSAGE, "👍")) == BOT_MESSAGE
    assert answered_event(text("hei")) == "$e1"


# --- replies ----------------------------------------------------------------------------------


def test_choices_are_numbered_in_both_bodies_reminders_included() -> None:
    reply = Reply(
        "Found 1:\n\n1. Kielikahvila <Espoo>\n   Tue 17:00",
        "en",
        (
            Action(ActionKind.REMIND, "Remind me", "a1"),
            Action(ActionKind.MORE, "More", "1"),
            Action(ActionKind.CONTACT, "Talk to a person"),
        ),
    )
    actions = offered_actions(reply)
    assert [a.kind for a in actions] == [ActionKind.REMIND, ActionKind.MORE, ActionKind.CONTACT]
    plain, markup = render(reply, actions, "Answer with the number.")
    assert f"{keycap(1)} Remind me\n{keycap(2)} More\n{keycap(3)} Talk to a person" in plain
    assert plain.endswith("Answer with the number.")
    assert "&lt;Espoo&gt;" in markup
    assert "<Espoo>" not in markup
    assert "<br>&nbsp;&nbsp;&nbsp;Tue 17:00" in markup
    assert f"{keycap(2)} More<br>{keycap(3)} Talk to a person" in markup


def test_a_reply_without_choices_has_no_hint() -> None:
    plain, markup = render(Reply("OK.", "en"), (), "Answer with the number.")
    assert (plain, markup) == ("OK.", "OK.")


def test_command_names_follow_matrix_usage() -> None:
    text = "Use /mydata to see it and /forget to delete it. https://example.org/help"
    assert matrix_commands(text, TABLE.command_names) == (
        "Use !mydata to see it and !forget to delete it. https://example.org/help"
    )
    reminders = "Use /reminders to see them and /remind to add one; /remindme is no command."
    assert matrix_commands(reminders, TABLE.command_names) == (
        "Use !reminders to see them and !remind to add one; /remindme is no command."
    )


def test_notice_replies_to_the_message_in_its_thread() -> None:
    content = notice_content("p", "<b>p</b>", answer_to="$q", mention=ANA, thread="$root")
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert (content["body"], content["formatted_body"]) == ("p", "<b>p</b>")
    assert content["m.mentions"] == {"user_ids": [ANA]}
    assert content["m.relates_to"] == {
        "m.in_reply_to": {"event_id": "$q"},
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
    }
    greeting = notice_content("p", "p")
    assert "m.relates_to" not in greeting
    assert greeting["m.mentions"] == {}


def test_a_thumbs_reaction_answers_was_this_useful() -> None:
    answer = Offer(
        BOT_MESSAGE,
        (
            Action(ActionKind.CONTACT, "Talk to a person"),
            Action(ActionKind.FEEDBACK, "👍 Useful", "yes"),
            Action(ActionKind.FEEDBACK, "👎 Not useful", "no"),
        ),
    )

    def on(target: str, key: str) -> Inbound:
        return Inbound(InboundKind.REACTION, EventId("$r1"), ANA, key, target=EventId(target))

    assert to_core(on(BOT_MESSAGE, "👍"), ROOM, answer) == Choice(
        USER, CHAT, ActionKind.FEEDBACK, "yes"
    )
    assert to_core(on(BOT_MESSAGE, "👎🏽"), ROOM, answer) == Choice(
        USER, CHAT, ActionKind.FEEDBACK, "no"
    )
    assert to_core(on("$older-bot-message", "👍"), ROOM, answer) is None
    assert to_core(on(BOT_MESSAGE, "👍"), ROOM, MENU) is None  # no such question offered
