"""Whole conversations through the fake Bot API server, the real core and SQLite profiles.

Expected texts come from the core itself (the same translator, catalogue and clock), so these
tests prove the adapter carries the core's answers faithfully: right language, right buttons,
escaped, split, paced and retried as Telegram needs.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.pacing import RetryPolicy
from bot.poster import deep_link
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramOptions
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.events import ActionKind, Profile, Reply, UserId
from handlers.core.formatting import localised
from handlers.core.languages import NATIVE_NAMES
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.data_rights import UserData, my_data_reply
from tests.bot.telegram.conftest import NOW, Bot, BotFactory, Clock, eventually
from tests.telegram_server.faults import Fault
from tests.telegram_server.records import SentMessage

ANA, BOB = 1001, 1002


def labels(message: SentMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


def network_label(bot: Bot, network_id: str, language: str) -> str:
    """The label the core gives the network's button."""
    menu = bot.conversation.network_menu(bot.conversation.speaker(language))
    [label] = [a.label for a in menu.actions if a.argument == network_id]
    return label


async def test_onboarding_in_arabic(bot: Bot) -> None:
    arabic = bot.conversation.speaker("ar")
    bot.server.user_starts(ANA, language_code="ar")
    [menu] = await bot.replies(ANA, 1)
    assert labels(menu) == [NATIVE_NAMES[code] for code in SUPPORTED_LANGUAGES]
    assert menu.parse_mode == "HTML"
    assert (menu.plain_text or "").startswith(arabic.gettext("Choose your language."))

    await bot.press(ANA, menu, "العربية")
    [_, places] = await bot.replies(ANA, 2)
    assert places.plain_text == arabic.gettext("Where do you live?")
    assert labels(places) == [a.label for a in bot.conversation.network_menu(arabic).actions]
    assert len(labels(places)) == len(bot.conversation.assistant.catalogue.networks)

    await bot.press(ANA, places, network_label(bot, "espoo", "ar"))
    [_, _, intro] = await bot.replies(ANA, 3)
    assert intro.plain_text == bot.conversation.intro(arabic).text
    assert "/mydata" in (intro.plain_text or "")
    assert "/forget" in (intro.plain_text or "")
    assert await bot.profile(ANA) == Profile(UserId("telegram:1001"), "ar", "espoo")
    assert len(bot.server.answered_callbacks()) == 2


async def test_a_question_in_somali_finds_the_somali_mothers_group(bot: Bot) -> None:
    await bot.onboard(ANA, "so", "espoo")
    bot.server.user_sends_text(
        ANA, "Hooyo ahaan, ma jirtaa koox aan carruurtayda la aado?", language_code="so"
    )
    [answer] = await bot.replies(ANA, 1)
    activity = bot.conversation.assistant.catalogue.activity("somali-hooyo")
    assert activity is not None
    assert localised(activity.title, bot.conversation.speaker("so")) in (answer.plain_text or "")
    somali = bot.conversation.speaker("so")
    remind, talk = somali.gettext("Remind me"), somali.gettext("Talk to a person")
    useful, useless = somali.gettext("Useful"), somali.gettext("Not useful")
    # every channel has reminders, and asks whether the answer was useful
    assert labels(answer) == [remind, talk, f"👍 {useful}", f"👎 {useless}"]


async def test_paging_with_the_more_button(bot: Bot, assistant: Assistant) -> None:
    await bot.onboard(ANA, "en", "espoo")
    bot.server.user_sends_text(ANA, "What is on this week?")
    [first] = await bot.replies(ANA, 1)
    assert "More" in labels(first)
    assert "Remind me" in labels(first)  # every channel has reminders
    await bot.press(ANA, first, "More")
    [_, second] = await bot.replies(ANA, 2)
    expected = assistant.answer(
        "What is on this week?", now=NOW, network_id="espoo", saved_language="en"
    )
    assert first.plain_text == expected.reply.text.strip()
    assert second.plain_text == assistant.page(expected, 1, NOW, "espoo").reply.text.strip()
    assert "6." in (second.plain_text or "")


