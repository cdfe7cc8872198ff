"""The volunteer flow: choosing an activity, cancelling, moving, adding dates and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.localtime import to_local
from catalog.model import Catalogue, OccurrenceChange, OneOffDate
from catalog.occurrences import Occurrence, OccurrenceIndex
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.events import Action, ActionKind, ChatId, Profile, Reply, UserId
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker, Translator
from handlers.core.turn import Turn
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.broadcast_flow import Broadcasting
from handlers.volunteers.menu import PAGE, Volunteering
from handlers.volunteers.notices import SessionNotices, notice_reply
from handlers.volunteers.typed_input import (
    ID_MAX,
    TypedWhen,
    clean_title,
    duration_text,
    new_activity_id,
    parse_when,
    resolve_when,
    slug,
)
from tests.fakes import (
    FixedClock,
    InMemoryBroadcasts,
    InMemoryCatalogueEditor,
    InMemoryDialogues,
    InMemoryOutbox,
    InMemoryProfiles,
    InMemoryStaff,
    InMemorySubscriberDirectory,
    InMemorySubscriptions,
    InMemoryUnitsOfWork,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)  # a Monday

ORG = "setlementti-louhela"
OTHER_ORG = "spr-nurmijarvi"
CLUB = "louhela-kielikahvila"  # Tuesdays 17:00-18:30 at louhela, Finnish title only
GROUP = "louhela-aiti-lapsi"  # Thursdays 10:00-12:00, titles in fi, en, ar

VOLUNTEER = UserId("telegram:300")
ORGANISER = UserId("telegram:200")
OTHER_VOLUNTEER = UserId("telegram:301")
COORDINATOR = UserId("telegram:100")
NEWCOMER = UserId("telegram:400")

READERS = {
    UserId("telegram:501"): "fi",
    UserId("telegram:502"): "ar",
    UserId("telegram:503"): "uk",
}
SLEEPER = UserId("telegram:504")  # blocked the bot: never written to

DESKS = {"nurmijarvi": Desk("nurmijarvi", coordinators=(COORDINATOR,))}


def chat_of(user: UserId) -> ChatId:
    return ChatId(f"{user}#chat")


@dataclass
class World:
    """Every port faked, the flows wired as the lead wires them, and a few people."""

    catalogue: Catalogue
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    translator: Translator = field(default_factory=Translator)
    staff: InMemoryStaff = field(default_factory=InMemoryStaff)
    dialogues: InMemoryDialogues = field(default_factory=InMemoryDialogues)
    profiles: InMemoryProfiles = field(default_factory=InMemoryProfiles)
    subscriptions: InMemorySubscriptions = field(default_factory=InMemorySubscriptions)
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)
    broadcasts: InMemoryBroadcasts = field(default_factory=InMemoryBroadcasts)
    replies: dict[UserId, list[Reply]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.editor = InMemoryCatalogueEditor(self.catalogue)
        self.directory = InMemorySubscriberDirectory(self.subscriptions, self.profiles)
        self.notices = SessionNotices(self.directory, self.translator, self.clock)
        self.units = InMemoryUnitsOfWork(
            dialogues=self.dialogues,
            outbox=self.outbox,
            directory=self.directory,
            broadcasts=self.broadcasts,
            staff=self.staff,
            editor=self.editor,
        )
        self.broadcasting = Broadcasting(
            DESKS,
            self.staff,
            self.dialogues,
            self.broadcasts,
            self.directory,
            self.outbox,
            self.units,
            self.translator,
            self.clock,
            lambda: self.editor.catalogue,
        )
        self.volunteering = Volunteering(
            DESKS,
            self.staff,
            self.dialogues,
            self.units,
            self.source,
            self.notices,
            self.broadcasting,
            self.clock,
        )
        for user, role, organisation in (
            (VOLUNTEER, Role.VOLUNTEER, ORG),
            (ORGANISER, Role.ORGANISER, ORG),
            (OTHER_VOLUNTEER, Role.VOLUNTEER, OTHER_ORG),
        ):
            self.staff.grants.append(Grant(user, role, organisation, COORDINATOR, NOW))

    def source(self) -> tuple[Catalogue, OccurrenceIndex]:
        """A fresh index over the editor's catalogue and changes, as after the lead reloads."""
        return self.editor.catalogue, OccurrenceIndex(
            self.editor.catalogue, self.editor.changes.values()
        )

    async def subscribe(
        self, user: UserId, language: str, activity: str | None = CLUB, active: bool = True
    ) -> None:
        self.profiles.profiles[user] = Profile(user, language, "nurmijarvi", active=active)
        await self.subscriptions.add(
            Subscription(user, chat_of(user), NOW - timedelta(days=3), activity=activity)  # type: ignore[arg-type]
        )

    async def subscribe_readers(self) -> None:
        for user, language in READERS.items():
            await self.subscribe(user, language)
        await self.subscribe(SLEEPER, "fi", active=False)

    def speaker(self, language: str) -> Speaker:
        return self.translator.speaker(language)

    def turn(self, user: UserId, language: str = "en", in_group: bool = False) -> Turn:
        profile = Profile(user, language, "nurmijarvi")
        return Turn(
            profile,
            chat_of(user),
            self.speaker(language),
            self.editor.catalogue,
            self.clock.now,
            in_group=in_group,
        )

    def last(self, user: UserId) -> Reply:
        return self.replies[user][-1]

    def offered(self, user: UserId) -> list[Action]:
        return [a for r in self.replies.get(user, []) for a in r.actions]

    async def command(self, user: UserId, language: str = "en") -> list[Reply]:
        self.replies[user] = await self.volunteering.command(
            self.turn(user, language), "volunteer", ""
        )
        return self.replies[user]

    async def choose(
        self, user: UserId, argument: str, language: str = "en", forged: bool = False
    ) -> list[Reply]:
        """Press a button; unless ``forged``, it must be one the last reply offered."""
        if not forged:
            offered = [a.argument for a in self.offered(user) if a.kind is ActionKind.VOLUNTEER]
            assert argument in offered, f"{argument!r} not offered: {offered}"
        self.replies[user] = await self.volunteering.choice(self.turn(user, language), argument)
        return self.replies[user]

    async def choose_label(self, user: UserId, label: str, language: str = "en") -> list[Reply]:
        [action] = [a for a in self.offered(user) if a.label == label]
        return await self.choose(user, action.argument, language)

    async def type(self, user: UserId, text: str, language: str = "en") -> list[Reply]:
        dialogue = await self.dialogues.get(user)
        assert dialogue is not None, "the router sends text to the flow only inside a dialogue"
        self.replies[user] = await self.volunteering.text(self.turn(user, language), text, dialogue)
        return self.replies[user]

    async def step(self, user: UserId) -> str | None:
        dialogue = await self.dialogues.get(user)
        return dialogue.step if dialogue else None

    async def open_menu(self, user: UserId, activity: str = CLUB, language: str = "en") -> None:
        await self.command(user, language)
        title = localised(self.catalogue.activity(activity).title, self.speaker(language))  # type: ignore[union-attr]
        await self.choose_label(user, title, language)

    def next_sessions(self, activity: str = CLUB) -> list[Occurrence]:
        index = self.source()[1]
        return index.between(self.clock.now, self.clock.now + timedelta(days=60), [activity])  # type: ignore[list-item]


