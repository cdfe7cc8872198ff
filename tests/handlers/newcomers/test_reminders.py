"""The conversation about reminders: subscribe, change times, list, stop, forget."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import ActivityId, Catalogue
from catalog.occurrences import Occurrence, OccurrenceIndex
from catalog.understanding.query import Query
from handlers.core.conversation import Conversation
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
from handlers.core.formatting import activity_title
from handlers.core.i18n import Translator
from handlers.core.ports import OutgoingMessage
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.day_digest import PlannedDigest, digest_key
from handlers.newcomers.reminder_timing import DEFAULT_LEADS, EVENING_BEFORE, Subscription
from handlers.newcomers.reminders import DIGEST_LINES, digest_reply
from tests.fakes import (
    FixedClock,
    InMemoryListener,
    InMemoryProfiles,
    InMemorySubscriptions,
    ScriptedUnderstander,
)
from tests.wiring import FakeCore

ANA = UserId("matrix:@ana:example.org")
ROOM = ChatId("matrix:!dm:example.org")
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def subscriptions() -> InMemorySubscriptions:
    return InMemorySubscriptions()


@pytest.fixture
def listener() -> InMemoryListener:
    return InMemoryListener()


@pytest.fixture
def profiles() -> InMemoryProfiles:
    store = InMemoryProfiles()
    store.profiles[ANA] = Profile(ANA, "en", "espoo")
    return store


@pytest.fixture
def conversation(
    demo: Catalogue,
    profiles: InMemoryProfiles,
    subscriptions: InMemorySubscriptions,
    listener: InMemoryListener,
) -> Conversation:
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))
    assistant = Assistant(
        Matcher(demo, OccurrenceIndex(demo, ())), ScriptedUnderstander(), Translator()
    )
    fakes = FakeCore(
        demo, clock, profiles=profiles, subscriptions=subscriptions, listener=listener
    )
    return fakes.build(lambda: assistant).conversation


def first_activity(demo: Catalogue) -> str:
    return next(a.id for a in demo.activities if not a.is_ongoing)


async def test_remind_subscribes_in_the_chat_it_came_from_with_default_times(
    conversation: Conversation,
    subscriptions: InMemorySubscriptions,
    listener: InMemoryListener,
    demo: Catalogue,
) -> None:
    activity = first_activity(demo)
    [reply] = await conversation.on_choice(Choice(ANA, ROOM, ActionKind.REMIND, activity))
    [stored] = await subscriptions.for_user(ANA)
    assert (stored.activity, stored.chat, stored.leads) == (activity, ROOM, DEFAULT_LEADS)
    assert listener.changed == [ANA]
    assert "18:00" in reply.text
    kinds = [a.kind for a in reply.actions]
    assert ActionKind.REMINDER_TIMES in kinds
    assert kinds[-1] is ActionKind.STOP_REMINDERS


async def test_choosing_other_times_updates_the_same_subscription(
    conversation: Conversation, subscriptions: InMemorySubscriptions, demo: Catalogue
) -> None:
    [reply] = await conversation.on_choice(
        Choice(ANA, ROOM, ActionKind.REMIND, first_activity(demo))
    )
    evening_only = next(
        a
        for a in reply.actions
        if a.kind is ActionKind.REMINDER_TIMES and a.argument.endswith(":evening-18:00")
    )
    await conversation.on_choice(
        Choice(ANA, ROOM, ActionKind.REMINDER_TIMES, evening_only.argument)
    )
    [stored] = await subscriptions.for_user(ANA)
    assert stored.leads == (EVENING_BEFORE,)


async def test_someone_elses_times_choice_is_refused(
    conversation: Conversation, subscriptions: InMemorySubscriptions, demo: Catalogue
) -> None:
    await conversation.on_choice(Choice(ANA, ROOM, ActionKind.REMIND, first_activity(demo)))
    [stored] = await subscriptions.for_user(ANA)
    other = UserId("telegram:9")
    [reply] = await conversation.on_choice(
        Choice(other, ChatId("telegram:9"), ActionKind.REMINDER_TIMES, f"{stored.id}:before-60m")
    )
    assert "no longer valid" in reply.text
    assert (await subscriptions.for_user(ANA))[0].leads == DEFAULT_LEADS


async def test_remind_command_with_a_kind_subscribes_to_the_kind_in_the_users_network(
    conversation: Conversation, subscriptions: InMemorySubscriptions
) -> None:
    [reply] = await conversation.on_command(Command(ANA, ROOM, "remind", "language_club"))
    [stored] = await subscriptions.for_user(ANA)
    assert (stored.kind, stored.network) == ("language_club", "espoo")
    assert "one message a day" in reply.text
    assert "new one" in reply.text
    assert "“Language club”" in reply.text  # the kind's name, not its code


def digest_of(demo: Catalogue, count: int, cancelled: int) -> PlannedDigest:
    """A Tuesday's digest of ``count`` sessions, the ``cancelled``-th of them cancelled."""
    activity = ActivityId(first_activity(demo))
    sessions = tuple(
        Occurrence(
            activity,
            datetime(2026, 11, 24, 8 + n, 0, tzinfo=HELSINKI),
            datetime(2026, 11, 24, 9 + n, 0, tzinfo=HELSINKI),
            datetime(2026, 11, 24, 8 + n, 0),
            None,
            cancelled=n == cancelled,
        )
        for n in range(count)
    )
    made = datetime(2026, 11, 1, tzinfo=HELSINKI)
    subscription = Subscription(ANA, ROOM, made, kind="language_club", network="espoo", id=3)
    day = date(2026, 11, 24)
    key = digest_key(subscription, day)
    return PlannedDigest(key, subscription, day, sessions, sessions[0].start)


