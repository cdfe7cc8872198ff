"""The coordinator's side: answers, e-mail fallback, raising, retention, /requests, closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from catalog.model import Catalogue
from handlers.coordination.request_desk import (
    DELIVERY_GRACE,
    age_text,
    emailed_notice,
    forward_key,
    forwarded_request_id,
    raise_round,
)
from handlers.coordination.requests import ContactRequest, RequestKind, RequestState
from handlers.core.events import ActionKind, ChatId, UserId
from handlers.core.turn import Turn
from tests.handlers.newcomers.test_contact import (
    COORDINATOR,
    ESPOO_COORDINATOR,
    ESPOO_MAIL,
    GROUP,
    MEMBER,
    NEWCOMER,
    NURMIJARVI_MAIL,
    PERSIAN,
    World,
)

NEWCOMER_CHAT = ChatId(str(NEWCOMER))
MAIL_CHAT = ChatId(f"email:{NURMIJARVI_MAIL}")


@pytest.fixture
def world(demo: Catalogue) -> World:
    return World(demo)


async def forwarded(world: World, message_id: str = "m1") -> ContactRequest:
    """A request whose chat forward was delivered as platform message ``message_id``."""
    request, _ = await world.ask(PERSIAN, language="fa")
    world.outbox.deliver(forward_key(request.id, GROUP, 0), message_id)
    return request


def coordinator_turn(world: World, user: UserId = COORDINATOR, *, in_group: bool = True) -> Turn:
    return world.turn(user, language="en", chat=GROUP if in_group else None, in_group=in_group)


def to_newcomer(world: World) -> list[str]:
    return [m.reply.text for m in world.outbox.to(NEWCOMER_CHAT)]


# --- answering ---------------------------------------------------------------------------------


async def test_a_reply_in_the_group_reaches_the_user_marked_as_the_coordinators(
    world: World,
) -> None:
    request = await forwarded(world)
    turn = coordinator_turn(world)
    [confirmation] = await world.coordination.reply_in_group(turn, "Tervetuloa maanantaina!", "m1")
    assert request.reference in confirmation.text
    said = turn.speaker.gettext("Sent to the person who asked (%(reference)s).")
    assert confirmation.text == said % {"reference": request.reference}
    [answer] = world.outbox.to(NEWCOMER_CHAT)
    assert answer.user == NEWCOMER
    assert answer.batch != request.batch  # never counted as a forward
    assert answer.reply.language == "fa"
    heading = world.translator.speaker("fa").gettext("Answer from the coordinator (%(reference)s):")
    assert answer.reply.text.startswith(heading % {"reference": request.reference})
    assert request.reference in answer.reply.text.splitlines()[0]
    assert "Tervetuloa maanantaina!" in answer.reply.text
    stored = world.requests.rows[request.id or 0]
    assert stored.state is RequestState.ANSWERED
    assert stored.answered_at == world.clock.now
    # The same update delivered twice sends one answer.
    await world.coordination.reply_in_group(turn, "Tervetuloa maanantaina!", "m1")
    assert len(world.outbox.to(NEWCOMER_CHAT)) == 1
    await world.coordination.reply_in_group(turn, "Ja tiistaina myös.", "m1")
    assert len(world.outbox.to(NEWCOMER_CHAT)) == 2


async def test_a_member_who_is_not_a_coordinator_is_refused(world: World) -> None:
    request = await forwarded(world)
    before = dict(world.outbox.entries)
    [refusal] = await world.coordination.reply_in_group(
        coordinator_turn(world, MEMBER), "I can help!", "m1"
    )
    assert "only the coordinators" in refusal.text
    assert world.outbox.entries == before
    assert world.requests.rows[request.id or 0].state is RequestState.OPEN


async def test_a_coordinator_of_another_network_is_refused(world: World) -> None:
    await forwarded(world)
    before = dict(world.outbox.entries)
    [refusal] = await world.coordination.reply_in_group(
        coordinator_turn(world, ESPOO_COORDINATOR), "Hello", "m1"
    )
    assert "only the coordinators" in refusal.text
    assert world.outbox.entries == before


async def test_replies_to_other_messages_are_ignored(world: World) -> None:
    await forwarded(world)
    before = dict(world.outbox.entries)
    replies = await world.coordination.reply_in_group(coordinator_turn(world), "lol", "other")
    assert replies == []
    assert world.outbox.entries == before


async def test_reply_command_answers_privately_and_reads_loose_references(world: World) -> None:
    request = await forwarded(world)
    typed = request.reference.replace("-", "").lower()
    turn = coordinator_turn(world, in_group=False)
    [confirmation] = await world.coordination.command(turn, "reply", f"{typed} Soitan huomenna.")
    assert request.reference in confirmation.text
    [answer] = to_newcomer(world)
    assert "Soitan huomenna." in answer


async def test_reply_command_without_text_sends_nothing(world: World) -> None:
    request = await forwarded(world)
    turn = coordinator_turn(world, in_group=False)
    [prompt] = await world.coordination.command(turn, "reply", request.reference)
    assert "answer" in prompt.text
    assert to_newcomer(world) == []


async def test_reply_command_from_a_non_coordinator_is_refused(world: World) -> None:
    request = await forwarded(world)
    turn = world.turn(MEMBER)
    [refusal] = await world.coordination.command(turn, "reply", f"{request.reference} hi")
    assert "only the coordinators" in refusal.text
    assert to_newcomer(world) == []


async def test_a_closed_request_takes_no_answer(world: World) -> None:
    request = await forwarded(world)
    turn = coordinator_turn(world, in_group=False)
    await world.coordination.command(turn, "close", request.reference)
    told = len(to_newcomer(world))
    [reply] = await world.coordination.command(turn, "reply", f"{request.reference} late")
    assert "closed" in reply.text
    assert len(to_newcomer(world)) == told


# --- e-mail fallback ---------------------------------------------------------------------------


async def test_a_failed_chat_forward_goes_by_email_and_the_user_is_told(world: World) -> None:
    request, _ = await world.ask(PERSIAN, language="fa")
    world.outbox.entries[forward_key(request.id, GROUP, 0)].state = "failed"
    world.clock.advance(minutes=1)
    result = await world.coordination.follow_up(world.catalogue)
    assert result.emailed == 1
    [mail] = world.outbox.to(MAIL_CHAT)
    assert mail.channel == "email"
    assert f"/reply {request.reference}" in mail.reply.text
    assert PERSIAN in mail.reply.text
    assert mail.user != NEWCOMER
    assert mail.batch == request.batch
    [notice] = world.outbox.to(NEWCOMER_CHAT)
    assert notice.user == NEWCOMER
    assert request.reference in notice.reply.text
    assert notice.reply == emailed_notice(request, world.translator.speaker("fa"))
    assert notice.reply.language == "fa"
    assert world.requests.rows[request.id or 0].via == "email"
    # Once only.
    entries = len(world.outbox.entries)
    world.clock.advance(minutes=1)
    again = await world.coordination.follow_up(world.catalogue)
    assert again.emailed == 0
    assert len(world.outbox.entries) == entries


async def test_a_blocked_chat_counts_as_failed(world: World) -> None:
    request, _ = await world.ask()
    world.outbox.entries[forward_key(request.id, GROUP, 0)].state = "blocked"
    await world.coordination.follow_up(world.catalogue)
    assert len(world.outbox.to(MAIL_CHAT)) == 1


async def test_an_undelivered_forward_waits_ten_minutes_then_goes_by_email(world: World) -> None:
    await world.ask()
    world.clock.advance(seconds=DELIVERY_GRACE.total_seconds() - 60)
    await world.coordination.follow_up(world.catalogue)
    assert world.outbox.to(MAIL_CHAT) == []
    world.clock.advance(minutes=2)
    await world.coordination.follow_up(world.catalogue)
    assert len(world.outbox.to(MAIL_CHAT)) == 1


async def test_a_delivered_forward_needs_no_email(world: World) -> None:
    await forwarded(world)
    world.clock.advance(hours=1)
    result = await world.coordination.follow_up(world.catalogue)
    assert result.emailed == 0
    assert world.outbox.to(MAIL_CHAT) == []
    assert to_newcomer(world) == []


async def test_without_email_the_user_gets_the_direct_contact_once(demo: Catalogue) -> None:
    world = World(demo, email_enabled=False)
    request, _ = await world.ask()
    world.outbox.entries[forward_key(request.id, GROUP, 0)].state = "failed"
    for _ in range(3):
        world.clock.advance(minutes=1)
        await world.coordination.follow_up(demo)
    [notice] = to_newcomer(world)
    assert request.reference in notice
    assert NURMIJARVI_MAIL in notice
    assert world.outbox.to(MAIL_CHAT) == []


# --- raising again -----------------------------------------------------------------------------


def forwards_to_group(world: World) -> list[str]:
    return [m.key for m in world.outbox.to(GROUP)]


async def test_an_unanswered_request_is_raised_once_per_period(world: World) -> None:
    request = await forwarded(world)
    world.clock.advance(hours=23)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 0
    world.clock.advance(hours=1, minutes=1)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 1
    assert forwards_to_group(world)[-1] == forward_key(request.id, GROUP, 1)
    raised = world.outbox.entries[forward_key(request.id, GROUP, 1)].message
    fi = world.translator.speaker("fi")
    still = fi.gettext("Still unanswered after %(age)s.")
    assert still % {"age": age_text(timedelta(hours=24), fi)} in raised.reply.text
    assert raised.batch == request.batch
    assert world.requests.rows[request.id or 0].raised_at == world.clock.now
    world.clock.advance(minutes=1)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 0
    world.clock.advance(hours=12)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 0
    world.clock.advance(hours=12)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 1
    assert forwards_to_group(world)[-1] == forward_key(request.id, GROUP, 2)
    assert len(forwards_to_group(world)) == 3


async def test_an_answered_request_is_not_raised(world: World) -> None:
    await forwarded(world)
    await world.coordination.reply_in_group(coordinator_turn(world), "Answer", "m1")
    world.clock.advance(days=2)
    assert (await world.coordination.follow_up(world.catalogue)).raised == 0


async def test_an_emailed_request_is_raised_by_email(world: World) -> None:
    request, _ = await world.ask(network="espoo")
    world.clock.advance(hours=25)
    await world.coordination.follow_up(world.catalogue)
    keys = [m.key for m in world.outbox.to(ChatId(f"email:{ESPOO_MAIL}"))]
    assert keys == [
        f"request:{request.id}:email:{ESPOO_MAIL}:0",
        f"request:{request.id}:email:{ESPOO_MAIL}:1",
    ]


def test_a_raise_after_a_long_outage_counts_the_periods(world: World) -> None:
    now = world.clock.now
    request = ContactRequest(
        1, "K-1", RequestKind.CONTACT, NEWCOMER, NEWCOMER_CHAT, "nurmijarvi", "en", "x", now
    )
    day = timedelta(hours=24)
    assert raise_round(request, now + day, day) == 1
    assert raise_round(request, now + 3 * day + timedelta(hours=5), day) == 3


# --- retention ---------------------------------------------------------------------------------


async def test_closed_requests_are_deleted_after_the_retention(world: World) -> None:
    old = await forwarded(world)
    recent, _ = await world.ask()
    still_open, _ = await world.ask()
    turn = coordinator_turn(world, in_group=False)
    await world.coordination.command(turn, "close", old.reference)
    world.clock.advance(days=100)
    await world.coordination.command(turn, "close", recent.reference)
    world.clock.advance(days=81)
    result = await world.coordination.follow_up(world.catalogue)
    assert result.deleted == 1
    assert set(world.requests.rows) == {recent.id, still_open.id}


# --- /requests and closing ---------------------------------------------------------------------


async def test_requests_lists_open_requests_with_close_buttons_in_private(world: World) -> None:
    first = await forwarded(world)
    world.clock.advance(hours=3)
    second, _ = await world.ask("Voinko tulla kerhoon lapsen kanssa?", language="fi")
    await world.ask(network="espoo")
    [listing] = await world.coordination.command(
        coordinator_turn(world, in_group=False), "requests", ""
    )
    english = world.translator.speaker("en")
    assert first.reference in listing.text
    assert second.reference in listing.text
    assert english.language_name("fa") in listing.text
    assert "Voinko tulla kerhoon" in listing.text
    assert age_text(timedelta(hours=3), english) in listing.text
    assert [a.argument for a in listing.actions] == [f"close:{first.id}", f"close:{second.id}"]
    assert {a.kind for a in listing.actions} == {ActionKind.REQUEST}
    espoo = next(r for r in world.requests.rows.values() if r.network == "espoo")
    assert espoo.reference not in listing.text


async def test_requests_in_the_coordinator_chat_has_no_buttons(world: World) -> None:
    request = await forwarded(world)
    [listing] = await world.coordination.command(coordinator_turn(world), "requests", "")
    assert request.reference in listing.text
    assert listing.actions == ()


@pytest.mark.parametrize(
    ("user", "chat", "in_group"),
    [
        (MEMBER, GROUP, True),
        (MEMBER, None, False),
        (COORDINATOR, ChatId("telegram:-100999"), True),  # some other group
    ],
)
async def test_requests_is_refused_outside_the_coordinators_place(
    world: World, user: UserId, chat: ChatId | None, in_group: bool
) -> None:
    request = await forwarded(world)
    turn = world.turn(user, chat=chat, in_group=in_group)
    [refusal] = await world.coordination.command(turn, "requests", "")
    assert request.reference not in refusal.text
    assert "only the coordinators" in refusal.text


async def test_no_open_requests(world: World) -> None:
    [reply] = await world.coordination.command(coordinator_turn(world), "requests", "")
    assert "No open requests" in reply.text


async def test_close_tells_the_user_and_stops_raising(world: World) -> None:
    request, _ = await world.ask(language="fa")
    turn = coordinator_turn(world, in_group=False)
    [done] = await world.coordination.command(turn, "close", request.reference)
    assert request.reference in done.text
    stored = world.requests.rows[request.id or 0]
    assert stored.state is RequestState.CLOSED
    assert stored.closed_at == world.clock.now
    [notice] = world.outbox.to(NEWCOMER_CHAT)
    assert request.reference in notice.reply.text
    closed = world.translator.speaker("fa").gettext("Your request %(reference)s was closed.")
    assert closed % {"reference": request.reference} in notice.reply.text
    assert notice.reply.language == "fa"
    assert world.outbox.to(GROUP) == []  # the undelivered forward was withdrawn
    world.clock.advance(days=3)
    result = await world.coordination.follow_up(world.catalogue)
    assert (result.raised, result.emailed) == (0, 0)
    [again] = await world.coordination.command(turn, "close", request.reference)
    assert "already closed" in again.text
    assert len(world.outbox.to(NEWCOMER_CHAT)) == 1


async def test_close_button_through_the_contact_flow(world: World) -> None:
    request = await forwarded(world)
    turn = coordinator_turn(world, in_group=False)
    [done] = await world.flow.choice(turn, f"close:{request.id}")
    assert request.reference in done.text
    assert world.requests.rows[request.id or 0].state is RequestState.CLOSED


@pytest.mark.parametrize("user", [MEMBER, NEWCOMER])
async def test_close_by_someone_else_changes_nothing(world: World, user: UserId) -> None:
    request = await forwarded(world)
    before = dict(world.outbox.entries)
    [by_command] = await world.coordination.command(world.turn(user), "close", request.reference)
    [by_button] = await world.coordination.choice(world.turn(user), f"close:{request.id}")
    assert "only the coordinators" in by_command.text
    assert "only the coordinators" in by_button.text
    assert world.requests.rows[request.id or 0].state is RequestState.OPEN
    assert world.outbox.entries == before


async def test_another_networks_coordinator_cannot_see_or_close(world: World) -> None:
    request = await forwarded(world)
    turn = world.turn(ESPOO_COORDINATOR)
    [by_command] = await world.coordination.command(turn, "close", request.reference)
    [by_button] = await world.coordination.choice(turn, f"close:{request.id}")
    assert "no request" in by_command.text
    assert "no longer valid" in by_button.text
    assert world.requests.rows[request.id or 0].state is RequestState.OPEN


@pytest.mark.parametrize("argument", ["close:", "close:abc", "close:999", "close:-1", "open:1", ""])
async def test_forged_close_buttons_change_nothing(world: World, argument: str) -> None:
    request = await forwarded(world)
    [reply] = await world.coordination.choice(coordinator_turn(world, in_group=False), argument)
    assert "no longer valid" in reply.text
    assert world.requests.rows[request.id or 0].state is RequestState.OPEN


async def test_close_of_an_unknown_reference(world: World) -> None:
    [reply] = await world.coordination.command(coordinator_turn(world), "close", "Z-0000")
    assert "Z-0000" in reply.text


# --- keys and forgetting -----------------------------------------------------------------------


def test_only_forward_keys_name_a_request() -> None:
    assert forwarded_request_id(forward_key(12, ChatId("matrix:!room:example.org"), 3)) == 12
    assert forwarded_request_id("request:12:answer:abc") is None
    assert forwarded_request_id("request:x:forward:telegram:1:0") is None
    assert forwarded_request_id("broadcast:12:telegram:1") is None


async def test_a_request_of_a_vanished_desk_is_raised_without_error(world: World) -> None:
    request, _ = await world.ask()
    world.requests.rows[request.id or 0] = replace(request, network="gone")
    world.clock.advance(days=2)
    result = await world.coordination.follow_up(world.catalogue)
    assert result.raised == 1
    assert world.requests.rows[request.id or 0].raised_at == world.clock.now