@pytest.fixture
def world(demo: Catalogue) -> World:
    return World(demo)


def nothing_changed(world: World, catalogue: Catalogue) -> bool:
    return (
        not world.editor.changes
        and world.editor.catalogue == catalogue
        and not world.outbox.entries
        and not world.broadcasts.rows
    )


# --- who may start -----------------------------------------------------------------------


async def test_a_newcomer_is_refused_politely_and_nothing_is_stored(
    world: World, demo: Catalogue
) -> None:
    [reply] = await world.command(NEWCOMER)
    assert reply.actions == ()
    assert reply.language == "en"
    assert await world.dialogues.get(NEWCOMER) is None
    assert nothing_changed(world, demo)


async def test_a_volunteer_of_one_organisation_sees_its_activities_at_once(
    world: World, demo: Catalogue
) -> None:
    [reply] = await world.command(VOLUNTEER)
    speaker = world.speaker("en")
    titles = {localised(a.title, speaker) for a in demo.activities if a.organisation == ORG}
    labels = {a.label for a in reply.actions}
    assert titles <= labels
    assert all(a.kind is ActionKind.VOLUNTEER for a in reply.actions)
    assert all(len(a.argument) <= 32 and a.argument.isascii() for a in reply.actions)
    # volunteers cannot add a new event or write to the whole organisation
    assert not {"do:new", "do:bcorg"} & {a.argument for a in reply.actions}


