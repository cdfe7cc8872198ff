"""``/whoami`` shows the ids the coordination file wants, through the one flow table."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_assistant
from bot.coordination_file import parse_desks
from catalog.model import Catalogue
from handlers.core.events import ChatId, Command, Profile, UserId
from handlers.core.i18n import Translator
from tests.fakes import FixedClock
from tests.wiring import FakeCore

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture
def fakes(demo: Catalogue) -> FakeCore:
    return FakeCore(demo, FixedClock(NOW))


async def ask(fakes: FakeCore, demo: Catalogue, command: Command) -> str:
    assistant = build_assistant(demo, translator=Translator())
    conversation = fakes.build(lambda: assistant).conversation
    [reply] = await conversation.on_command(command)
    return reply.text


@pytest.mark.parametrize(
    ("user", "chat"),
    [
        ("telegram:123456", "telegram:-1001234567890"),
        ("matrix:@anna:example.org", "matrix:!AbCdEf:example.org"),
    ],
)
async def test_whoami_in_a_group_shows_both_ids_as_the_file_writes_them(
    fakes: FakeCore, demo: Catalogue, user: str, chat: str
) -> None:
    text = await ask(fakes, demo, Command(UserId(user), ChatId(chat), "whoami", in_group=True))
    assert f"Your id: {user}" in text
    assert f"This chat's id: {chat}" in text
    # What it shows is accepted by the coordination file as it is.
    parse_desks({"networks": {"espoo": {"coordinators": [user], "chats": [chat]}}})


async def test_whoami_in_private_shows_only_the_users_id(
    fakes: FakeCore, demo: Catalogue
) -> None:
    user = UserId("telegram:42")
    text = await ask(fakes, demo, Command(user, ChatId("telegram:42"), "whoami"))
    assert "Your id: telegram:42" in text
    assert "This chat's id" not in text


async def test_whoami_answers_in_the_users_language(fakes: FakeCore, demo: Catalogue) -> None:
    user = UserId("telegram:42")
    await fakes.profiles.save(Profile(user, "fi", "espoo"))
    text = await ask(fakes, demo, Command(user, ChatId("telegram:42"), "WhoAmI"))
    assert "telegram:42" in text
    english = Translator().speaker("en").gettext("Your id: %(user)s") % {"user": user}
    assert english not in text