async def test_a_poster_deep_link_opens_the_activity_after_onboarding(
    bot: Bot, assistant: Assistant
) -> None:
    link = deep_link(bot.server.bot_user.username or "", "louhela-kielikahvila")
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == ("t.me", f"/{bot.server.bot_user.username}")
    [payload] = parse_qs(parts.query)["start"]

    bot.server.user_starts(BOB, payload, language_code="fi")
    [menu] = await bot.replies(BOB, 1)
    await bot.press(BOB, menu, "Suomi")
    [_, places] = await bot.replies(BOB, 2)
    await bot.press(BOB, places, network_label(bot, "nurmijarvi", "fi"))
    [*_, shown] = await bot.replies(BOB, 3)
    expected = assistant.activity_reply("louhela-kielikahvila", "fi", NOW)
    assert shown.plain_text == expected.text.strip()

    bot.server.user_starts(BOB, payload, language_code="fi")  # onboarded: straight to it
    [*_, again] = await bot.replies(BOB, 4)
    assert again.plain_text == expected.text.strip()


async def test_a_network_deep_link_preselects_the_place(bot: Bot) -> None:
    bot.server.user_starts(ANA, "n-hameenlinna", language_code="uk")
    [menu] = await bot.replies(ANA, 1)
    await bot.press(ANA, menu, "Українська")
    [_, intro] = await bot.replies(ANA, 2)
    assert intro.plain_text == bot.conversation.intro(bot.conversation.speaker("uk")).text
    assert await bot.profile(ANA) == Profile(UserId("telegram:1001"), "uk", "hameenlinna")


async def test_forged_and_foreign_callback_data_change_nothing(bot: Bot) -> None:
    await bot.onboard(ANA, "ar", "espoo")
    before = await bot.profile(ANA)
    bot.server.user_sends_text(ANA, "/place", language_code="ar")
    [menu] = await bot.replies(ANA, 1)
    real = menu.callback_data[-1]
    other_installation = CallbackCodec(b"someone-elses-secret-32-bytes!!!")
    forgeries = [
        real[:-2] + ("AA" if real[-2:] != "AA" else "BB"),  # tampered
        bot.codec.encode(ActionKind.CHOOSE_NETWORK, "hameenlinna", BOB),  # someone else's
        other_installation.encode(ActionKind.CHOOSE_NETWORK, "hameenlinna", ANA),
        "network:hameenlinna",
        "x" * 64,
    ]
    for data in forgeries:
        bot.press_forged(ANA, menu, data)
    replies = await bot.replies(ANA, 1 + len(forgeries))
    polite = bot.conversation.invalid_choice(bot.conversation.speaker("ar")).text
    assert [m.plain_text for m in replies[1:]] == [polite] * len(forgeries)
    assert all(not m.buttons for m in replies[1:])
    assert await bot.profile(ANA) == before
    assert len(bot.server.answered_callbacks()) == len(forgeries)


async def test_a_stale_button_is_refused_politely(bot: Bot, codec_clock: Clock) -> None:
    await bot.onboard(ANA, "fi", "espoo")
    bot.server.user_sends_text(ANA, "/language", language_code="fi")
    [menu] = await bot.replies(ANA, 1)
    codec_clock.offset += 40 * 24 * 3600  # the menu is weeks old when pressed
    await bot.press(ANA, menu, "Svenska")
    [_, refused] = await bot.replies(ANA, 2)
    fi = bot.conversation.speaker("fi")
    assert refused.plain_text == bot.conversation.invalid_choice(fi).text
    assert await bot.profile(ANA) == Profile(UserId("telegram:1001"), "fi", "espoo")


async def test_someone_elses_button_in_a_group_is_refused_quietly(bot: Bot) -> None:
    group = -1001234567890
    bot.server.user_sends_text(ANA, "/place", chat_type="supergroup", chat_id=group)
    [menu] = await bot.replies(group, 1)
    label = network_label(bot, "espoo", "en")
    await bot.press(BOB, menu, label, chat_id=group)
    [answer] = await bot.server.wait_for_callback_answers(1)
    assert answer.text == bot.conversation.invalid_choice(bot.conversation.speaker("en")).text
    assert len(bot.server.sent_messages(group)) == 1  # the group did not hear about it
    assert await bot.profile(BOB) is None

    await bot.press(ANA, menu, label, chat_id=group)
    await bot.replies(group, 2)
    profile = await bot.profile(ANA)
    assert profile is not None
    assert profile.network == "espoo"


async def test_a_user_who_blocks_the_bot_becomes_inactive(bot: Bot) -> None:
    await bot.onboard(ANA, "fi", "espoo")
    bot.server.block_bot(ANA)

    async def inactive() -> bool:
        profile = await bot.profile(ANA)
        return profile is not None and not profile.active

    await eventually(inactive, what="the profile to turn inactive")


