"""Planner, drainer and leadership together, on SQLite, with a controllable clock.

A weekly Sunday 17:00 club in Helsinki around the March 2027 DST change (Sunday 28 March).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import scheduling
from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits
from bot.scheduling import Leadership, ReminderPlanner, ScheduleSource
from bot.storage import reminders as reminders_store
from bot.storage.database import Database, database_url
from bot.storage.lease import SqlLease
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from catalog.localtime import to_local
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    Coordinator,
    Network,
    NetworkId,
    OccurrenceChange,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    ScheduleRule,
)
from catalog.occurrences import OccurrenceIndex
from handlers.core.events import ActionKind, ChatId, Profile, UserId
from handlers.core.i18n import Translator
from handlers.newcomers.reminder_timing import Subscription
from tests.fakes import FakeSleep, FixedClock, RecordingSender

HELSINKI = ZoneInfo("Europe/Helsinki")
CLUB = ActivityId("club")
ANA = UserId("telegram:1")  # Finnish
BO = UserId("telegram:2")  # English
FAST = ChannelLimits.unlimited()


def catalogue(*activities: Activity) -> Catalogue:
    return Catalogue(
        "Europe/Helsinki",
        (Network(NetworkId("espoo"), (("fi", "Espoo"),), ("Espoo",), Coordinator("a@b.fi")),),
        (
            Organisation(
                OrganisationId("org"),
                (("fi", "Yhdistys"),),
                "association",
                "local",
                (NetworkId("espoo"),),
            ),
        ),
        (Place(PlaceId("hall"), (("fi", "Sello"),), "Espoo"),),
        activities,
    )


def club(hour: int = 17, kinds: tuple[str, ...] = ("language_club",)) -> Activity:
    return Activity(
        CLUB,
        OrganisationId("org"),
        "participation",
        kinds,
        (("fi", "Kielikahvila"), ("en", "Language café")),
        place=PlaceId("hall"),
        schedule=(
            ScheduleRule("FREQ=WEEKLY;BYDAY=SU", datetime(2027, 3, 7, hour, 0), end=time(19, 0)),
        ),
    )


class World:
    """The wired parts over one database, stepped by a fake clock."""

    def __init__(self, database: Database, clock: FixedClock, cat: Catalogue) -> None:
        self.clock = clock
        self.database = database
        self.index = OccurrenceIndex(cat)
        self.source = ScheduleSource(cat, self.index)
        self.subscriptions = SqlSubscriptionStore(database.sessions)
        self.profiles = SqlProfileStore(database.sessions)
        self.outbox = SqlOutbox(database.sessions)
        self.planner = ReminderPlanner(
            self.subscriptions,
            self.outbox,
            Translator(),
            lambda: self.source,
            clock,
            horizon=timedelta(hours=6),
        )
        self.sender = RecordingSender(clock)
        self.drainer = OutboxDrainer(
            self.outbox, self.sender, "telegram", clock, limits=FAST, sleep=FakeSleep(clock)
        )

    async def subscribe(self, user: UserId, language: str, created: datetime) -> Subscription:
        await self.profiles.save(Profile(user, language, "espoo"))
        return await self.subscriptions.add(
            Subscription(user, ChatId(str(user)), created, activity=CLUB)
        )

    async def run_until(self, end: datetime, tick: timedelta = timedelta(minutes=10)) -> None:
        """Plan every ``tick`` and send everything the moment it is due."""
        next_plan = self.clock.now
        while self.clock.now < end:
            if self.clock.now >= next_plan:
                await self.planner.plan()
                next_plan = self.clock.now + tick
            while await self.drainer.drain_once():
                pass
            due = await self.outbox.next_due("telegram")
            candidates = [next_plan, end] + ([due] if due is not None else [])
            self.clock.now = max(min(candidates), self.clock.now)

    def delivered(self, user: UserId) -> list[tuple[datetime, str]]:
        return [
            (to_local(when, HELSINKI), reply.text)
            for when, chat, _, reply in self.sender.delivered
            if chat == str(user)
        ]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(database_url(tmp_path, None))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2027, 3, 26, 12, 0, tzinfo=HELSINKI))


async def test_two_languages_at_the_right_local_times_across_the_march_change(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "fi", clock.now)
    await world.subscribe(BO, "en", clock.now)
    await world.run_until(datetime(2027, 4, 5, 0, 0, tzinfo=HELSINKI))
    expected = [
        datetime(2027, 3, 27, 18, 0),  # Saturday, winter time
        datetime(2027, 3, 28, 15, 0),  # Sunday, summer time since 04:00
        datetime(2027, 4, 3, 18, 0),
        datetime(2027, 4, 4, 15, 0),
    ]
    finnish, english = world.delivered(ANA), world.delivered(BO)
    assert [when for when, _ in finnish] == expected
    assert [when for when, _ in english] == expected
    assert all("maaliskuuta" in text or "huhtikuuta" in text for _, text in finnish)
    assert all("Kielikahvila" in text and "Sello, Espoo" in text for _, text in finnish)
    assert all("March" in text or "April" in text for _, text in english)
    assert all("Language café" in text for _, text in english)
    first = world.sender.delivered[0][3]
    assert [a.kind for a in first.actions] == [ActionKind.STOP_REMINDERS]


async def test_a_cancelled_session_sends_the_cancellation_instead(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", clock.now - timedelta(days=1))
    await world.planner.plan()
    world.index.apply_change(OccurrenceChange(CLUB, datetime(2027, 3, 28, 17, 0), cancelled=True))
    await world.planner.replan_activities([CLUB])
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    [(when, text)] = world.delivered(ANA)
    assert when == datetime(2027, 3, 27, 18, 0)
    assert "Cancelled this time" in text


async def test_a_cancellation_after_the_evening_reminder_is_still_announced(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", clock.now - timedelta(days=1))
    await world.run_until(datetime(2027, 3, 28, 10, 0, tzinfo=HELSINKI))
    world.index.apply_change(OccurrenceChange(CLUB, datetime(2027, 3, 28, 17, 0), cancelled=True))
    await world.planner.replan_activities([CLUB])
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    texts = [text for _, text in world.delivered(ANA)]
    assert len(texts) == 2
    assert texts[0].startswith("Reminder")
    assert texts[1].startswith("Cancelled this time")
    assert world.delivered(ANA)[1][0] == datetime(2027, 3, 28, 10, 0)


async def test_a_moved_session_is_reminded_at_its_new_time_saying_so(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", clock.now - timedelta(days=1))
    await world.planner.plan()
    world.index.apply_change(
        OccurrenceChange(
            CLUB,
            datetime(2027, 3, 28, 17, 0),
            new_start=datetime(2027, 3, 28, 18, 0),
            new_end=datetime(2027, 3, 28, 20, 0),
        )
    )
    await world.planner.replan_activities([CLUB])
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    [(evening, _), (before, text)] = world.delivered(ANA)
    assert (evening, before) == (datetime(2027, 3, 27, 18, 0), datetime(2027, 3, 28, 16, 0))
    assert "Changed this time" in text


async def test_a_rule_change_leaves_no_reminder_for_a_vanished_occurrence(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", clock.now - timedelta(days=1))
    await world.planner.plan()
    world.index.reload(catalogue(club(hour=12)))
    await world.planner.replan_activities([CLUB])
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    assert [when for when, _ in world.delivered(ANA)] == [
        datetime(2027, 3, 27, 18, 0),
        datetime(2027, 3, 28, 10, 0),
    ]


#: The end of the last window a previous leader planned in full (Saturday morning).
LAST_PLANNED = datetime(2027, 3, 27, 10, 0, tzinfo=HELSINKI)


async def test_after_downtime_the_latest_due_reminder_is_sent_late_the_rest_counted(
    database: Database,
) -> None:
    clock = FixedClock(datetime(2027, 3, 28, 16, 0, tzinfo=HELSINKI))
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", datetime(2027, 3, 20, tzinfo=UTC))
    world.planner.planned_until = LAST_PLANNED
    report = await world.planner.plan()
    assert report.dropped == 1  # the evening reminder, superseded
    while await world.drainer.drain_once():
        pass
    assert [when for when, _ in world.delivered(ANA)] == [datetime(2027, 3, 28, 16, 0)]


async def test_after_downtime_past_the_start_everything_is_dropped_and_counted(
    database: Database,
) -> None:
    clock = FixedClock(datetime(2027, 3, 28, 17, 30, tzinfo=HELSINKI))
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", datetime(2027, 3, 20, tzinfo=UTC))
    world.planner.planned_until = LAST_PLANNED
    report = await world.planner.plan()
    assert report.dropped == 2
    assert (await world.outbox.counts())["dropped:started"] == 2
    again = await world.planner.replan_activities([CLUB])
    assert again.dropped == 0  # the keys are used up: counted once


async def test_a_new_databases_look_back_sends_late_what_helps_and_counts_nothing_missed(
    database: Database,
) -> None:
    """Nothing recorded: no one was planning, so no reminder was missed."""
    clock = FixedClock(datetime(2027, 3, 28, 16, 0, tzinfo=HELSINKI))
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", datetime(2027, 3, 20, tzinfo=UTC))
    report = await world.planner.plan()
    assert (report.enqueued, report.dropped) == (1, 0)
    assert "dropped" not in await world.outbox.counts()
    while await world.drainer.drain_once():
        pass
    assert [when for when, _ in world.delivered(ANA)] == [datetime(2027, 3, 28, 16, 0)]
    again = await world.planner.replan_activities([CLUB])
    assert (again.enqueued, again.dropped) == (0, 0)


async def test_a_gap_longer_than_the_look_back_counts_only_the_look_back(
    database: Database,
) -> None:
    clock = FixedClock(datetime(2027, 3, 28, 17, 30, tzinfo=HELSINKI))
    world = World(database, clock, catalogue(club()))
    await world.subscribe(ANA, "en", datetime(2027, 3, 1, tzinfo=UTC))
    world.planner.planned_until = datetime(2027, 3, 10, 0, 0, tzinfo=HELSINKI)
    report = await world.planner.plan()
    assert report.dropped == 2  # this Sunday's two; the two Sundays before are beyond it


async def test_kind_subscribers_hear_of_new_activities_once(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    await world.profiles.save(Profile(ANA, "en", "espoo"))
    await world.subscriptions.add(
        Subscription(ANA, ChatId(str(ANA)), clock.now, kind="language_club", network="espoo")
    )
    newcomer = Activity(
        ActivityId("new-club"),
        OrganisationId("org"),
        "participation",
        ("language_club",),
        (("en", "New club"),),
        place=PlaceId("hall"),
    )
    world.source = ScheduleSource(catalogue(club(), newcomer), world.index)
    assert await world.planner.announce([ActivityId("new-club")]) == 1
    assert await world.planner.announce([ActivityId("new-club")]) == 0
    while await world.drainer.drain_once():
        pass
    [(_, text)] = world.delivered(ANA)
    assert "New club" in text


async def test_stopping_a_subscription_withdraws_its_pending_reminders(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club()))
    stored = await world.subscribe(ANA, "en", clock.now - timedelta(days=1))
    await world.planner.plan()
    assert stored.id is not None
    await world.subscriptions.remove(ANA, stored.id)
    await world.planner.subscriptions_changed(ANA)
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    assert world.delivered(ANA) == []


async def test_a_standby_takes_over_when_the_leader_stops_renewing(
    database: Database, clock: FixedClock
) -> None:
    term = timedelta(seconds=30)
    first = Leadership(SqlLease(database.sessions, "reminders"), clock, holder="a", duration=term)
    second = Leadership(SqlLease(database.sessions, "reminders"), clock, holder="b", duration=term)
    assert await first.step()
    assert not await second.step()
    clock.advance(seconds=10)
    assert await first.step()
    clock.advance(seconds=35)  # the first instance died after its last renewal
    assert await second.step()
    assert not await first.step()  # back from a pause: it must stand down
    await second.resign()
    assert await first.step()


async def test_a_pass_written_in_small_chunks_writes_and_counts_the_same(
    database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass writes every ``WRITE_EVERY`` rows: the report and the rows do not depend on it."""
    monkeypatch.setattr(scheduling, "WRITE_EVERY", 1)
    world = World(database, clock, catalogue(club()))
    for number in range(3):
        await world.subscribe(UserId(f"telegram:{number}"), "en", clock.now - timedelta(days=1))
    clock.now = datetime(2027, 3, 28, 16, 0, tzinfo=HELSINKI)  # the evening one missed
    world.planner.planned_until = LAST_PLANNED
    report = await world.planner.plan()
    assert (report.subscribers, report.considered, report.enqueued, report.dropped) == (3, 6, 3, 3)
    counts = await world.outbox.counts()
    assert (counts["pending"], counts["dropped"]) == (3, 3)
    again = await world.planner.replan_activities([CLUB])  # dropped ones kept, not rewritten
    assert (again.considered, again.enqueued, again.dropped) == (6, 3, 0)
    assert await world.outbox.counts() == counts


