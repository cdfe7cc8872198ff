"""Coordinator rooms, pure: replies, rooms with more people and names in the core's events."""

from __future__ import annotations

from typing import Any

import pytest

from bot.matrix.translate import (
    InboundKind,
    Offer,
    RoomView,
    inbound,
    matrix_chat,
    matrix_commands,
    matrix_user,
    replied_event,
    to_core,
)
from handlers.core.events import Action, ActionKind, Choice, Command, IncomingMessage
from tests.wiring import declared_table

BOT = "@tarjotin:example.org"
ANA = "@ana:example.org"
ROOM = "!coordinators:example.org"
FORWARD = "$forwarded-request"
TABLE = declared_table()
STAFF_COMMANDS = ("volunteer", "invite", "roles", "requests", "close", "reply")
GROUP = RoomView(
    bot=BOT,
    names=("Tarjotin",),
    direct=False,
    bot_events={FORWARD},
    group_commands=TABLE.group_commands,
)
DIRECT = RoomView(bot=BOT, names=("Tarjotin",), direct=True, bot_events={FORWARD})


def message(body: str, replied: str | None = None, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": "m.text", "body": body, **extra}
    if replied is not None:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": replied}}
    return {"type": "m.room.message", "sender": ANA, "event_id": "$answer", "content": content}


def core_event(event: dict[str, Any], room: RoomView, name: str | None = "Ana") -> Any:
    found = inbound(event, room)
    return to_core(found, ROOM, None, in_group=not room.direct, sender_name=name)


def test_a_reply_to_the_bots_forward_reaches_the_core_without_its_fallback() -> None:
    body = f"> <{BOT}> Request K7Q2 from a newcomer\n> (in Ukrainian)\n\nWe call her tomorrow."
    event = core_event(message(body, FORWARD), GROUP)
    assert event == IncomingMessage(
        matrix_user(ANA),
        matrix_chat(ROOM),
        "We call her tomorrow.",
        reply_to=FORWARD,
        in_group=True,
        sender_name="Ana",
    )


def test_a_reply_without_fallback_keeps_its_text() -> None:
    event = core_event(message("Selvä, hoidan.", FORWARD), GROUP, name=None)
    assert isinstance(event, IncomingMessage)
    assert (event.text, event.reply_to, event.sender_name) == ("Selvä, hoidan.", FORWARD, None)


@pytest.mark.parametrize(
    "event",
    [
        message("Onko joku menossa perjantaina?"),
        message("Minä tulen", "$a-persons-message"),
        message("!weather"),
    ],
)
def test_other_talk_in_a_coordinator_room_stays_unheard(event: dict[str, Any]) -> None:
    assert inbound(event, GROUP).kind is InboundKind.IGNORE


def test_a_reply_in_a_direct_room_carries_its_target_but_is_not_in_a_group() -> None:
    event = core_event(message("kiitos", FORWARD), DIRECT)
    assert isinstance(event, IncomingMessage)
    assert (event.reply_to, event.in_group) == (FORWARD, False)
    plain = core_event(message("kiitos"), DIRECT)
    assert isinstance(plain, IncomingMessage)
    assert plain.reply_to is None


@pytest.mark.parametrize("name", [*STAFF_COMMANDS, "join"])
def test_staff_and_new_commands_are_taken_in_rooms_without_the_bots_name(name: str) -> None:
    event = core_event(message(f"!{name} K7Q2"), GROUP)
    assert event == Command(matrix_user(ANA), matrix_chat(ROOM), name, "K7Q2", in_group=True)
    direct = core_event(message(f"!{name}"), DIRECT)
    assert isinstance(direct, Command)
    assert not direct.in_group
    assert set(STAFF_COMMANDS) < TABLE.group_commands


def test_a_numbered_choice_and_a_reaction_carry_the_senders_name() -> None:
    actions = (Action(ActionKind.REQUEST, "Send", "send:12"), Action(ActionKind.CANCEL, "No"))
    offer = Offer(FORWARD, actions)
    typed = to_core(inbound(message("1"), DIRECT), ROOM, offer, sender_name="Ana")
    reaction = {
        "type": "m.reaction",
        "sender": ANA,
        "event_id": "$r",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": FORWARD, "key": "2️⃣"}},
    }
    reacted = to_core(inbound(reaction, DIRECT), ROOM, offer, sender_name="Ana")
    assert typed == Choice(
        matrix_user(ANA), matrix_chat(ROOM), ActionKind.REQUEST, "send:12", sender_name="Ana"
    )
    assert isinstance(reacted, Choice)
    assert (reacted.action, reacted.sender_name) == (ActionKind.CANCEL, "Ana")


def test_the_replied_event_is_read_from_any_message() -> None:
    assert replied_event(message("x", FORWARD)) == FORWARD
    assert replied_event(message("x")) is None
    assert replied_event({"content": "not a mapping"}) is None
    thread = message("x")
    thread["content"]["m.relates_to"] = {"rel_type": "m.thread", "event_id": "$root"}
    assert replied_event(thread) is None


def test_staff_commands_in_core_texts_read_the_matrix_way() -> None:
    text = "Use /requests or /close K7Q2."
    assert matrix_commands(text, TABLE.command_names) == "Use !requests or !close K7Q2."
