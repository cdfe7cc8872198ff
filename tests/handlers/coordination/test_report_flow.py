"""``/report`` in the chat: coordinators and organisers get it, nobody else (issue 13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import Query
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.conversation import Conversation
from handlers.core.events import ChatId, Command, IncomingMessage, Profile, Reply, UserId
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import Assistant
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
COORDINATOR = UserId("test:coordinator")
ORGANISER = UserId("test:organiser")
VOLUNTEER = UserId("test:volunteer")
NEWCOMER = UserId("test:newcomer")
SWIM = Query(
    language="ar", intent="activities", kinds=frozenset({"sports"}),
    audiences=frozenset({"women"}), municipalities=("Nurmijärvi",),
)


@pytest.fixture
def fakes(demo: Catalogue) -> FakeCore:
    core = FakeCore(demo, FixedClock(NOW))
    for user, role in ((ORGANISER, Role.ORGANISER), (VOLUNTEER, Role.VOLUNTEER)):
        core.staff.grants.append(Grant(user, role, "setlementti-louhela", COORDINATOR, NOW))
    return core


@pytest.fixture
def conversation(demo: Catalogue, fakes: FakeCore) -> Conversation:
    understander = ScriptedUnderstander({"uinti": SWIM})
    assistant = Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())
    desks = {"nurmijarvi": Desk("nurmijarvi", coordinators=(COORDINATOR,))}
    return fakes.build(lambda: assistant, desks=desks).conversation


async def report(
    conversation: Conversation, fakes: FakeCore, user: UserId, argument: str = ""
) -> list[Reply]:
    await fakes.profiles.save(Profile(user, "en", "nurmijarvi"))
    return await conversation.on_command(Command(user, ChatId(user), "report", argument))


async def test_a_coordinator_gets_five_lines_and_the_html(
    conversation: Conversation, fakes: FakeCore
) -> None:
    for person in range(6):
        asker = UserId(f"test:p{person}")
        await fakes.profiles.save(Profile(asker, "ar", "nurmijarvi"))
        await conversation.on_message(IncomingMessage(asker, ChatId(asker), "uinti"))
    [reply] = await report(conversation, fakes, COORDINATOR, "30")
    lines = reply.text.splitlines()
    assert len(lines) == 5
    assert "2026-10-24 – 2026-11-23" in lines[0]
    assert lines[3] == "Questions: 6 · Not found: 6"
    assert reply.document is not None
    assert reply.document.filename == "tarjotin-report-nurmijarvi-2026-11-23.html"
    html = reply.document.content.decode("utf-8")
    assert 'id="tray-grid"' in html
    assert "Kielikahvila Louhelassa" in html


async def test_an_organiser_gets_their_organisations_report(
    conversation: Conversation, fakes: FakeCore
) -> None:
    [reply] = await report(conversation, fakes, ORGANISER)
    assert reply.document is not None
    html = reply.document.content.decode("utf-8")
    assert "Setlementti Louhela" in html
    assert "Nurmijärvi adult education centre" not in html  # another organisation's


@pytest.mark.parametrize("user", [VOLUNTEER, NEWCOMER])
async def test_volunteers_and_newcomers_are_refused(
    conversation: Conversation, fakes: FakeCore, user: UserId
) -> None:
    [reply] = await report(conversation, fakes, user)
    assert reply.document is None
    assert reply.text == "Only coordinators and organisers can get the tray report."


@pytest.mark.parametrize("argument", ["x", "0", "9999", "٣٠"])
async def test_a_bad_number_of_days_is_explained(
    conversation: Conversation, fakes: FakeCore, argument: str
) -> None:
    [reply] = await report(conversation, fakes, COORDINATOR, argument)
    assert reply.document is None
    assert "/report 30" in reply.text