def second_club(hour: int = 12) -> Activity:
    """Another Sunday language club of the same network (the same hall)."""
    return Activity(
        ActivityId("second-club"),
        OrganisationId("org"),
        "participation",
        ("language_club",),
        (("en", "Conversation circle"),),
        place=PlaceId("hall"),
        schedule=(
            ScheduleRule("FREQ=WEEKLY;BYDAY=SU", datetime(2027, 3, 7, hour, 0), end=time(13, 0)),
        ),
    )


async def subscribe_to_kind(world: World, user: UserId, created: datetime) -> Subscription:
    await world.profiles.save(Profile(user, "en", "espoo"))
    return await world.subscriptions.add(
        Subscription(user, ChatId(str(user)), created, kind="language_club", network="espoo")
    )


async def test_a_kind_subscriber_gets_one_message_a_day_listing_its_sessions(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club(), second_club()))
    await subscribe_to_kind(world, ANA, clock.now - timedelta(days=1))
    await world.subscribe(BO, "en", clock.now - timedelta(days=1))  # the 17:00 club alone
    await world.run_until(datetime(2027, 4, 5, 0, 0, tzinfo=HELSINKI))
    digests = world.delivered(ANA)
    assert [when for when, _ in digests] == [
        datetime(2027, 3, 27, 18, 0),  # the evening before each Sunday, one message
        datetime(2027, 4, 3, 18, 0),
    ]
    lines = digests[0][1].splitlines()
    assert lines[0] == "Reminder: Language club, Sunday, 28 March"
    assert "Conversation circle" in lines[1]
    assert "Language café" in lines[2]
    assert len(world.delivered(BO)) == 4  # an activity's subscriber: a reminder per lead
    assert (await world.outbox.counts()).get("sent") == 6


