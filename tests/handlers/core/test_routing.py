"""The conversation with every flow of the people around newcomers wired in, on fakes.

Checks the routing: which events go to which flow, what stays with the assistant, and that
dialogues, group chats and invite links land in the right place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Options
from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import Query
from handlers.coordination.permissions import Desk, Role
from handlers.core.dialogue import DIALOGUE_LIFETIME, Dialogue, DialogueName
from handlers.core.events import (
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Profile,
    Reply,
    UserId,
)
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import Assistant
from tests.fakes import (
    FixedClock,
    ScriptedUnderstander,
)
from tests.wiring import FakeCore

HELSINKI = ZoneInfo("Europe/Helsinki")
NEWCOMER = UserId("telegram:1001")
COORDINATOR = UserId("telegram:500")
GROUP = ChatId("telegram:-100500")
OTHER_GROUP = ChatId("telegram:-100999")


@dataclass
class World:
    """A conversation over the demo catalogue with every flow on in-memory fakes."""

    catalogue: Catalogue
    clock: FixedClock = field(
        default_factory=lambda: FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))
    )
    understander: ScriptedUnderstander = field(
        default_factory=lambda: ScriptedUnderstander(
            {"ihminen": Query(language="fi", intent="contact")}
        )
    )

    def __post_init__(self) -> None:
        desks = {"nurmijarvi": Desk("nurmijarvi", (COORDINATOR,), (GROUP,), ("k@example.fi",))}
        index = OccurrenceIndex(self.catalogue, ())
        assistant = Assistant(Matcher(self.catalogue, index), self.understander, Translator())
        self.fakes = FakeCore(self.catalogue, self.clock)
        core = self.fakes.build(
            lambda: assistant, desks=desks, options=Options(email_enabled=True)
        )
        self.coordination = core.coordination
        self.conversation = core.conversation
        self.profiles = self.fakes.profiles
        self.dialogues = self.fakes.dialogues
        self.staff = self.fakes.staff
        self.requests = self.fakes.requests
        self.outbox = self.fakes.outbox

    async def onboard(self, user: UserId = NEWCOMER, language: str = "fi") -> None:
        await self.profiles.save(Profile(user, language, "nurmijarvi"))

    async def say(
        self, text: str, user: UserId = NEWCOMER, chat: ChatId | None = None, **extra: object
    ) -> list[Reply]:
        message = IncomingMessage(user, chat or ChatId(str(user)), text, **extra)  # type: ignore[arg-type]
        return await self.conversation.on_message(message)

    async def command(
        self, name: str, argument: str = "", user: UserId = NEWCOMER, **extra: object
    ) -> list[Reply]:
        event = Command(user, ChatId(str(user)), name, argument, **extra)  # type: ignore[arg-type]
        return await self.conversation.on_command(event)

    async def choose(
        self, action: ActionKind, argument: str, user: UserId = NEWCOMER
    ) -> list[Reply]:
        choice = Choice(user, ChatId(str(user)), action, argument)
        return await self.conversation.on_choice(choice)


@pytest.fixture
def world(demo: Catalogue) -> World:
    return World(demo)


def kinds(replies: list[Reply]) -> set[ActionKind]:
    return {action.kind for reply in replies for action in reply.actions}


async def test_asking_for_a_person_in_words_starts_a_contact_request_with_consent(
    world: World,
) -> None:
    await world.onboard()
    replies = await world.say("ihminen")
    assert ActionKind.REQUEST in kinds(replies)
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert dialogue.flow == "contact"


async def test_the_message_after_consent_becomes_a_request_not_a_question(world: World) -> None:
    await world.onboard()
    await world.command("contact")
    await world.choose(ActionKind.REQUEST, "consent:anon")
    seen = len(world.understander.seen)
    await world.say("Tarvitsen apua koulupaikan kanssa.")
    assert len(world.understander.seen) == seen  # not answered as a question
    [request] = world.requests.rows.values()
    assert request.message == "Tarvitsen apua koulupaikan kanssa."
    assert request.name is None
    assert await world.dialogues.get(NEWCOMER) is None


async def test_an_expired_dialogue_is_ended_and_the_text_answered_as_a_question(
    world: World,
) -> None:
    await world.onboard()
    started = world.clock.now
    await world.dialogues.save(Dialogue(NEWCOMER, DialogueName.CONTACT, "message", started))
    world.clock.advance(seconds=(DIALOGUE_LIFETIME + timedelta(minutes=1)).total_seconds())
    await world.say("kielikahvila tänään")
    assert world.requests.rows == {}
    assert await world.dialogues.get(NEWCOMER) is None
    assert "kielikahvila tänään" in world.understander.seen


async def test_cancel_ends_a_dialogue(world: World) -> None:
    await world.onboard()
    await world.command("contact")
    assert await world.dialogues.get(NEWCOMER) is not None
    await world.choose(ActionKind.CANCEL, "")
    assert await world.dialogues.get(NEWCOMER) is None


async def test_chatter_in_the_coordinator_chat_is_ignored_and_elsewhere_answered(
    world: World,
) -> None:
    await world.onboard()
    assert await world.say("kielikahvila", chat=GROUP, in_group=True) == []
    assert "kielikahvila" not in world.understander.seen
    replies = await world.say("kielikahvila", chat=OTHER_GROUP, in_group=True)
    assert replies
    assert "kielikahvila" in world.understander.seen


async def test_only_coordination_commands_are_taken_in_a_group(world: World) -> None:
    await world.onboard()
    [help_text] = await world.conversation.on_command(
        Command(NEWCOMER, GROUP, "help", "", in_group=True)
    )
    for name in ("volunteer", "invite", "roles", "contact", "join"):
        in_group = Command(NEWCOMER, GROUP, name, "", in_group=True)
        [reply] = await world.conversation.on_command(in_group)
        # The flow's own short "write to me privately", not the general help; nothing started.
        assert reply.text != help_text.text
        assert not reply.actions
        assert await world.dialogues.get(NEWCOMER) is None
    assert world.staff.invites == {}
    requests = Command(COORDINATOR, GROUP, "requests", "", in_group=True)
    await world.onboard(COORDINATOR)
    listed = await world.conversation.on_command(requests)
    assert listed  # the coordinator's list (empty), not the help text
    assert world.outbox.entries == {}


async def test_an_invite_link_grants_the_role(world: World) -> None:
    await world.onboard(COORDINATOR)
    await world.onboard()
    organisation = next(o.id for o in world.catalogue.organisations if "nurmijarvi" in o.networks)
    replies = await world.command("invite", f"volunteer {organisation}", user=COORDINATOR)
    code = next(
        word.removeprefix("i-")
        for reply in replies
        for word in reply.text.split()
        if word.startswith("i-")
    )
    await world.command("start", f"i-{code}")
    [grant] = await world.staff.grants_of(NEWCOMER)
    assert grant.role is Role.VOLUNTEER
    assert grant.organisation == organisation


async def test_without_a_role_the_volunteer_menu_is_refused(world: World) -> None:
    await world.onboard()
    replies = await world.command("volunteer")
    assert ActionKind.VOLUNTEER not in kinds(replies)
    assert await world.dialogues.get(NEWCOMER) is None


async def test_the_person_button_under_an_activity_carries_it_into_the_request(
    world: World,
) -> None:
    await world.onboard()
    activity = "louhela-kielikahvila"
    [shown] = await world.choose(ActionKind.SHOW, activity)
    [person] = [a for a in shown.actions if a.kind is ActionKind.CONTACT]
    await world.choose(person.kind, person.argument)
    await world.choose(ActionKind.REQUEST, "consent:anon")
    await world.say("Voinko tulla lapsen kanssa?")
    [request] = world.requests.rows.values()
    assert request.activity == activity