async def test_an_organiser_also_gets_the_organisation_wide_actions(world: World) -> None:
    [reply] = await world.command(ORGANISER)
    assert {"do:new", "do:bcorg"} <= {a.argument for a in reply.actions}


async def test_a_coordinator_chooses_among_many_organisations_page_by_page(
    world: World, demo: Catalogue
) -> None:
    [first] = await world.command(COORDINATOR)
    expected = [o.id for o in demo.organisations if "nurmijarvi" in o.networks]
    assert len(expected) > PAGE
    picks = [a for a in first.actions if a.argument.startswith("org:")]
    assert len(picks) == PAGE
    [more] = [a.argument for a in first.actions if a.argument.startswith("opage:")]
    [second] = await world.choose(COORDINATOR, more)
    picks += [a for a in second.actions if a.argument.startswith("org:")]
    assert len(picks) == len(expected)
    assert [a.argument for a in second.actions if a.argument.startswith("opage:")] == ["opage:0"]
    await world.choose(COORDINATOR, "opage:0")  # "More" at the end goes round to the start
    speaker = world.speaker("en")
    name = localised(demo.organisation(ORG).name, speaker, say_language=False)  # type: ignore[union-attr]
    [reply] = await world.choose_label(COORDINATOR, name)
    assert {"do:new", "do:bcorg"} <= {a.argument for a in reply.actions}


async def test_volunteer_in_a_group_chat_is_asked_to_write_privately(world: World) -> None:
    replies = await world.volunteering.command(
        world.turn(VOLUNTEER, in_group=True), "volunteer", ""
    )
    assert len(replies) == 1
    assert await world.dialogues.get(VOLUNTEER) is None


async def test_the_menu_offers_the_four_operations(world: World) -> None:
    await world.open_menu(VOLUNTEER)
    arguments = {a.argument for a in world.last(VOLUNTEER).actions}
    assert {"do:cancel", "do:move", "do:add", "do:bc"} <= arguments
    assert "do:new" not in arguments


# --- cancelling ---------------------------------------------------------------------------


async def cancel_first(world: World, user: UserId, reason: str, language: str = "en") -> None:
    await world.open_menu(user, language=language)
    await world.choose(user, "do:cancel", language)
    await world.choose(user, "occ:0", language)
    await world.choose(user, f"reason:{reason}", language)


async def test_cancelling_a_session_shows_the_notice_then_stores_it_and_tells_subscribers(
    world: World,
) -> None:
    await world.subscribe_readers()
    first = world.next_sessions()[0]
    await world.open_menu(VOLUNTEER)
    [sessions] = await world.choose(VOLUNTEER, "do:cancel")
    occurrence_buttons = [a for a in sessions.actions if a.argument.startswith("occ:")]
    assert 1 < len(occurrence_buttons) <= 8
    assert "17:00" in occurrence_buttons[0].label
    await world.choose(VOLUNTEER, "occ:0")
    [confirm] = await world.choose(VOLUNTEER, "reason:illness")
    expected = OccurrenceChange(
        first.activity, first.original_start, cancelled=True, reason="illness"
    )
    preview = notice_reply(world.editor.catalogue, expected, first, world.speaker("en"))
    assert preview.text in confirm.text
    assert str(len(READERS)) in confirm.text.replace(preview.text, "")
    assert not world.editor.changes  # nothing happens before the confirmation

    await world.choose(VOLUNTEER, "ok")
    assert list(world.editor.changes.values()) == [expected]
    assert world.editor.by == [VOLUNTEER]
    told = {m.user: m for m in (e.message for e in world.outbox.entries.values())}
    assert set(told) == set(READERS)  # the inactive subscriber is skipped
    for user, language in READERS.items():
        assert told[user].reply.language == language
        assert told[user].chat == chat_of(user)
        assert told[user].category == "notice"
    assert await world.dialogues.get(VOLUNTEER) is None
    # the change is visible through a fresh index: the session is cancelled
    index = world.source()[1]
    again = index.between(first.start, first.end, [first.activity], include_cancelled=True)
    assert [o.cancelled for o in again] == [True]


