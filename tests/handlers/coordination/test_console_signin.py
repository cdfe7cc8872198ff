"""``/console``: a one-time link for coordinators and organisers; nobody else gets one."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Options
from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.events import ActionKind, ChatId, Command, Profile, Reply, UserId
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import Assistant
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZONE)
BASE = "https://tarjotin.example.fi/"
COORDINATOR = UserId("test:coordinator")
ORGANISER = UserId("test:organiser")
VOLUNTEER = UserId("test:volunteer")
NEWCOMER = UserId("test:newcomer")


@pytest.fixture
def fakes(demo: Catalogue) -> FakeCore:
    core = FakeCore(demo, FixedClock(NOW))
    for user, role in ((ORGANISER, Role.ORGANISER), (VOLUNTEER, Role.VOLUNTEER)):
        core.staff.grants.append(Grant(user, role, "setlementti-louhela", COORDINATOR, NOW))
    return core


async def console(fakes: FakeCore, user: UserId, public_url: str | None = BASE) -> list[Reply]:
    demo = fakes.catalogue
    assistant = Assistant(Matcher(demo, OccurrenceIndex(demo, ())), ScriptedUnderstander({}),
                          Translator())
    desks = {"nurmijarvi": Desk("nurmijarvi", coordinators=(COORDINATOR,))}
    core = fakes.build(lambda: assistant, desks=desks, options=Options(public_url=public_url))
    await fakes.profiles.save(Profile(user, "en", "nurmijarvi"))
    return await core.conversation.on_command(Command(user, ChatId(user), "console", ""))


@pytest.mark.parametrize("user", [COORDINATOR, ORGANISER])
async def test_coordinators_and_organisers_get_a_link_that_works_once_for_15_minutes(
    fakes: FakeCore, user: UserId
) -> None:
    [reply] = await console(fakes, user)
    [action] = reply.actions
    assert action.kind is ActionKind.LINK
    [token] = fakes.console.issued
    assert action.argument == f"https://tarjotin.example.fi/console/signin/{token}"
    assert action.argument in reply.text
    assert "15 minutes" in reply.text
    assert token not in str(fakes.console.links)  # only its hash is kept
    assert await fakes.console.redeem(token, NOW + timedelta(minutes=15)) is None
    opened = await fakes.console.redeem(token, NOW + timedelta(minutes=14))
    assert opened is not None
    assert opened.session.user == user


@pytest.mark.parametrize("user", [VOLUNTEER, NEWCOMER])
async def test_volunteers_and_newcomers_are_refused(fakes: FakeCore, user: UserId) -> None:
    [reply] = await console(fakes, user)
    assert reply.text == "Only coordinators and organisers can use the console."
    assert reply.actions == ()
    assert fakes.console.issued == []


async def test_without_a_public_address_the_console_is_not_configured(fakes: FakeCore) -> None:
    [reply] = await console(fakes, COORDINATOR, public_url=None)
    assert "not configured" in reply.text
    assert "TARJOTIN_PUBLIC_URL" in reply.text
    assert fakes.console.issued == []
