"""Whole conversations with the bot on a real Synapse, driven by a human-like nio client."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.matrix.state import MatrixPaths
from bot.matrix.translate import KEYCAP_TEN, keycap
from bot.storage.database import Database, database_url
from handlers.core.conversation import Conversation
from tests.bot.matrix.conftest import MONDAY, BotStarter, PersonStarter, conversation_over
from tests.bot.matrix.people import replied_to, server_copy
from tests.fakes import FixedClock
from tests.matrix_server.fixtures import UserFactory
from tests.matrix_server.synapse import request_json
from tests.wiring import fake_conversation

QUESTION_UK = "Чи є група підтримки для жінок?"
ANSWER_UK = "Група підтримки для жінок"  # the demo activity ukraina-naisten-vertaistuki
HAMEENLINNA_EMAIL = "kotofoorumi@hameenlinna.example.fi"


def content(event: Any) -> dict[str, Any]:
    found: dict[str, Any] = event.source["content"]
    return found


def option_number(body: str, label_part: str) -> int:
    """The number the bot put before the option whose label contains ``label_part``."""
    for line in body.splitlines():
        key, _, label = line.partition(" ")
        if label_part in label:
            if key == KEYCAP_TEN:
                return 10
            digits = key.replace("\ufe0f", "").replace("\u20e3", "")
            if digits.isdecimal():
                return int(digits)
    raise AssertionError(f"no numbered option mentioning {label_part!r} in the answer")


def assert_notice(event: Any) -> None:
    """An m.notice with a plain and an HTML body."""
    body = content(event)
    assert body["msgtype"] == "m.notice"
    assert body["body"].strip()
    assert body["format"] == "org.matrix.custom.html"
    assert body["formatted_body"].strip()


async def test_invitation_onboarding_question_choice_and_reaction(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation)
    olga = await person("olga")
    room = await olga.create_room([bot.user_id], encrypted=False)

    (greeting,) = await olga.answers(room, bot.user_id)
    assert_notice(greeting)
    assert replied_to(greeting) is None

    question = await olga.say(room, QUESTION_UK)
    (onboarding,) = await olga.answers(room, bot.user_id)
    assert_notice(onboarding)
    assert replied_to(onboarding) == question
    text = content(onboarding)["body"]
    assert "Українська" in text  # the detected language, confirmed on first contact
    assert keycap(1) in text
    assert keycap(1) in content(onboarding)["formatted_body"]

    pick = await olga.say(room, str(option_number(text, "Hämeenlinna")))
    (answer,) = await olga.answers(room, bot.user_id)
    assert replied_to(answer) == pick
    assert ANSWER_UK in content(answer)["body"]
    assert ANSWER_UK in content(answer)["formatted_body"]

    talk = conversation.speaker("uk").gettext("Talk to a person")
    person_option = option_number(content(answer)["body"], talk)
    reaction = await olga.react(room, answer.event_id, keycap(person_option))
    (contact,) = await olga.answers(room, bot.user_id)
    assert reaction
    assert replied_to(contact) == answer.event_id
    assert HAMEENLINNA_EMAIL in content(contact)["body"]

    image = await olga.send(
        room, {"msgtype": "m.image", "body": "kuva.png", "url": "mxc://localhost/kuva"}
    )
    (unsupported,) = await olga.answers(room, bot.user_id)
    assert replied_to(unsupported) == image
    assert_notice(unsupported)

    await olga.say(room, "!language")
    (menu,) = await olga.answers(room, bot.user_id)
    french = option_number(content(menu)["body"], "Français")
    assert french > 10  # past the single keycap emoji: typed as a number
    await olga.say(room, str(french))
    await olga.answers(room, bot.user_id)
    await olga.say(room, "!mydata")
    (stored,) = await olga.answers(room, bot.user_id)
    assert "Français" in content(stored)["body"]


async def test_encrypted_direct_message(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation)
    olga = await person("olga", encrypted=True)
    room = await olga.create_room([bot.user_id], encrypted=True)
    (greeting,) = await olga.answers(room, bot.user_id)
    assert greeting.decrypted
    assert_notice(greeting)

    question = await olga.say(room, QUESTION_UK)
    (onboarding,) = await olga.answers(room, bot.user_id)
    assert onboarding.decrypted
    assert replied_to(onboarding) == question
    pick = await olga.say(room, str(option_number(content(onboarding)["body"], "Hämeenlinna")))
    (answer,) = await olga.answers(room, bot.user_id)
    assert answer.decrypted
    assert replied_to(answer) == pick
    assert ANSWER_UK in content(answer)["body"]

    stored = server_copy(olga.synapse, olga, room, answer.event_id)
    assert stored["type"] == "m.room.encrypted"
    assert ANSWER_UK not in str(stored)
    stored_question = server_copy(olga.synapse, olga, room, question)
    assert stored_question["type"] == "m.room.encrypted"


async def test_undecryptable_message_gets_a_request_to_resend(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation)
    olga = await person("olga", encrypted=True)
    room = await olga.create_room([bot.user_id], encrypted=True)
    await olga.answers(room, bot.user_id)  # the greeting

    garbled = olga.send_raw(
        room,
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": olga.client.olm.account.identity_keys["curve25519"],
            "device_id": olga.client.device_id,
            "session_id": "a-session-the-bot-never-received",
            "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg",
        },
    )
    (resend,) = await olga.answers(room, bot.user_id)
    assert resend.decrypted
    assert replied_to(resend) == garbled
    assert_notice(resend)

    again = await olga.say(room, "!help")
    (helped,) = await olga.answers(room, bot.user_id)
    assert replied_to(helped) == again


async def test_group_room_answers_only_when_addressed(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", conversation)
    olga, pekka, other_bot = await person("olga"), await person("pekka"), await person("robot")
    room = await olga.create_room(
        [bot.user_id, pekka.user_id, other_bot.user_id], encrypted=False, direct=False
    )
    await pekka.join(room)
    await other_bot.join(room)
    await olga.wait_for_member(room, bot.user_id)

    await olga.say(room, QUESTION_UK)  # not addressed: the bot stays out of it
    await other_bot.send(room, {"msgtype": "m.notice", "body": "!help"})  # another bot
    await olga.say(room, "4")  # a bare number is no choice of anyone's here
    await olga.silence(room, bot.user_id, 2.0)

    command = await pekka.say(room, "!contact")
    mention = await olga.say(room, QUESTION_UK, mention=bot.user_id)
    first, second = await olga.answers(room, bot.user_id, count=2)
    assert (replied_to(first), replied_to(second)) == (command, mention)
    assert content(second)["m.mentions"] == {"user_ids": [olga.user_id]}
    assert "Українська" in content(second)["body"]
    await olga.silence(room, bot.user_id, 1.0)


async def test_a_failing_event_does_not_stop_the_bot(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    demo_assistant: Any,
    tmp_path: Path,
) -> None:
    class Fragile(Conversation):
        async def on_message(self, message: Any) -> Any:
            if message.text == "boom":
                raise RuntimeError("the core failed on this one")
            return await super().on_message(message)

    base = fake_conversation(demo_assistant, FixedClock(MONDAY))
    fragile = Fragile(
        lambda: demo_assistant, base.profiles, base.dialogues, base.clock, base.flows,
        base.questions,
    )
    bot = await start_bot(matrix_user("bot"), tmp_path / "bot", fragile)
    olga = await person("olga")
    room = await olga.create_room([bot.user_id], encrypted=False)
    await olga.answers(room, bot.user_id)
    await olga.say(room, "boom")
    after = await olga.say(room, "!help")
    (helped,) = await olga.answers(room, bot.user_id)
    assert replied_to(helped) == after
    assert re.search(r"\S", content(helped)["body"])


async def test_restart_in_the_middle_of_a_conversation(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    demo_assistant: Any,
    tmp_path: Path,
) -> None:
    bot_user = matrix_user("bot")
    data = tmp_path / "bot"
    url = database_url(tmp_path, None)

    first_database = await Database.open(url)
    first = conversation_over(demo_assistant, first_database.sessions)
    bot = await start_bot(bot_user, data, first)
    device = bot.device_id
    olga = await person("olga", encrypted=True)
    room = await olga.create_room([bot.user_id], encrypted=True)
    await olga.answers(room, bot.user_id)  # the greeting
    await olga.say(room, QUESTION_UK)
    (onboarding,) = await olga.answers(room, bot.user_id)
    await bot.stop()
    await first_database.close()

    pick = await olga.say(room, str(option_number(content(onboarding)["body"], "Hämeenlinna")))

    second_database = await Database.open(url)
    try:
        second = conversation_over(demo_assistant, second_database.sessions)
        restarted = await start_bot(bot_user, data, second)
        (answer,) = await olga.answers(room, bot.user_id)
        assert answer.decrypted
        assert replied_to(answer) == pick
        assert ANSWER_UK in content(answer)["body"]
        await olga.silence(room, bot.user_id, 1.5)  # nothing from before the restart again

        assert restarted.device_id == device
        devices = request_json(
            olga.synapse.url("/_matrix/client/v3/devices"), token=bot_user.access_token
        )["devices"]
        assert {d["device_id"] for d in devices} == {bot_user.device_id, device}

        later = await olga.say(room, "!contact")
        (contact,) = await olga.answers(room, bot.user_id)
        assert contact.decrypted
        assert replied_to(contact) == later
        assert HAMEENLINNA_EMAIL in content(contact)["body"]
        await restarted.stop()
    finally:
        await second_database.close()


async def test_rides_through_the_message_rate_limit(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    # The bot keeps Synapse's default message limit (burst 10, then one per 5 s).
    bot = await start_bot(matrix_user("bot", rate_limited=True), tmp_path / "bot", conversation)
    olga = await person("olga")
    room = await olga.create_room([bot.user_id], encrypted=False)
    await olga.answers(room, bot.user_id)

    questions = [await olga.say(room, "!contact") for _ in range(11)]
    answers = await olga.answers(room, bot.user_id, count=len(questions), seconds=60)
    assert [replied_to(answer) for answer in answers] == questions
    assert bot.stats.rate_limited >= 1
    assert bot.stats.given_up == 0


async def test_a_first_start_does_not_answer_old_history(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot_user = matrix_user("bot")
    olga = await person("olga")
    room = await olga.create_room([bot_user.user_id], encrypted=False)
    request_json(
        olga.synapse.url(f"/_matrix/client/v3/join/{room}"),
        method="POST",
        body={},
        token=bot_user.access_token,
    )
    await olga.wait_for_member(room, bot_user.user_id)
    await olga.say(room, "!help")  # before the bot ever ran

    bot = await start_bot(bot_user, tmp_path / "bot", conversation)
    await olga.silence(room, bot.user_id, 1.5)
    fresh = await olga.say(room, "!contact")
    (answer,) = await olga.answers(room, bot.user_id)
    assert replied_to(answer) == fresh


async def test_an_event_answered_before_a_crash_is_not_answered_again(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot_user, data = matrix_user("bot"), tmp_path / "bot"
    bot = await start_bot(bot_user, data, conversation)
    olga = await person("olga")
    room = await olga.create_room([bot.user_id], encrypted=False)
    await olga.answers(room, bot.user_id)
    state_file = MatrixPaths.in_data_dir(data).state
    before_question = json.loads(state_file.read_text())["sync_token"]
    question = await olga.say(room, "!contact")
    (answer,) = await olga.answers(room, bot.user_id)
    assert replied_to(answer) == question
    await bot.stop()

    # As if the process died after answering but before saving the newer sync token.
    state = json.loads(state_file.read_text())
    state["sync_token"] = before_question
    state_file.write_text(json.dumps(state))
    await start_bot(bot_user, data, conversation)
    await olga.silence(room, bot.user_id, 1.5)


class SessionSharedFromStart:
    """An outbound Megolm session that shares its key as it was before any message."""

    def __init__(self, inner: Any, first_key: str) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_first_key", first_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)

    @property
    def session_key(self) -> str:
        key: str = self._first_key
        return key


async def test_a_key_that_trails_its_message_is_waited_for(
    start_bot: BotStarter,
    person: PersonStarter,
    matrix_user: UserFactory,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    bot = await start_bot(
        matrix_user("bot"), tmp_path / "bot", conversation, decrypt_grace_seconds=10.0
    )
    olga = await person("olga", encrypted=True)
    room = await olga.create_room([bot.user_id], encrypted=True)
    await olga.answers(room, bot.user_id)  # the greeting: the bot's device is known by now

    # Encrypt with a session the bot has no key for yet, send it, and share the key late.
    await olga.client.joined_members(room)
    machine = olga.client.olm
    machine.create_outbound_group_session(room)
    session = machine.outbound_group_sessions[room]
    first_key = session.session_key  # the key as it stands before the first message
    session.shared = True
    text = {"msgtype": "m.text", "body": "!contact"}
    _, payload = olga.client.encrypt(room, "m.room.message", text)
    session.shared = False
    machine.outbound_group_sessions[room] = SessionSharedFromStart(session, first_key)
    question = olga.send_raw(room, "m.room.encrypted", payload)
    await olga.silence(room, bot.user_id, 1.0)  # the bot waits for the key, says nothing yet
    await olga.client.share_group_session(room, ignore_unverified_devices=True)

    (answer,) = await olga.answers(room, bot.user_id)
    assert replied_to(answer) == question
    assert "municipality" in content(answer)["body"]  # the contact flow asks for it first
