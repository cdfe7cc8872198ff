"""The newcomer's side of contact and join requests: consent, message, reference."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from catalog.model import Catalogue
from handlers.coordination.permissions import Desk
from handlers.coordination.request_desk import Coordination, coordinator_language
from handlers.coordination.requests import ContactRequest, RequestKind
from handlers.core.dialogue import DIALOGUE_LIFETIME
from handlers.core.events import ActionKind, ChatId, Profile, Reply, UserId
from handlers.core.formatting import activity_title, localised
from handlers.core.i18n import Translator
from handlers.core.ports import OutgoingMessage
from handlers.core.turn import Turn
from handlers.newcomers.contact import MESSAGE_LIMIT, ContactFlow, contact_consent_text, sent_text
from tests.fakes import (
    FixedClock,
    InMemoryDialogues,
    InMemoryOutbox,
    InMemoryRequests,
    InMemoryUnitsOfWork,
)

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NEWCOMER = UserId("telegram:1001")
COORDINATOR = UserId("telegram:500")
MEMBER = UserId("telegram:501")
ESPOO_COORDINATOR = UserId("matrix:@eve:example.org")
GROUP = ChatId("telegram:-100500")
NURMIJARVI_MAIL = "kotoutuminen@nurmijarvi.example.fi"
ESPOO_MAIL = "kumppanuus@espoo.example.fi"
ACTIVITY = "louhela-kielikahvila"
PERSIAN = "سلام. من می‌خواهم فنلاندی یاد بگیرم. آیا کلاس رایگان هست؟"


class BrokenOutbox(InMemoryOutbox):
    """An outbox that fails to store anything (the database went away mid-step)."""

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        raise ConnectionError("outbox unavailable")


@dataclass
class World:
    """The flows wired to in-memory fakes over the demo catalogue."""

    catalogue: Catalogue
    email_enabled: bool = True
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    requests: InMemoryRequests = field(default_factory=InMemoryRequests)
    dialogues: InMemoryDialogues = field(default_factory=InMemoryDialogues)
    translator: Translator = field(default_factory=Translator)

    def __post_init__(self) -> None:
        self.desks = {
            "nurmijarvi": Desk("nurmijarvi", (COORDINATOR,), (GROUP,), (NURMIJARVI_MAIL,)),
            "espoo": Desk("espoo", (ESPOO_COORDINATOR,), (), (ESPOO_MAIL,)),
        }
        self.units = InMemoryUnitsOfWork(
            dialogues=self.dialogues, outbox=self.outbox, requests=self.requests
        )
        self.coordination = Coordination(
            self.desks,
            self.requests,
            self.outbox,
            self.translator,
            self.clock,
            units=self.units,
            email_enabled=self.email_enabled,
        )
        self.flow = ContactFlow(
            self.requests, self.dialogues, self.coordination, self.clock, self.units
        )

    def turn(
        self,
        user: UserId = NEWCOMER,
        *,
        language: str | None = "en",
        network: str | None = "nurmijarvi",
        chat: ChatId | None = None,
        in_group: bool = False,
        name: str | None = None,
    ) -> Turn:
        speaker = self.translator.speaker(language or "en")
        return Turn(
            Profile(user, language, network),
            chat or ChatId(str(user)),
            speaker,
            self.catalogue,
            self.clock.now,
            in_group,
            name,
        )

    async def ask(
        self,
        message: str = "I need help with a school place.",
        *,
        consent: str = "anon",
        activity: str | None = None,
        name: str | None = "Ana Example",
        language: str = "en",
        network: str = "nurmijarvi",
    ) -> tuple[ContactRequest, list[Reply]]:
        """Go through the whole contact flow; returns the stored request and the last replies."""
        await self.flow.start(self.turn(language=language, network=network), activity)
        turn = self.turn(language=language, network=network, name=name)
        await self.flow.choice(turn, f"consent:{consent}")
        dialogue = await self.dialogues.get(NEWCOMER)
        assert dialogue is not None
        replies = await self.flow.text(turn, message, dialogue)
        return self.requests.rows[max(self.requests.rows)], replies

    def messages(self) -> list[OutgoingMessage]:
        return [entry.message for entry in self.outbox.entries.values()]


@pytest.fixture
def world(demo: Catalogue) -> World:
    return World(demo)


def arguments(reply: Reply) -> list[str]:
    return [action.argument for action in reply.actions]


# --- consent -----------------------------------------------------------------------------------


async def test_consent_says_what_goes_where_and_stores_nothing_yet(world: World) -> None:
    [reply] = await world.flow.start(world.turn(language="fa"), ACTIVITY)
    speaker = world.translator.speaker("fa")
    network = world.catalogue.network("nurmijarvi")
    assert network is not None
    assert speaker.language_name("fa") in reply.text
    assert activity_title(world.catalogue, ACTIVITY, speaker) in reply.text
    assert localised(network.name, speaker, say_language=False) in reply.text
    language = speaker.language_name("fa")
    place = localised(network.name, speaker, say_language=False)
    title = activity_title(world.catalogue, ACTIVITY, speaker)
    by_chat = contact_consent_text(speaker, language, place, title, by_email=False)
    assert reply.text.startswith(by_chat)
    assert not reply.text.startswith(contact_consent_text(speaker, language, place, title, True))
    assert arguments(reply) == ["consent:name", "consent:anon", "consent:no"]
    assert {action.kind for action in reply.actions} == {ActionKind.REQUEST}
    assert all(len(argument) <= 32 for argument in arguments(reply))
    assert world.requests.rows == {}
    assert world.outbox.entries == {}
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert (dialogue.flow, dialogue.step, dialogue.data) == (
        "contact",
        "consent",
        {"activity": ACTIVITY},
    )


async def test_consent_without_activity_does_not_mention_one(world: World) -> None:
    [reply] = await world.flow.start(world.turn(), None)
    assert "activity" not in reply.text
    assert "group chat" in reply.text


async def test_a_desk_without_chat_says_it_goes_by_email(world: World) -> None:
    [reply] = await world.flow.start(world.turn(network="espoo"), None)
    assert "by e-mail" in reply.text
    assert "group chat" not in reply.text


async def test_no_means_nothing_is_stored_or_sent(world: World) -> None:
    await world.flow.start(world.turn(), ACTIVITY)
    [reply] = await world.flow.choice(world.turn(name="Ana"), "consent:no")
    assert "nothing was sent" in reply.text
    assert world.requests.rows == {}
    assert world.outbox.entries == {}
    assert await world.dialogues.get(NEWCOMER) is None


async def test_yes_asks_for_the_message_and_remembers_the_consent(world: World) -> None:
    await world.flow.start(world.turn(), None)
    [reply] = await world.flow.choice(world.turn(name="Ana"), "consent:anon")
    assert "message" in reply.text.lower()
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert (dialogue.step, dialogue.data["consent"]) == ("message", "anon")
    assert world.requests.rows == {}


async def test_typing_instead_of_answering_the_consent_asks_again(world: World) -> None:
    await world.flow.start(world.turn(), None)
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    [reply] = await world.flow.text(world.turn(), "hello?", dialogue)
    assert arguments(reply) == ["consent:name", "consent:anon", "consent:no"]
    assert world.requests.rows == {}


# --- the request -------------------------------------------------------------------------------


async def test_a_persian_request_is_forwarded_with_the_language_name(world: World) -> None:
    request, [reply] = await world.ask(PERSIAN, language="fa")
    assert request.language == "fa"
    assert request.message == PERSIAN
    assert request.kind is RequestKind.CONTACT
    assert request.reference in reply.text
    fa = world.translator.speaker("fa")
    assert reply.text.startswith(sent_text(request, fa))
    assert request.via == "chat"
    [forward] = world.outbox.to(GROUP)
    assert forward.key == f"request:{request.id}:forward:{GROUP}:0"
    assert forward.batch == request.batch
    assert forward.user == UserId(str(GROUP))
    assert forward.user != NEWCOMER
    coordinator = world.translator.speaker(coordinator_language(world.catalogue, "nurmijarvi"))
    assert forward.reply.language == coordinator.language
    assert coordinator.language_name("fa") in forward.reply.text
    assert PERSIAN in forward.reply.text
    assert request.reference in forward.reply.text
    assert coordinator.gettext("Reply to this message to answer.") in forward.reply.text
    assert await world.dialogues.get(NEWCOMER) is None


async def test_the_activity_is_named_to_the_coordinator(world: World) -> None:
    request, _ = await world.ask(activity=ACTIVITY)
    assert request.activity == ACTIVITY
    [forward] = world.outbox.to(GROUP)
    coordinator = world.translator.speaker(forward.reply.language)
    assert activity_title(world.catalogue, ACTIVITY, coordinator) in forward.reply.text


async def test_the_name_is_sent_only_with_consent(world: World) -> None:
    named, _ = await world.ask(consent="name", name="Ana Example")
    anonymous, _ = await world.ask(consent="anon", name="Bob Example")
    assert named.name == "Ana Example"
    assert anonymous.name is None
    first, second = world.outbox.to(GROUP)
    assert "Ana Example" in first.reply.text
    assert "Bob Example" not in second.reply.text


async def test_a_bad_message_keeps_the_step_and_stores_nothing(world: World) -> None:
    await world.flow.start(world.turn(), None)
    await world.flow.choice(world.turn(), "consent:anon")
    for bad in ("   ", "x" * (MESSAGE_LIMIT + 1)):
        dialogue = await world.dialogues.get(NEWCOMER)
        assert dialogue is not None
        [reply] = await world.flow.text(world.turn(), bad, dialogue)
        assert "Sent." not in reply.text
        assert (await world.dialogues.get(NEWCOMER)) == dialogue
    assert world.requests.rows == {}
    assert world.outbox.entries == {}
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    await world.flow.text(world.turn(), "x" * MESSAGE_LIMIT, dialogue)
    assert len(world.requests.rows) == 1


async def test_a_desk_without_chat_emails_at_once_and_says_so(world: World) -> None:
    request, [reply] = await world.ask(network="espoo")
    assert request.via == "email"
    assert reply.text.startswith(sent_text(request, world.translator.speaker("en")))
    assert "by e-mail" in reply.text
    [mail] = world.messages()
    assert mail.chat == ChatId(f"email:{ESPOO_MAIL}")
    assert mail.channel == "email"
    assert f"/reply {request.reference}" in mail.reply.text
    assert mail.batch == request.batch  # erasure deletes the batch with the request


async def test_a_request_and_its_forward_are_stored_together_or_not_at_all(
    demo: Catalogue,
) -> None:
    world = World(demo, outbox=BrokenOutbox())
    await world.flow.start(world.turn(), None)
    await world.flow.choice(world.turn(), "consent:anon")
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    with pytest.raises(ConnectionError):
        await world.flow.text(world.turn(), "Please call me.", dialogue)
    # Nothing half-done: no request without its forward, and the dialogue still waits.
    assert not world.requests.rows
    assert await world.dialogues.get(NEWCOMER) == dialogue
    # Once the outbox is back, sending the message again stores and forwards it at once.
    repaired = World(
        demo, outbox=InMemoryOutbox(), requests=world.requests, dialogues=world.dialogues
    )
    await repaired.flow.text(repaired.turn(), "Please call me.", dialogue)
    [stored] = repaired.requests.rows.values()
    assert stored.message == "Please call me."
    assert len(repaired.outbox.to(GROUP)) == 1
    assert await repaired.dialogues.get(NEWCOMER) is None


# --- where it cannot start -------------------------------------------------------------------


async def test_without_a_municipality_the_user_is_asked_to_choose_one(world: World) -> None:
    [reply] = await world.flow.start(world.turn(network=None), None)
    assert "municipality" in reply.text
    assert await world.dialogues.get(NEWCOMER) is None


async def test_not_in_a_group_chat(world: World) -> None:
    [reply] = await world.flow.start(world.turn(chat=GROUP, in_group=True), None)
    assert "private" in reply.text
    assert await world.dialogues.get(NEWCOMER) is None


async def test_without_any_route_the_public_contact_is_given(demo: Catalogue) -> None:
    world = World(demo, email_enabled=False)
    [reply] = await world.flow.start(world.turn(network="espoo"), None)
    assert ESPOO_MAIL in reply.text
    assert reply.actions == ()
    assert await world.dialogues.get(NEWCOMER) is None


async def test_the_contact_command_takes_an_activity_id_only(world: World) -> None:
    [with_activity] = await world.flow.command(world.turn(), "contact", ACTIVITY)
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert dialogue.data == {"activity": ACTIVITY}
    title = activity_title(world.catalogue, ACTIVITY, world.translator.speaker("en"))
    assert title in with_activity.text
    await world.flow.command(world.turn(), "contact", "please help me")
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert dialogue.data == {}


# --- forged and stale choices ------------------------------------------------------------------


@pytest.mark.parametrize("argument", ["consent:maybe", "consent:", "bogus", "", "send:1"])
async def test_forged_choices_change_nothing(world: World, argument: str) -> None:
    await world.flow.start(world.turn(), None)
    before = await world.dialogues.get(NEWCOMER)
    [reply] = await world.flow.choice(world.turn(), argument)
    assert "no longer valid" in reply.text
    assert await world.dialogues.get(NEWCOMER) == before
    assert world.requests.rows == {}


async def test_consent_without_a_dialogue_is_stale(world: World) -> None:
    [reply] = await world.flow.choice(world.turn(), "consent:name")
    assert "no longer valid" in reply.text
    assert await world.dialogues.get(NEWCOMER) is None


async def test_consent_after_the_dialogue_expired_is_stale(world: World) -> None:
    await world.flow.start(world.turn(), None)
    world.clock.advance(seconds=DIALOGUE_LIFETIME.total_seconds() + 1)
    [reply] = await world.flow.choice(world.turn(), "consent:anon")
    assert "no longer valid" in reply.text


async def test_an_unknown_activity_is_refused(world: World) -> None:
    [reply] = await world.flow.start(world.turn(), "no-such-activity")
    assert "no longer valid" in reply.text
    assert await world.dialogues.get(NEWCOMER) is None


async def test_a_message_after_the_dialogue_expired_is_not_sent(world: World) -> None:
    await world.flow.start(world.turn(), None)
    await world.flow.choice(world.turn(), "consent:anon")
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    world.clock.advance(hours=3)
    [reply] = await world.flow.text(world.turn(), "late message", dialogue)
    assert "nothing was sent" in reply.text
    assert world.requests.rows == {}
    assert await world.dialogues.get(NEWCOMER) is None


async def test_the_same_consent_pressed_twice_asks_once(world: World) -> None:
    await world.flow.start(world.turn(), None)
    await world.flow.choice(world.turn(), "consent:anon")
    [again] = await world.flow.choice(world.turn(), "consent:name")
    assert "no longer valid" in again.text
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert dialogue.data["consent"] == "anon"


# --- joining the network -----------------------------------------------------------------------


async def answer_join(world: World, *answers: str) -> list[Reply]:
    replies: list[Reply] = []
    for answer in answers:
        dialogue = await world.dialogues.get(NEWCOMER)
        assert dialogue is not None
        replies = await world.flow.text(world.turn(), answer, dialogue)
    return replies


async def test_join_asks_three_questions_then_previews_and_forwards(world: World) -> None:
    [first] = await world.flow.command(world.turn(), "join", "")
    assert "organisation" in first.text.lower()
    [preview] = await answer_join(
        world, "Klaukkalan Kuoro ry", "kuoro@example.fi", "A choir for everyone, Thursdays."
    )
    for answer in ("Klaukkalan Kuoro ry", "kuoro@example.fi", "A choir for everyone, Thursdays."):
        assert answer in preview.text
    assert "group chat" in preview.text
    assert arguments(preview) == ["consent:name", "consent:anon", "consent:no"]
    assert world.requests.rows == {}
    [sent] = await world.flow.choice(world.turn(name="Kaisa"), "consent:name")
    [request] = world.requests.rows.values()
    assert request.kind is RequestKind.JOIN
    assert request.name == "Kaisa"
    assert request.reference in sent.text
    for answer in ("Klaukkalan Kuoro ry", "kuoro@example.fi", "A choir for everyone, Thursdays."):
        assert answer in request.message
    [forward] = world.outbox.to(GROUP)
    assert "Klaukkalan Kuoro ry" in forward.reply.text
    assert request.reference in forward.reply.text
    [stale] = await world.flow.choice(world.turn(name="Kaisa"), "consent:name")
    assert "no longer valid" in stale.text
    assert len(world.requests.rows) == 1


async def test_join_wants_an_email_or_a_phone_number(world: World) -> None:
    await world.flow.join(world.turn())
    [problem] = await answer_join(world, "Kuoro ry", "ask anyone")
    assert "e-mail address or a phone number" in problem.text
    dialogue = await world.dialogues.get(NEWCOMER)
    assert dialogue is not None
    assert dialogue.step == "contact"
    [next_question] = await answer_join(world, "+358 40 123 4567")
    assert "offer" in next_question.text


async def test_join_refused_stores_nothing(world: World) -> None:
    await world.flow.join(world.turn())
    await answer_join(world, "Kuoro ry", "kuoro@example.fi", "Singing.")
    await world.flow.choice(world.turn(), "consent:no")
    assert world.requests.rows == {}
    assert world.outbox.entries == {}
    assert await world.dialogues.get(NEWCOMER) is None
