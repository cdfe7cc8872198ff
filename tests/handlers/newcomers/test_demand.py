"""Anonymous demand counters: what is counted, what followed, and the 👍/👎 (issue 13)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.understanding.query import Query
from handlers.coordination.tray_report import build_report
from handlers.core.conversation import Conversation
from handlers.core.events import ActionKind, ChatId, Choice, IncomingMessage, Profile, UserId
from handlers.core.i18n import Translator
from handlers.core.ports import Delivery, DemandEvent
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.demand import shown
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
SWIM = Query(
    language="ar",
    intent="activities",
    kinds=frozenset({"sports"}),
    audiences=frozenset({"women"}),
    municipalities=("Nurmijärvi",),
)
CLUB = Query(language="fi", intent="activities", kinds=frozenset({"language_club"}))


@pytest.fixture
def fakes(demo: Catalogue) -> FakeCore:
    return FakeCore(demo, FixedClock(NOW))


@pytest.fixture
def conversation(demo: Catalogue, fakes: FakeCore) -> Conversation:
    understander = ScriptedUnderstander({"uinti": SWIM, "kielikahvila": CLUB})
    assistant = Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())
    return fakes.build(lambda: assistant).conversation


async def ask(conversation: Conversation, fakes: FakeCore, who: str, text: str) -> list[str]:
    user = UserId(f"test:{who}")
    await fakes.profiles.save(Profile(user, "fi", "nurmijarvi"))
    [reply, *_] = await conversation.on_message(IncomingMessage(user, ChatId(user), text))
    return [a.argument for a in reply.actions if a.kind is ActionKind.FEEDBACK]


async def test_a_question_is_counted_by_its_facts_only(
    conversation: Conversation, fakes: FakeCore
) -> None:
    for person in range(3):
        await ask(conversation, fakes, f"p{person}", "uinti")
    [(key, count)] = fakes.demand.counters.items()
    day, fact = key
    assert (day, count) == (date(2026, 11, 23), 3)
    assert (fact.language, fact.kinds, fact.audiences, fact.municipality) == (
        "ar", "sports", "women", "Nurmijärvi"
    )
    assert fact.found is False
    assert fact.event is DemandEvent.QUESTION
    assert "test:" not in repr(fact)
    assert "uinti" not in repr(fact)


async def test_useful_is_counted_once_per_answer(
    conversation: Conversation, fakes: FakeCore
) -> None:
    assert await ask(conversation, fakes, "ana", "kielikahvila") == ["yes", "no"]
    ana = UserId("test:ana")
    [thanks] = await conversation.on_choice(Choice(ana, ChatId(ana), ActionKind.FEEDBACK, "yes"))
    [again] = await conversation.on_choice(Choice(ana, ChatId(ana), ActionKind.FEEDBACK, "no"))
    assert thanks.text != again.text
    events = [fact.event for (_, fact) in fakes.demand.counters]
    assert events.count(DemandEvent.USEFUL) == 1
    assert DemandEvent.NOT_USEFUL not in events
    [forged] = await conversation.on_choice(Choice(ana, ChatId(ana), ActionKind.FEEDBACK, "x"))
    assert "ei enää toimi" in forged.text


async def test_a_reminder_taken_after_an_answer_is_counted(
    conversation: Conversation, fakes: FakeCore
) -> None:
    await ask(conversation, fakes, "ana", "kielikahvila")
    ana = UserId("test:ana")
    await conversation.on_choice(
        Choice(ana, ChatId(ana), ActionKind.REMIND, "louhela-kielikahvila")
    )
    events = [fact.event for (_, fact) in fakes.demand.counters]
    assert DemandEvent.REMINDER in events


async def test_the_report_hides_small_counts_and_sums_days(
    demo: Catalogue, conversation: Conversation, fakes: FakeCore
) -> None:
    for person in range(5):
        await ask(conversation, fakes, f"p{person}", "uinti")
    counts = await fakes.demand.counts(date(2026, 11, 1), date(2026, 11, 30))
    sessions = OccurrenceIndex(demo, ())
    report = build_report(
        demo, sessions, "nurmijarvi", date(2026, 11, 1), date(2026, 11, 30), NOW, counts,
        Delivery(),
    )
    [line] = report.not_found
    assert (line.count, line.shown) == (5, "<5")
    fakes.clock.advance(days=1)  # type: ignore[attr-defined]
    await ask(conversation, fakes, "late", "uinti")
    counts = await fakes.demand.counts(date(2026, 11, 1), date(2026, 11, 30))
    report = build_report(
        demo, sessions, "nurmijarvi", date(2026, 11, 1), date(2026, 11, 30), NOW, counts,
        Delivery(),
    )
    [line] = report.not_found
    assert line.shown == 6
    assert shown(0) == "<5"


async def test_retention_drops_old_counters(fakes: FakeCore, conversation: Conversation) -> None:
    await ask(conversation, fakes, "ana", "uinti")
    assert await fakes.demand.delete_before(date(2026, 11, 23)) == 0
    assert await fakes.demand.delete_before(date(2026, 11, 24)) == 1