async def test_a_retried_confirmation_changes_and_sends_nothing_more(world: World) -> None:
    await world.subscribe_readers()
    await cancel_first(world, VOLUNTEER, "weather")
    await world.choose(VOLUNTEER, "ok")
    queued = dict(world.outbox.entries)
    [reply] = await world.choose(VOLUNTEER, "ok", forged=True)  # the same button again
    assert reply.actions == ()
    assert world.outbox.entries == queued
    assert world.editor.by == [VOLUNTEER]


async def test_the_volunteers_language_is_used_for_the_flow(world: World) -> None:
    await cancel_first(world, VOLUNTEER, "holiday", language="fi")
    assert world.last(VOLUNTEER).language == "fi"


async def test_a_role_revoked_before_confirming_changes_nothing(
    world: World, demo: Catalogue
) -> None:
    await world.subscribe_readers()
    await cancel_first(world, VOLUNTEER, "illness")
    await world.staff.revoke(VOLUNTEER, ORG, ORGANISER, NOW)
    [reply] = await world.choose(VOLUNTEER, "ok")
    assert reply.actions == ()
    assert nothing_changed(world, demo)
    assert await world.dialogues.get(VOLUNTEER) is None


async def test_a_volunteer_of_another_organisation_cannot_reach_this_one(
    world: World, demo: Catalogue
) -> None:
    [reply] = await world.command(OTHER_VOLUNTEER)
    speaker = world.speaker("en")
    louhela = {localised(a.title, speaker) for a in demo.activities if a.organisation == ORG}
    assert not louhela & {a.label for a in reply.actions}
    # the volunteer's own dialogue, tampered to name another organisation's activity
    dialogue = await world.dialogues.get(OTHER_VOLUNTEER)
    assert dialogue is not None
    tampered = dialogue.at("menu", NOW, org=ORG, activity=CLUB)
    await world.dialogues.save(tampered)
    await world.choose(OTHER_VOLUNTEER, "do:cancel", forged=True)
    assert await world.dialogues.get(OTHER_VOLUNTEER) is None
    assert nothing_changed(world, demo)


@pytest.mark.parametrize(
    "argument", ["occ:99", "occ:x", "reason:bogus", "ok", "place:0", "dur:90", "pick:0", "zzz"]
)
async def test_forged_or_out_of_step_choices_change_nothing(
    world: World, demo: Catalogue, argument: str
) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:cancel")
    before = await world.dialogues.get(VOLUNTEER)
    [reply] = await world.choose(VOLUNTEER, argument, forged=True)
    assert reply.actions == ()
    assert await world.dialogues.get(VOLUNTEER) == before
    assert nothing_changed(world, demo)


async def test_a_newcomer_pressing_volunteer_buttons_changes_nothing(
    world: World, demo: Catalogue
) -> None:
    for argument in ("do:cancel", "ok", "pick:0", "stop:1", "quit"):
        [reply] = await world.choose(NEWCOMER, argument, forged=True)
        assert reply.actions == ()
    assert nothing_changed(world, demo)


async def test_an_expired_dialogue_is_stale(world: World, demo: Catalogue) -> None:
    await cancel_first(world, VOLUNTEER, "illness")
    world.clock.advance(hours=3)
    await world.choose(VOLUNTEER, "ok")
    assert nothing_changed(world, demo)


async def test_a_volunteer_cannot_start_organisation_wide_operations(
    world: World, demo: Catalogue
) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:new", forged=True)
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:bcorg", forged=True)
    assert nothing_changed(world, demo)
    dialogue = await world.dialogues.get(VOLUNTEER)
    assert dialogue is None or dialogue.data.get("op") not in ("new", "bcorg")


