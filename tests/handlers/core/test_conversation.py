"""Onboarding, commands, choices and data rights, platform-neutral, with fakes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import Query
from handlers.core.conversation import Conversation
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import (
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Profile,
    UserId,
)
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import Assistant
from tests.fakes import FixedClock, InMemoryProfiles, ScriptedUnderstander
from tests.wiring import fake_conversation

ANA = UserId("test:ana")
CHAT = ChatId("test:ana")
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))


@pytest.fixture
def profiles() -> InMemoryProfiles:
    return InMemoryProfiles()


@pytest.fixture
def understander() -> ScriptedUnderstander:
    return ScriptedUnderstander(
        {
            "hei": Query(language="fi", intent="help"),
            "ihminen": Query(language="fi", intent="contact"),
            "kielikahvila": Query(
                language="fi", intent="activities", kinds=frozenset({"language_club"})
            ),
        }
    )


@pytest.fixture
def conversation(
    demo: Catalogue,
    profiles: InMemoryProfiles,
    clock: FixedClock,
    understander: ScriptedUnderstander,
) -> Conversation:
    assistant = Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())
    return fake_conversation(assistant, clock, profiles)


def command(name: str, argument: str = "", hint: str | None = None) -> Command:
    return Command(ANA, CHAT, name, argument, hint)


def choice(action: ActionKind, argument: str = "") -> Choice:
    return Choice(ANA, CHAT, action, argument)


async def test_start_asks_language_then_network_then_explains(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    [menu] = await conversation.on_command(command("start", hint="ar"))
    assert [a.kind for a in menu.actions] == [ActionKind.CHOOSE_LANGUAGE] * 14
    assert {a.label for a in menu.actions} >= {"العربية", "Suomi", "Soomaali", "中文"}
    [networks] = await conversation.on_choice(choice(ActionKind.CHOOSE_LANGUAGE, "so"))
    assert networks.language == "so"
    assert {a.argument for a in networks.actions} == {
        "nurmijarvi", "espoo", "kirkkonummi-kauniainen", "hameenlinna"
    }
    [intro] = await conversation.on_choice(choice(ActionKind.CHOOSE_NETWORK, "espoo"))
    assert "/forget" in intro.text
    assert "/mydata" in intro.text
    assert profiles.profiles[ANA] == Profile(ANA, language="so", network="espoo")


async def test_forged_choices_change_nothing(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    before = dict(profiles.profiles)
    for forged in (
        choice(ActionKind.CHOOSE_LANGUAGE, "klingon"),
        choice(ActionKind.CHOOSE_NETWORK, "atlantis"),
        choice(ActionKind.SHOW, "no-such-activity"),
        choice(ActionKind.MORE, "x"),
    ):
        [reply] = await conversation.on_choice(forged)
        assert reply.language == "fi"
        assert not reply.actions
    assert profiles.profiles == before


async def test_question_before_onboarding_is_answered_after_choosing_network(
    conversation: Conversation, profiles: InMemoryProfiles, understander: ScriptedUnderstander
) -> None:
    [menu] = await conversation.on_message(IncomingMessage(ANA, CHAT, "kielikahvila"))
    assert {a.kind for a in menu.actions} >= {ActionKind.CHOOSE_NETWORK}
    assert profiles.profiles[ANA].pending == "kielikahvila"
    [answer] = await conversation.on_choice(choice(ActionKind.CHOOSE_NETWORK, "nurmijarvi"))
    assert "Kielikahvila Louhelassa" in answer.text
    assert profiles.profiles[ANA].pending is None
    assert understander.seen.count("kielikahvila") == 2


async def test_activity_deep_link_waits_for_onboarding(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    [menu] = await conversation.on_command(command("start", "a-louhela-kielikahvila", "fi"))
    assert menu.actions[0].kind is ActionKind.CHOOSE_LANGUAGE
    await conversation.on_choice(choice(ActionKind.CHOOSE_LANGUAGE, "en"))
    [shown] = await conversation.on_choice(choice(ActionKind.CHOOSE_NETWORK, "nurmijarvi"))
    assert "Kielikahvila Louhelassa" in shown.text
    assert "17:00" in shown.text
    assert ActionKind.CONTACT in {a.kind for a in shown.actions}


async def test_network_deep_link_preselects_the_network(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await conversation.on_command(command("start", "n-hameenlinna"))
    [intro] = await conversation.on_choice(choice(ActionKind.CHOOSE_LANGUAGE, "uk"))
    assert profiles.profiles[ANA].network == "hameenlinna"
    assert intro.language == "uk"


async def test_paging_through_a_long_answer(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="en", network="espoo"))
    [first] = await conversation.on_message(IncomingMessage(ANA, CHAT, "what is on"))
    more = [a for a in first.actions if a.kind is ActionKind.MORE]
    assert more, first.text
    [second] = await conversation.on_choice(choice(ActionKind.MORE, more[0].argument))
    assert second.text != first.text
    assert "6." in second.text
    assert "1." not in second.text.split("\n\n")[1][:3]


async def test_forget_needs_confirmation_and_then_deletes(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    [question] = await conversation.on_command(command("forget"))
    assert {a.kind for a in question.actions} == {ActionKind.CONFIRM_FORGET, ActionKind.CANCEL}
    await conversation.on_choice(choice(ActionKind.CANCEL))
    assert ANA in profiles.profiles
    await conversation.on_choice(choice(ActionKind.CONFIRM_FORGET))
    assert ANA not in profiles.profiles


async def test_mydata_shows_what_is_stored(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="en", network="espoo"))
    [reply] = await conversation.on_command(command("mydata"))
    assert "English" in reply.text
    assert "Espoo" in reply.text


async def test_contact_and_help_intents(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    [contact] = await conversation.on_message(IncomingMessage(ANA, CHAT, "ihminen"))
    assert "kumppanuus@espoo.example.fi" in contact.text
    [help_reply] = await conversation.on_message(IncomingMessage(ANA, CHAT, "hei"))
    assert ActionKind.CONTACT in {a.kind for a in help_reply.actions}


async def test_blocked_user_becomes_inactive(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    await conversation.on_blocked(ANA)
    assert profiles.profiles[ANA].active is False


async def test_language_and_place_take_an_argument(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    await conversation.on_command(command("language", "uk"))
    await conversation.on_command(command("place", "hameenlinna"))
    assert profiles.profiles[ANA] == Profile(ANA, language="uk", network="hameenlinna")
    [refused] = await conversation.on_command(command("language", "xx"))
    assert profiles.profiles[ANA].language == "uk"
    assert not refused.actions


async def test_a_blocked_user_who_writes_again_is_active_again(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo", active=False))
    await conversation.on_message(IncomingMessage(ANA, CHAT, "hei"))
    assert profiles.profiles[ANA].active is True


async def test_every_conversation_offers_reminders(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="nurmijarvi"))
    [answer] = await conversation.on_message(IncomingMessage(ANA, CHAT, "kielikahvila"))
    assert "Kielikahvila Louhelassa" in answer.text
    assert ActionKind.REMIND in {a.kind for a in answer.actions}


async def test_a_superscript_digit_is_no_page_number(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="en", network="espoo"))
    await conversation.on_message(IncomingMessage(ANA, CHAT, "what is on"))
    [expired] = await conversation.on_choice(choice(ActionKind.MORE, "²"))
    assert "expired" in expired.text


async def test_an_unknown_command_gets_the_help(
    conversation: Conversation, profiles: InMemoryProfiles
) -> None:
    await profiles.save(Profile(ANA, language="en", network="espoo"))
    [unknown] = await conversation.on_command(command("weather"))
    [helped] = await conversation.on_command(command("HELP"))
    assert unknown == helped
    assert ActionKind.CONTACT in {a.kind for a in helped.actions}


async def test_a_flood_is_told_to_wait_and_dialogue_input_is_known(
    conversation: Conversation, profiles: InMemoryProfiles, clock: FixedClock
) -> None:
    await profiles.save(Profile(ANA, language="fi", network="espoo"))
    assert not await conversation.awaits_text(ANA)
    notice = await conversation.busy(ANA, hint="en")
    english = await conversation.busy(UserId("telegram:404"), hint="en")
    assert (notice.language, english.language) == ("fi", "en")
    assert notice.text != english.text
    await conversation.dialogues.save(
        Dialogue(ANA, DialogueName.CONTACT, "message", clock())
    )
    assert await conversation.awaits_text(ANA)