async def test_a_403_when_sending_marks_the_user_inactive(bot: Bot) -> None:
    await bot.onboard(BOB, "en", "espoo")
    blocked = Fault("status", status=403, description="Forbidden: bot was blocked by the user")
    bot.server.inject_faults("sendMessage", [blocked])
    bot.server.user_sends_text(BOB, "/help")

    async def inactive() -> bool:
        profile = await bot.profile(BOB)
        return profile is not None and not profile.active

    await eventually(inactive, what="the profile to turn inactive")
    assert bot.server.sent_messages(BOB) == []


async def test_a_burst_of_429s_is_waited_out(bot: Bot) -> None:
    await bot.onboard(ANA, "en", "espoo")
    bot.server.inject_faults("sendMessage", [429, 429, 429], retry_after=1)
    bot.server.user_sends_text(ANA, "/help")
    [help_message] = await bot.replies(ANA, 1, timeout=15)
    calls = bot.server.calls("sendMessage")
    assert [c.status for c in calls] == [429, 429, 429, 200]
    assert all(b.at - a.at >= 1.0 for a, b in itertools.pairwise(calls))
    assert help_message.plain_text


async def test_one_chat_is_paced_so_flood_control_never_triggers(bot: Bot) -> None:
    await bot.onboard(ANA, "en", "espoo")
    for _ in range(5):
        bot.server.user_sends_text(ANA, "/mydata")
    await bot.replies(ANA, 5, timeout=15)
    calls = bot.server.calls("sendMessage")
    assert [c.status for c in calls] == [200] * 5
    assert calls[-1].at - calls[0].at >= 2 * 1.0  # a burst of three, then one a second


async def test_a_10000_character_message_gets_a_polite_answer(
    bot: Bot, assistant: Assistant
) -> None:
    await bot.onboard(ANA, "fi", "espoo")
    text = ("Onko kerhoa tiistaina? " * 500)[:10_000]
    bot.server.user_sends_text(ANA, text, language_code="fi")
    [reply] = await bot.replies(ANA, 1)
    expected = assistant.answer(text, now=NOW, network_id="espoo", saved_language="fi")
    assert reply.plain_text == expected.reply.text