@pytest.mark.parametrize(
    ("language", "heading", "more"),
    [
        ("en", "Reminder: Language club, Tuesday", "…and 2 more."),
        ("ru", "Напоминание: Языковое", "…и ещё 2."),
    ],
)
def test_a_day_digest_lists_a_screenful_of_sessions_and_counts_the_rest(
    demo: Catalogue, language: str, heading: str, more: str
) -> None:
    digest = digest_of(demo, DIGEST_LINES + 2, cancelled=1)
    speaker = Translator().speaker(language)
    reply = digest_reply(demo, digest, digest.subscription, speaker)
    lines = reply.text.splitlines()
    assert lines[0].startswith(heading)
    assert len(lines) == 1 + DIGEST_LINES + 1
    assert lines[-1] == more
    title = activity_title(demo, digest.sessions[0].activity, speaker)
    assert all(title in line for line in lines[1:-1])
    cancelled = speaker.gettext("Cancelled this time: %(title)s").partition("%")[0]
    assert [line.startswith(cancelled) for line in lines[1:4]] == [False, True, False]
    assert [(a.kind, a.argument) for a in reply.actions] == [(ActionKind.STOP_REMINDERS, "3")]
    assert reply.language == language


def test_a_short_day_digest_has_no_count_line(demo: Catalogue) -> None:
    digest = digest_of(demo, 2, cancelled=-1)
    reply = digest_reply(demo, digest, digest.subscription, Translator().speaker("en"))
    assert len(reply.text.splitlines()) == 3
    assert "more" not in reply.text


async def test_reminders_lists_and_stop_cancels(
    conversation: Conversation,
    subscriptions: InMemorySubscriptions,
    listener: InMemoryListener,
    demo: Catalogue,
) -> None:
    [empty] = await conversation.on_command(Command(ANA, ROOM, "reminders"))
    assert empty.actions == ()
    await conversation.on_choice(Choice(ANA, ROOM, ActionKind.REMIND, first_activity(demo)))
    await conversation.on_command(Command(ANA, ROOM, "remind", "language_club"))
    [listing] = await conversation.on_command(Command(ANA, ROOM, "reminders"))
    assert [a.kind for a in listing.actions] == [ActionKind.STOP_REMINDERS] * 2
    stop = listing.actions[1]
    [done] = await conversation.on_choice(
        Choice(ANA, ROOM, ActionKind.STOP_REMINDERS, stop.argument)
    )
    assert done.text.startswith("Stopped")
    assert [s.kind for s in await subscriptions.for_user(ANA)] == [None]
    [again] = await conversation.on_choice(
        Choice(ANA, ROOM, ActionKind.STOP_REMINDERS, stop.argument)
    )
    assert "already stopped" in again.text
    assert listener.changed == [ANA, ANA, ANA]


async def test_an_unknown_activity_is_not_subscribed(
    conversation: Conversation, subscriptions: InMemorySubscriptions
) -> None:
    [reply] = await conversation.on_choice(Choice(ANA, ROOM, ActionKind.REMIND, "no-such-thing"))
    assert await subscriptions.for_user(ANA) == []
    assert "no longer on offer" in reply.text


async def test_forgetting_removes_subscriptions_profile_and_queued_messages_at_once(
    demo: Catalogue, profiles: InMemoryProfiles, subscriptions: InMemorySubscriptions
) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))
    assistant = Assistant(
        Matcher(demo, OccurrenceIndex(demo, ())), ScriptedUnderstander(), Translator()
    )
    fakes = FakeCore(demo, clock, profiles=profiles, subscriptions=subscriptions)
    conversation = fakes.build(lambda: assistant).conversation
    await conversation.on_choice(Choice(ANA, ROOM, ActionKind.REMIND, first_activity(demo)))
    queued = OutgoingMessage("reminder:ana", ROOM, ANA, Reply("Soon", "en"), clock())
    await fakes.outbox.enqueue([queued], clock())
    await conversation.on_choice(Choice(ANA, ROOM, ActionKind.CONFIRM_FORGET))
    # One call of the data-rights store (one transaction in SQL) took all of it.
    assert await subscriptions.for_user(ANA) == []
    assert await profiles.get(ANA) is None
    assert fakes.outbox.to(ROOM) == []


async def test_asking_in_words_subscribes_to_the_best_match(
    demo: Catalogue,
    profiles: InMemoryProfiles,
    subscriptions: InMemorySubscriptions,
    listener: InMemoryListener,
) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))
    text = "remind me about the language club"
    understander = ScriptedUnderstander(
        {
            text: Query(
                "en", "activities", kinds=frozenset({"language_club"}), remind=True
            ),
            "any language club?": Query("en", "activities", kinds=frozenset({"language_club"})),
        }
    )
    assistant = Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())
    fakes = FakeCore(
        demo, clock, profiles=profiles, subscriptions=subscriptions, listener=listener
    )
    conversation = fakes.build(lambda: assistant).conversation
    answer, confirmation = await conversation.on_message(IncomingMessage(ANA, ROOM, text))
    assert answer.actions
    [stored] = await subscriptions.for_user(ANA)
    best = assistant.answer(text, now=clock(), network_id="espoo").search
    assert best is not None
    assert stored.activity == best.matches[0].activity.id
    assert stored.activity in {m.activity.id for m in best.matches[:1]}
    assert confirmation.text
    every = [a for a in confirmation.actions if a.kind is ActionKind.REMIND]
    assert [a.argument for a in every] == ["kind:language_club"]
    assert await conversation.on_message(IncomingMessage(ANA, ROOM, "any language club?"))
    assert len(await subscriptions.for_user(ANA)) == 1  # a plain question subscribes nothing