async def test_a_change_before_the_digest_goes_out_is_in_it(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club(), second_club()))
    await subscribe_to_kind(world, ANA, clock.now - timedelta(days=1))
    await world.run_until(datetime(2027, 3, 27, 14, 0, tzinfo=HELSINKI))  # planned, not sent
    world.index.apply_change(OccurrenceChange(CLUB, datetime(2027, 3, 28, 17, 0), cancelled=True))
    await world.planner.replan_activities([CLUB])
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    [(when, text)] = world.delivered(ANA)
    assert when == datetime(2027, 3, 27, 18, 0)
    assert "Cancelled this time: 17:00–19:00 Language café" in text


async def test_a_cancellation_after_the_digest_went_out_is_announced_once(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club(), second_club()))
    await subscribe_to_kind(world, ANA, clock.now - timedelta(days=1))
    await world.profiles.save(Profile(ANA, "en", "espoo"))
    await world.subscriptions.add(
        Subscription(ANA, ChatId(str(ANA)), clock.now - timedelta(days=1), activity=CLUB)
    )
    await world.run_until(datetime(2027, 3, 28, 9, 0, tzinfo=HELSINKI))
    world.index.apply_change(OccurrenceChange(CLUB, datetime(2027, 3, 28, 17, 0), cancelled=True))
    await world.planner.replan_activities([CLUB])
    await world.planner.replan_activities([CLUB])  # a second change: nothing new
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    texts = [text for _, text in world.delivered(ANA)]
    assert [t.split(":")[0] for t in texts] == ["Reminder", "Reminder", "Cancelled this time"]
    assert "Language club" in texts[0] or "Language club" in texts[1]  # the digest
    assert world.delivered(ANA)[-1][0] == datetime(2027, 3, 28, 9, 0)