async def test_text_while_buttons_are_expected_keeps_the_step(world: World) -> None:
    await world.open_menu(VOLUNTEER)
    await world.type(VOLUNTEER, "hello?")
    assert await world.step(VOLUNTEER) == "menu"


async def test_close_ends_the_dialogue(world: World, demo: Catalogue) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "quit")
    assert await world.dialogues.get(VOLUNTEER) is None
    assert nothing_changed(world, demo)


async def test_an_activity_without_sessions_has_nothing_to_cancel(
    world: World, demo: Catalogue
) -> None:
    ongoing = next(a for a in demo.activities if a.organisation == OTHER_ORG and a.is_ongoing)
    await world.open_menu(OTHER_VOLUNTEER, activity=ongoing.id)
    [reply] = await world.choose(OTHER_VOLUNTEER, "do:cancel")
    assert not [a for a in reply.actions if a.argument.startswith("occ:")]
    assert await world.step(OTHER_VOLUNTEER) == "menu"


# --- moving -------------------------------------------------------------------------------


async def start_move(world: World) -> Occurrence:
    first = world.next_sessions()[0]
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:move")
    await world.choose(VOLUNTEER, "occ:0")
    return first


async def test_moving_to_a_typed_time_keeps_the_length_and_the_place(world: World) -> None:
    await world.subscribe_readers()
    first = await start_move(world)
    await world.type(VOLUNTEER, "18.30")
    assert await world.step(VOLUNTEER) == "move-place"
    await world.choose(VOLUNTEER, "place:same")
    await world.choose(VOLUNTEER, "reason:venue")
    await world.choose(VOLUNTEER, "ok")
    [change] = world.editor.changes.values()
    day = to_local(first.start, HELSINKI).date()
    assert change.new_start == datetime.combine(day, time(18, 30))
    assert change.new_end == change.new_start + (first.end - first.start)
    assert change.new_place is None
    assert change.reason == "venue"
    assert not change.cancelled
    [moved] = [o for o in world.next_sessions() if o.original_start == first.original_start]
    assert moved.moved
    assert to_local(moved.start, HELSINKI).time() == time(18, 30)
    assert len(world.outbox.entries) == len(READERS)


async def test_moving_to_another_date_and_place(world: World, demo: Catalogue) -> None:
    first = await start_move(world)
    await world.type(VOLUNTEER, "1.12. 19:00")
    [places] = world.replies[VOLUNTEER]
    place_buttons = [a for a in places.actions if a.argument.startswith("place:")]
    assert "place:same" in {a.argument for a in place_buttons}
    [library] = [
        a
        for a in place_buttons
        if a.label.startswith("Klaukkala")  # the group's other place
    ]
    await world.choose(VOLUNTEER, library.argument)
    await world.choose(VOLUNTEER, "reason:holiday")
    [confirm] = world.replies[VOLUNTEER]
    assert "Klaukkala" in confirm.text
    await world.choose(VOLUNTEER, "ok")
    [change] = world.editor.changes.values()
    assert change.original_start == first.original_start
    assert change.new_start == datetime(2026, 12, 1, 19, 0)
    assert change.new_place == "klaukkala-kirjasto"


@pytest.mark.parametrize("typed", ["25:00", "tomorrow", "18:3", "31.2. 18:00", ""])
async def test_a_time_that_cannot_be_read_is_asked_again(world: World, typed: str) -> None:
    await start_move(world)
    [reply] = await world.type(VOLUNTEER, typed, "uk")
    assert await world.step(VOLUNTEER) == "move-time"
    unclear = world.speaker("uk").gettext("I did not understand that time. Write it like 18:30.")
    assert reply.text.startswith(unclear)
    assert reply.language == "uk"
    assert not world.editor.changes


async def test_a_past_time_is_refused(world: World) -> None:
    await start_move(world)
    [reply] = await world.type(VOLUNTEER, "23.11.2026 9:00")
    assert await world.step(VOLUNTEER) == "move-time"
    past = world.speaker("en").gettext(
        "That time has already passed. Please write a time in the future."
    )
    assert past in reply.text


async def test_moving_nowhere_is_refused(world: World) -> None:
    await start_move(world)
    await world.choose(VOLUNTEER, "same")
    await world.choose(VOLUNTEER, "place:same")
    assert await world.step(VOLUNTEER) == "move-time"
    assert not world.editor.changes


