"""Broadcasts: composing with versions, previewing, sending once per person, stopping, reports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog.model import Catalogue
from handlers.core.events import ActionKind, ChatId, Reply, UserId
from handlers.core.formatting import activity_title, localised
from handlers.core.i18n import Speaker, Translator
from handlers.volunteers.broadcast_flow import (
    MAX_BROADCAST_CHARS,
    broadcast_reply,
    message_problem,
    report_reply,
    same_language,
    version_for,
)
from handlers.volunteers.broadcast_state import Broadcast, BroadcastState
from tests.handlers.volunteers.test_menu import (
    CLUB,
    COORDINATOR,
    GROUP,
    NOW,
    ORG,
    ORGANISER,
    OTHER_VOLUNTEER,
    READERS,
    SLEEPER,
    VOLUNTEER,
    World,
)

FINNISH_TEXT = "Hei! Ensi tiistaina leivotaan yhdessä."
ARABIC_TEXT = "مرحبا! سنخبز معًا يوم الثلاثاء القادم."


@pytest.fixture
async def world(demo: Catalogue) -> World:
    world = World(demo)
    await world.subscribe_readers()
    return world


def marker(speaker: Speaker, language: str) -> str:
    return speaker.gettext("in %(language)s") % {"language": speaker.language_name(language)}


async def compose(world: World, user: UserId, op: str = "do:bc", language: str = "fi") -> None:
    await world.open_menu(user, language=language)
    await world.choose(user, op, language)
    assert await world.step(user) == "bc-text"


async def send(world: World, user: UserId, language: str = "fi") -> Reply:
    [reply] = await world.choose(user, "send", language)
    return reply


def sent_to(world: World) -> dict[UserId, Reply]:
    return {
        e.message.user: e.message.reply
        for e in world.outbox.entries.values()
        if e.message.category == "broadcast"
    }


# --- composing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["", "   ", "x" * (MAX_BROADCAST_CHARS + 1), "bad\x00bytes", "bell\x07"]
)
async def test_an_unsendable_message_is_refused_and_the_step_stays(
    world: World, typed: str
) -> None:
    await compose(world, VOLUNTEER)
    [reply] = await world.type(VOLUNTEER, typed, "fi")
    problem = message_problem(typed.strip(), world.speaker("fi"))
    assert problem is not None
    assert problem in reply.text
    assert await world.step(VOLUNTEER) == "bc-text"


def test_plain_text_with_lines_and_emoji_is_fine() -> None:
    assert message_problem("Hei!\n\tTervetuloa 🎉", Translator().speaker("en")) is None


async def test_the_preview_says_who_gets_which_version(world: World) -> None:
    await compose(world, VOLUNTEER)
    [preview] = await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    assert await world.step(VOLUNTEER) == "bc-preview"
    assert FINNISH_TEXT in preview.text
    assert str(len(READERS)) in preview.text
    speaker = world.speaker("fi")
    for language in READERS.values():
        assert speaker.language_name(language) in preview.text
    assert {"send", "more", "quit"} == {a.argument for a in preview.actions}
    assert not world.broadcasts.rows
    assert not world.outbox.entries


async def test_versions_in_other_languages_go_to_their_readers(world: World) -> None:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    [languages] = await world.choose(VOLUNTEER, "more", "fi")
    offered = [a.argument for a in languages.actions if a.argument.startswith("lang:")]
    assert "lang:fi" not in offered  # the original's language
    assert set(offered[:2]) == {"lang:ar", "lang:uk"}  # readers still without a version first
    await world.choose(VOLUNTEER, "lang:ar", "fi")
    assert await world.step(VOLUNTEER) == "bc-version"
    [preview] = await world.type(VOLUNTEER, ARABIC_TEXT, "fi")
    assert ARABIC_TEXT in preview.text
    assert FINNISH_TEXT in preview.text
    confirmation = await send(world, VOLUNTEER)

    [broadcast] = world.broadcasts.rows.values()
    assert broadcast.sender == VOLUNTEER
    assert broadcast.activity == CLUB
    assert broadcast.language == "fi"
    assert broadcast.versions == (("ar", ARABIC_TEXT),)
    assert broadcast.recipients == len(READERS)
    assert [a.argument for a in confirmation.actions] == [f"stop:{broadcast.id}"]
    assert str(len(READERS)) in confirmation.text

    messages = sent_to(world)
    assert set(messages) == set(READERS)  # not the inactive subscriber
    for user, language in READERS.items():
        speaker = world.speaker(language)
        reply = messages[user]
        assert reply.language == language
        assert activity_title(world.editor.catalogue, CLUB, speaker) in reply.text
        organisation = world.editor.catalogue.organisation(ORG)
        assert organisation is not None
        assert localised(organisation.name, speaker, say_language=False) in reply.text
    assert ARABIC_TEXT in messages[_reader("ar")].text
    assert FINNISH_TEXT not in messages[_reader("ar")].text
    assert FINNISH_TEXT in messages[_reader("fi")].text
    assert marker(world.speaker("fi"), "fi") not in messages[_reader("fi")].text
    ukrainian = world.speaker("uk")
    assert FINNISH_TEXT in messages[_reader("uk")].text
    assert marker(ukrainian, "fi") in messages[_reader("uk")].text
    for entry in world.outbox.entries.values():
        assert entry.message.batch == broadcast.batch
        assert entry.message.key == f"broadcast:{broadcast.id}:{entry.message.user}"
    assert await world.dialogues.get(VOLUNTEER) is None


def _reader(language: str) -> UserId:
    return next(user for user, code in READERS.items() if code == language)


async def test_send_pressed_twice_sends_once(world: World) -> None:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    await send(world, VOLUNTEER)
    queued = dict(world.outbox.entries)
    [again] = await world.choose(VOLUNTEER, "send", "fi", forged=True)
    assert again.actions == ()
    assert world.outbox.entries == queued
    assert len(world.broadcasts.rows) == 1


async def test_a_send_that_fails_midway_stores_nothing_and_can_be_sent_again(
    world: World,
) -> None:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    dialogue = await world.dialogues.get(VOLUNTEER)
    async def broken(*_: object) -> list[str]:
        raise ConnectionError("the database went away")

    world.outbox.enqueue = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(ConnectionError):
        await world.choose(VOLUNTEER, "send", "fi")
    # The broadcast, its messages and the end of the dialogue commit together, or not at all.
    assert not world.broadcasts.rows
    assert not world.outbox.entries
    assert await world.dialogues.get(VOLUNTEER) == dialogue
    del world.outbox.enqueue  # the database is back
    await world.choose(VOLUNTEER, "send", "fi")
    assert len(world.broadcasts.rows) == 1
    assert len(sent_to(world)) == len(READERS)
    assert await world.dialogues.get(VOLUNTEER) is None


async def test_a_role_revoked_before_sending_sends_nothing(world: World) -> None:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    await world.staff.revoke(VOLUNTEER, ORG, ORGANISER, NOW)
    [reply] = await world.choose(VOLUNTEER, "send", "fi")
    assert reply.actions == ()
    assert not world.broadcasts.rows
    assert not world.outbox.entries


async def test_a_forged_language_is_stale(world: World) -> None:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    await world.choose(VOLUNTEER, "more", "fi")
    for argument in ("lang:xx", "lang:fi", "send"):
        await world.choose(VOLUNTEER, argument, "fi", forged=True)
        assert await world.step(VOLUNTEER) == "bc-language"
    assert not world.outbox.entries


async def test_nobody_subscribed_means_no_send_button(demo: Catalogue) -> None:
    world = World(demo)
    await compose(world, VOLUNTEER)
    [preview] = await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    assert "send" not in {a.argument for a in preview.actions}


# --- to the whole organisation ------------------------------------------------------------


async def test_an_organisers_message_reaches_each_person_once(world: World) -> None:
    both = _reader("fi")
    await world.subscribe(both, "fi", activity=GROUP)  # follows two of the organisation's
    elsewhere = UserId("telegram:700")
    await world.subscribe(elsewhere, "en", activity="spr-nurmijarvi-ystava")
    await world.command(ORGANISER, "fi")
    await world.choose(ORGANISER, "do:bcorg", "fi")
    await world.type(ORGANISER, FINNISH_TEXT, "fi")
    await send(world, ORGANISER)
    messages = sent_to(world)
    assert set(messages) == set(READERS)
    [broadcast] = world.broadcasts.rows.values()
    assert broadcast.activity is None
    assert broadcast.organisation == ORG
    speaker = world.speaker("fi")
    assert activity_title(world.editor.catalogue, CLUB, speaker) not in messages[both].text


async def test_a_volunteer_cannot_write_to_the_whole_organisation(world: World) -> None:
    await world.command(VOLUNTEER, "fi")
    await world.choose(VOLUNTEER, "do:bcorg", "fi", forged=True)
    assert await world.dialogues.get(VOLUNTEER) is None or await world.step(VOLUNTEER) != "bc-text"
    assert not world.broadcasts.rows


# --- stopping -----------------------------------------------------------------------------


async def sent_broadcast(world: World) -> Broadcast:
    await compose(world, VOLUNTEER)
    await world.type(VOLUNTEER, FINNISH_TEXT, "fi")
    await send(world, VOLUNTEER)
    [broadcast] = world.broadcasts.rows.values()
    return broadcast


async def test_the_sender_stops_what_is_not_sent_yet_and_gets_a_report(world: World) -> None:
    broadcast = await sent_broadcast(world)
    delivered = next(iter(world.outbox.entries))
    world.outbox.deliver(delivered)
    [report] = await world.choose(VOLUNTEER, f"stop:{broadcast.id}", "fi")
    stopped = world.broadcasts.rows[broadcast.id or 0]
    assert stopped.state is BroadcastState.STOPPED
    assert list(world.outbox.entries) == [delivered]
    expected = report_reply(
        world.editor.catalogue, stopped, {"sent": 1}, world.speaker("fi"), len(READERS) - 1
    )
    assert report == expected
    [again] = await world.choose(VOLUNTEER, f"stop:{broadcast.id}", "fi", forged=True)
    assert again.text == world.speaker("fi").gettext("That message is no longer being sent.")
    assert await world.broadcasting.report_finished(NOW) == 0  # no second report


async def test_someone_else_cannot_stop_it(world: World) -> None:
    broadcast = await sent_broadcast(world)
    for user in (OTHER_VOLUNTEER, ORGANISER, SLEEPER):
        await world.choose(user, f"stop:{broadcast.id}", forged=True)
    assert world.broadcasts.rows[broadcast.id or 0].state is BroadcastState.SENDING
    assert len(sent_to(world)) == len(READERS)


async def test_a_coordinator_can_stop_it_and_the_sender_is_told(world: World) -> None:
    broadcast = await sent_broadcast(world)
    await world.choose(COORDINATOR, f"stop:{broadcast.id}", forged=True)
    assert world.broadcasts.rows[broadcast.id or 0].state is BroadcastState.STOPPED
    [report] = world.outbox.to(f"{VOLUNTEER}#chat")
    assert report.key == f"broadcast-report:{broadcast.id}"
    assert report.reply.language == "fi"


@pytest.mark.parametrize("argument", ["stop:", "stop:x", "stop:99"])
async def test_stopping_an_unknown_broadcast_is_stale(world: World, argument: str) -> None:
    await sent_broadcast(world)
    [reply] = await world.choose(VOLUNTEER, argument, forged=True)
    assert reply.actions == ()
    assert len(sent_to(world)) == len(READERS)


# --- reporting ----------------------------------------------------------------------------


async def test_the_report_comes_when_nothing_is_left_to_send(world: World) -> None:
    broadcast = await sent_broadcast(world)
    assert await world.broadcasting.report_finished(NOW) == 0
    keys = list(world.outbox.entries)
    world.outbox.deliver(keys[0])
    world.outbox.entries[keys[1]].state = "failed"
    world.outbox.entries[keys[2]].state = "blocked"
    later = NOW + timedelta(minutes=5)
    assert await world.broadcasting.report_finished(later) == 1
    done = world.broadcasts.rows[broadcast.id or 0]
    assert done.state is BroadcastState.DONE
    [report] = world.outbox.to(f"{VOLUNTEER}#chat")
    assert report.key == f"broadcast-report:{broadcast.id}"
    assert report.batch is None
    assert report.due_at == later
    tally = {"sent": 1, "failed": 1, "blocked": 1}
    assert report.reply == report_reply(world.editor.catalogue, done, tally, world.speaker("fi"))
    assert await world.broadcasting.report_finished(later) == 0


def test_the_report_counts_each_outcome(demo: Catalogue) -> None:
    speaker = Translator().speaker("en")
    broadcast = Broadcast(1, VOLUNTEER, ChatId("c"), ORG, "en", "x", NOW, activity=CLUB)
    one = report_reply(
        demo, broadcast, {"sent": 3, "failed": 1, "dropped": 1, "blocked": 2}, speaker
    )
    assert "3" in one.text
    assert "2" in one.text
    lines = one.text.splitlines()
    waiting = report_reply(demo, broadcast, {"sent": 3, "pending": 4}, speaker)
    assert len(waiting.text.splitlines()) == len(lines) + 1


# --- pure pieces --------------------------------------------------------------------------


def test_versions_are_chosen_per_reader() -> None:
    broadcast = Broadcast(
        1,
        VOLUNTEER,
        ChatId("c"),
        ORG,
        "fi",
        FINNISH_TEXT,
        NOW,
        versions=(("ar", ARABIC_TEXT), ("en", "Hello")),
    )
    assert version_for(broadcast, "ar") == ("ar", ARABIC_TEXT)
    assert version_for(broadcast, "uk") == ("fi", FINNISH_TEXT)
    assert version_for(broadcast, "fi-x-plain") == ("fi", FINNISH_TEXT)
    assert same_language("fi", "fi-x-plain")
    assert not same_language("fi", "sv")


def test_plain_finnish_readers_get_finnish_without_a_language_note(demo: Catalogue) -> None:
    speaker = Translator().speaker("fi-x-plain")
    broadcast = Broadcast(1, VOLUNTEER, ChatId("c"), ORG, "fi", FINNISH_TEXT, NOW)
    reply = broadcast_reply(demo, broadcast, speaker)
    assert reply.text.endswith(FINNISH_TEXT)
    assert reply.language == "fi-x-plain"


def test_an_arabic_reader_gets_a_finnish_original_isolated_and_marked(demo: Catalogue) -> None:
    speaker = Translator().speaker("ar")
    broadcast = Broadcast(1, VOLUNTEER, ChatId("c"), ORG, "fi", FINNISH_TEXT, NOW, activity=CLUB)
    reply = broadcast_reply(demo, broadcast, speaker)
    assert f"\u2068{FINNISH_TEXT}\u2069" in reply.text
    assert marker(speaker, "fi") in reply.text
    assert all(a.kind is not ActionKind.VOLUNTEER for a in reply.actions)