async def test_stopping_a_kind_subscription_withdraws_its_digest(
    database: Database, clock: FixedClock
) -> None:
    world = World(database, clock, catalogue(club(), second_club()))
    stored = await subscribe_to_kind(world, ANA, clock.now - timedelta(days=1))
    await world.run_until(datetime(2027, 3, 27, 14, 0, tzinfo=HELSINKI))
    assert stored.id is not None
    await world.subscriptions.remove(ANA, stored.id)
    await world.planner.subscriptions_changed(ANA)
    await world.run_until(datetime(2027, 3, 29, 0, 0, tzinfo=HELSINKI))
    assert world.delivered(ANA) == []


async def test_a_pass_over_subscribers_in_small_parts_plans_the_same(
    database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass holds a part of its subscribers at a time: the rows do not depend on it."""
    world = World(database, clock, catalogue(club(), second_club()))
    for number in range(5):
        await world.subscribe(UserId(f"telegram:{number}"), "en", clock.now - timedelta(days=1))
    for number in range(5, 8):
        await subscribe_to_kind(world, UserId(f"telegram:{number}"), clock.now - timedelta(days=1))
    clock.now = datetime(2027, 3, 27, 12, 0, tzinfo=HELSINKI)
    whole = await world.planner.plan()
    rows = await world.outbox.counts()
    await world.outbox.withdraw_pending(
        users=[f"telegram:{n}" for n in range(8)], categories=scheduling.PLANNED_CATEGORIES
    )
    monkeypatch.setattr(reminders_store, "_PART", 2)
    world.planner.planned_until = None
    in_parts = await world.planner.plan()
    assert in_parts == whole
    assert (whole.subscribers, whole.enqueued) == (8, 8)  # five evening reminders, three digests
    assert await world.outbox.counts() == rows