async def test_a_long_reply_is_split_and_every_character_survives(bot: Bot) -> None:
    bot.server.user_starts(ANA, language_code="ar")
    await bot.replies(ANA, 1)
    line = "١. نادي اللغة <الثلاثاء> & 🇫🇮 👩‍👧 Kielikahvila e\u0301 ‏17:00–18:30"
    text = "\n".join(f"{line} {n}" for n in range(200))
    assert len(text) > 10_000
    menu = bot.conversation.network_menu(bot.conversation.speaker("ar"))
    reply = Reply(text, "ar", menu.actions)
    await bot.channel.adapter.send(bot.channel.application.bot, ANA, ANA, [reply])
    await bot.server.wait_for(
        lambda: bool(bot.server.sent_messages(ANA)[-1].buttons), what="the keyboard"
    )
    parts = bot.server.sent_messages(ANA)[1:]
    assert len(parts) >= -(-len(text.encode("utf-16-le")) // 2 // 4096)
    assert all(p.parse_mode == "HTML" and p.entities == () for p in parts)
    assert all(len((p.plain_text or "").encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "\n".join(p.plain_text or "" for p in parts) == text
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_stickers_voice_photos_and_locations_are_explained(bot: Bot) -> None:
    server = bot.server
    server.user_sends_sticker(ANA, language_code="fi")
    server.user_sends_voice(ANA, language_code="fi")
    server.user_sends_photo(BOB, caption="<b>kuva</b>", language_code="so")
    server.user_sends_location(BOB, 60.17, 24.94, language_code="so")
    fi = bot.conversation.unsupported(None, "fi").text
    so = bot.conversation.unsupported(None, "so").text
    assert [m.plain_text for m in await bot.replies(ANA, 2)] == [fi, fi]
    assert [m.plain_text for m in await bot.replies(BOB, 2)] == [so, so]


async def test_in_groups_only_commands_and_mentions_are_answered(
    bot_factory: BotFactory,
) -> None:
    bot = await bot_factory(privacy_mode=False)  # the bot sees everything: it must filter itself
    group = -1001234567890
    server = bot.server

    def say(text: str) -> int:
        sent = server.user_sends_text(ANA, text, chat_type="supergroup", chat_id=group)
        assert sent.message is not None
        return sent.message.message_id

    say("Moi kaikki, onko joku menossa kielikahvilaan?")
    say("/weather")
    say("/help@some_other_bot")
    server.user_sends_sticker(ANA, chat_type="supergroup", chat_id=group)
    asked = say(f"@{server.bot_user.username} what is on this week?")
    helped = say("/help")
    first, second = await bot.replies(group, 2)
    assert first.reply_to_message_id == asked
    assert second.reply_to_message_id == helped
    network = bot.conversation.assistant.catalogue.network("")
    assert second.plain_text == bot.conversation.assistant.help_reply(
        bot.conversation.speaker("en"), network
    ).text
    await server.wait_until_consumed()
    assert len(server.sent_messages(group)) == 2


async def test_a_group_is_never_flooded(bot: Bot) -> None:
    group = -1009876543210
    for user in range(2001, 2026):
        bot.server.user_sends_text(user, "/mydata", chat_type="supergroup", chat_id=group)
    await bot.replies(group, 20)
    await bot.server.wait_until_consumed()
    await asyncio.sleep(0.5)  # every chance to send a 21st message
    assert len(bot.server.sent_messages(group)) == 20
    assert all(c.status == 200 for c in bot.server.calls("sendMessage"))


async def test_server_errors_and_timeouts_are_retried(bot_factory: BotFactory) -> None:
    impatient = TelegramOptions(
        poll_timeout=1.0,
        request_timeout=0.3,
        retry=RetryPolicy(reply_attempts=5, first=0.05, longest=0.1),
        stop_grace=0.2,
    )
    bot = await bot_factory(options=impatient)
    await bot.onboard(ANA, "en", "espoo")
    bot.server.inject_faults("sendMessage", [500, 502, "timeout", "disconnect"], delay=3.0)
    bot.server.user_sends_text(ANA, "/mydata")
    [message] = await bot.replies(ANA, 1)
    stored = UserData(Profile(UserId("telegram:1001"), "en", "espoo"))
    catalogue = bot.conversation.assistant.catalogue
    speaker = bot.conversation.speaker("en")
    assert message.plain_text == my_data_reply(stored, catalogue, speaker).text
    assert bot.server.pending_faults("sendMessage") == 0
    assert len(bot.server.sent_messages(ANA)) == 1


async def test_a_failing_update_does_not_stop_the_bot(bot: Bot) -> None:
    await bot.onboard(ANA, "en", "espoo")
    await bot.onboard(BOB, "en", "espoo")
    bot.server.inject_faults("sendMessage", [500] * 4)  # more than the retries allow
    bot.server.user_sends_text(ANA, "/mydata")
    await bot.server.wait_for(lambda: bot.server.pending_faults("sendMessage") == 0)
    bot.server.user_sends_text(BOB, "/mydata")
    bot.server.user_sends_text(ANA, "/mydata")
    [to_bob] = await bot.replies(BOB, 1)
    [to_ana] = await bot.replies(ANA, 1)
    assert to_bob.plain_text
    assert to_ana.plain_text


async def test_logs_hold_no_message_text_names_or_token(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot.server.world.user(ANA, first_name="Fadumo", language_code="so")
    question = "Salainen kysymys: onko kielikahvilaa Espoossa?"
    bot.server.user_sends_text(ANA, question, language_code="fi")
    [menu] = await bot.replies(ANA, 1)
    bot.press_forged(ANA, menu, "forged")
    bot.server.inject_faults("sendMessage", [502])
    await bot.replies(ANA, 2)
    mine = ("bot.telegram", "telegram", "httpx", "httpcore")  # the channel and its libraries
    logged = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith(mine)
    )
    assert "bot.telegram" in {r.name.rsplit(".", 1)[0] for r in caplog.records}
    for secret in (question, "Salainen", "Fadumo", bot.server.token):
        assert secret not in logged


async def test_a_failing_update_is_logged_without_what_the_user_wrote(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    question = "Yksityinen kysymys uimahallista"

    class BrokenStore:
        async def get(self, user: UserId) -> Profile | None:
            raise RuntimeError(f"cannot read the profile for {question!r}")

    bot.conversation.profiles = BrokenStore()  # type: ignore[assignment]
    bot.server.user_sends_text(ANA, question)
    await bot.server.wait_until_consumed()

    async def logged() -> bool:
        return any(r.levelname == "ERROR" for r in caplog.records)

    await eventually(logged, what="the failure to be logged")
    [failure] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "RuntimeError" in failure.getMessage()
    assert failure.exc_info is None
    assert question not in failure.getMessage()