async def test_moving_only_the_place_keeps_an_earlier_change_of_time(world: World) -> None:
    await start_move(world)
    await world.type(VOLUNTEER, "19:00")
    await world.choose(VOLUNTEER, "place:same")
    await world.choose(VOLUNTEER, "reason:other")
    await world.choose(VOLUNTEER, "ok")
    moved_start = next(iter(world.editor.changes.values())).new_start
    await start_move(world)
    await world.choose(VOLUNTEER, "same")
    await world.choose(VOLUNTEER, "place:0")
    await world.choose(VOLUNTEER, "reason:other")
    await world.choose(VOLUNTEER, "ok")
    [change] = world.editor.changes.values()
    assert change.new_start == moved_start
    assert change.new_place is not None


# --- adding a date ------------------------------------------------------------------------


async def test_adding_a_date_with_the_usual_length(world: World) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:add")
    [bad] = await world.type(VOLUNTEER, "next friday")
    assert await world.step(VOLUNTEER) == "add-when"
    assert bad.actions  # Close is still there
    [durations] = await world.type(VOLUNTEER, "4.12.2026 18:00")
    usual = duration_text(90, world.speaker("en"))
    assert durations.actions[0].label == usual
    await world.choose(VOLUNTEER, "dur:90")
    assert not world.editor.by
    await world.choose(VOLUNTEER, "ok")
    added = OneOffDate(datetime(2026, 12, 4, 18, 0), datetime(2026, 12, 4, 19, 30))
    activity = world.editor.catalogue.activity(CLUB)
    assert activity is not None
    assert added in activity.dates
    assert world.editor.by == [VOLUNTEER]
    sessions = world.next_sessions()
    assert any(to_local(o.start, HELSINKI) == added.start for o in sessions)


async def test_adding_a_date_when_there_already_is_a_session(world: World) -> None:
    first = world.next_sessions()[0]
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:add")
    local = to_local(first.start, HELSINKI)
    await world.type(VOLUNTEER, f"{local.day}.{local.month}.{local.year} {local:%H:%M}")
    await world.choose(VOLUNTEER, "dur:60")
    await world.choose(VOLUNTEER, "ok")
    assert await world.step(VOLUNTEER) == "add-when"
    assert world.editor.catalogue.activity(CLUB) == world.catalogue.activity(CLUB)


async def test_a_date_without_a_date_is_asked_again(world: World) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:add")
    await world.type(VOLUNTEER, "18:00")
    assert await world.step(VOLUNTEER) == "add-when"


async def test_a_forged_duration_is_stale(world: World, demo: Catalogue) -> None:
    await world.open_menu(VOLUNTEER)
    await world.choose(VOLUNTEER, "do:add")
    await world.type(VOLUNTEER, "4.12.2026 18:00")
    await world.choose(VOLUNTEER, "dur:100000", forged=True)
    assert await world.step(VOLUNTEER) == "duration"
    assert nothing_changed(world, demo)


# --- a new event --------------------------------------------------------------------------


async def test_an_organiser_adds_a_new_event_findable_at_once(world: World) -> None:
    [listing] = await world.command(ORGANISER, "fi")
    assert "do:new" in {a.argument for a in listing.actions}
    await world.choose(ORGANISER, "do:new", "fi")
    [short] = await world.type(ORGANISER, "x", "fi")
    assert await world.step(ORGANISER) == "new-title"
    assert short.language == "fi"
    [kinds] = await world.type(ORGANISER, "  Joulujuhla   kaikille ", "fi")
    assert {a.argument for a in kinds.actions} >= {"kind:recreation", "kind:language_club"}
    await world.choose(ORGANISER, "kind:recreation", "fi")
    await world.type(ORGANISER, "12.12. 15.00", "fi")
    await world.choose(ORGANISER, "dur:120", "fi")
    [places] = world.replies[ORGANISER]
    assert any(a.argument == "place:0" for a in places.actions)
    await world.choose(ORGANISER, "place:0", "fi")
    [confirm] = world.replies[ORGANISER]
    assert "Joulujuhla kaikille" in confirm.text
    await world.choose(ORGANISER, "ok", "fi")
    [added] = [a for a in world.editor.catalogue.activities if a not in world.catalogue.activities]
    assert added.organisation == ORG
    assert added.title == (("fi", "Joulujuhla kaikille"),)
    assert added.kinds == ("recreation",)
    assert added.audiences == ("everyone",)
    assert added.klass == "participation"
    assert added.dates == (
        OneOffDate(datetime(2026, 12, 12, 15, 0), datetime(2026, 12, 12, 17, 0)),
    )
    assert added.place is not None
    assert len(added.id) <= ID_MAX
    assert added.id[0].isalpha()
    assert set(added.id) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert world.editor.by == [ORGANISER]
    assert world.next_sessions(added.id)  # in a fresh index at once
    assert await world.dialogues.get(ORGANISER) is None


async def test_a_forged_kind_is_stale(world: World, demo: Catalogue) -> None:
    await world.command(ORGANISER)
    await world.choose(ORGANISER, "do:new")
    await world.type(ORGANISER, "Winter party")
    await world.choose(ORGANISER, "kind:nonsense", forged=True)
    assert await world.step(ORGANISER) == "new-kind"
    assert nothing_changed(world, demo)


# --- reading what volunteers type ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("18:30", TypedWhen(time(18, 30))),
        ("18.30", TypedWhen(time(18, 30))),
        ("klo 9", TypedWhen(time(9, 0))),
        ("24.11. 18:30", TypedWhen(time(18, 30), date(2000, 11, 24))),
        ("24.11 18.30", TypedWhen(time(18, 30), date(2000, 11, 24))),
        ("24.11.2026 18:30", TypedWhen(time(18, 30), date(2026, 11, 24), True)),
        ("24.11.26 18:30", TypedWhen(time(18, 30), date(2026, 11, 24), True)),
        ("2026-11-24 18:30", TypedWhen(time(18, 30), date(2026, 11, 24), True)),
        ("29.2. 10:00", TypedWhen(time(10, 0), date(2000, 2, 29))),
    ],
)
def test_accepted_spellings(typed: str, expected: TypedWhen) -> None:
    assert parse_when(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "24:00", "18:60", "18:3", "24.11.", "32.1. 10:00", "29.2.2027 10:00", "soon"]
)
def test_refused_spellings(typed: str) -> None:
    assert parse_when(typed) is None


def test_a_date_without_a_year_is_the_next_one_to_come() -> None:
    today = date(2026, 11, 23)
    assert resolve_when(TypedWhen(time(9), date(2000, 12, 1)), None, today) == datetime(
        2026, 12, 1, 9
    )
    assert resolve_when(TypedWhen(time(9), date(2000, 1, 5)), None, today) == datetime(
        2027, 1, 5, 9
    )
    leap = resolve_when(TypedWhen(time(9), date(2000, 2, 29)), None, today)
    assert leap == datetime(2028, 2, 29, 9)
    assert resolve_when(TypedWhen(time(9)), None, today) is None
    assert resolve_when(TypedWhen(time(9)), today, today) == datetime(2026, 11, 23, 9)


def test_new_ids_fit_the_format_and_are_unique() -> None:
    day = date(2026, 12, 12)
    first = new_activity_id("kalevalaiset-naiset-nurmijarvi", "Joulujuhla kaikille", day, ())
    assert len(first) <= ID_MAX
    assert first.endswith("2026-12-12")
    second = new_activity_id("kalevalaiset-naiset-nurmijarvi", "Joulujuhla kaikille", day, {first})
    assert second != first
    assert len(second) <= ID_MAX
    arabic = new_activity_id("nour", "حفلة", day, ())
    assert arabic.startswith("nour")
    assert slug("حفلة") == ""
    assert slug("Äiti–lapsi ryhmä!") == "aiti-lapsi-ryhma"


def test_titles_are_tidied_and_bounded() -> None:
    assert clean_title("  Talvi   juhla ") == "Talvi juhla"
    assert clean_title("ab") is None
    assert clean_title("x" * 121) is None
    assert clean_title("bad\x00title") is None
