"""The fair intake: order within a chat, fairness across chats, coalescing, bounded queues."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from bot.intake import Admission, Entry, FairIntake, Weight


class Work:
    """Entries that record when they run and can be held until a test releases them."""

    def __init__(self) -> None:
        self.ran: list[tuple[Hashable, str]] = []
        self.dropped: list[str] = []
        self.finished: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    def entry(self, chat: Hashable, name: str, weight: Weight = Weight.QUESTION) -> Entry:
        async def work() -> None:
            await self.gate.wait()
            self.ran.append((chat, name))

        return Entry(
            weight,
            work,
            drop=lambda: self.dropped.append(name),
            finished=lambda _ran: self.finished.append(name),
        )


async def test_one_chat_in_order_and_other_chats_alongside() -> None:
    intake, work = FairIntake(max_active=4), Work()
    work.gate.clear()
    for name in ("a1", "a2", "a3"):
        intake.submit("a", work.entry("a", name, Weight.KEEP))
    intake.submit("b", work.entry("b", "b1"))
    await asyncio.sleep(0)
    work.gate.set()
    await intake.join()
    assert [name for chat, name in work.ran if chat == "a"] == ["a1", "a2", "a3"]
    assert work.ran.index(("b", "b1")) < work.ran.index(("a", "a2"))
    assert intake.chats_in_progress == 0
    assert sorted(work.finished) == ["a1", "a2", "a3", "b1"]


async def test_a_flooding_chat_holds_one_slot_and_others_go_first() -> None:
    intake, work = FairIntake(max_active=2, bound=1000, hard_cap=2000), Work()
    for number in range(500):
        intake.submit("flood", work.entry("flood", f"f{number}"))
    for chat in range(5):
        intake.submit(chat, work.entry(chat, f"q{chat}"))
    await intake.join()
    quiet = [work.ran.index((chat, f"q{chat}")) for chat in range(5)]
    assert max(quiet) < 15, "the quiet chats waited behind the flood"


async def test_past_the_bound_a_burst_of_questions_is_answered_by_its_latest() -> None:
    told: list[Hashable] = []

    async def tell(chat: Hashable, _entry: Entry) -> None:
        told.append(chat)

    intake, work = FairIntake(bound=3, hard_cap=50, on_overflow=tell), Work()
    work.gate.clear()
    for number in range(20):
        intake.submit("u", work.entry("u", f"q{number}"))
        await asyncio.sleep(0)
    intake.submit("u", work.entry("u", "/help", Weight.KEEP))
    intake.submit("u", work.entry("u", "last"))
    work.gate.set()
    await intake.join()
    ran = [name for _chat, name in work.ran]
    assert ran[-2:] == ["/help", "last"]
    assert len(ran) <= 3 + 2
    assert told == ["u"]
    assert intake.stats.coalesced == 20 - (len(ran) - 2)
    assert sorted(work.dropped + ran) == sorted([f"q{n}" for n in range(20)] + ["/help", "last"])


async def test_dialogue_input_is_never_coalesced() -> None:
    async def in_dialogue(_chat: Hashable, _entry: Entry) -> bool:
        return False

    intake, work = FairIntake(bound=2, hard_cap=50, may_coalesce=in_dialogue), Work()
    work.gate.clear()
    for number in range(10):
        intake.submit("v", work.entry("v", f"t{number}"))
        await asyncio.sleep(0)
    work.gate.set()
    await intake.join()
    assert [name for _chat, name in work.ran] == [f"t{n}" for n in range(10)]
    assert intake.stats.coalesced == 0


async def test_past_the_hard_cap_even_commands_are_refused_and_memory_stays_bounded() -> None:
    intake, work = FairIntake(bound=2, hard_cap=5), Work()
    work.gate.clear()
    admissions = [
        intake.submit("c", work.entry("c", f"/cmd{n}", Weight.KEEP)) for n in range(12)
    ]
    assert intake.waiting <= 5
    assert admissions.count(Admission.REFUSED) == 12 - 5
    work.gate.set()
    await intake.join()
    assert len(work.ran) == 5
    assert sorted(work.finished) == sorted(f"/cmd{n}" for n in range(12))


async def test_a_failing_entry_does_not_stop_its_chat() -> None:
    intake, work = FairIntake(), Work()

    async def broken() -> None:
        raise RuntimeError("boom")

    intake.submit("x", Entry(Weight.KEEP, broken))
    intake.submit("x", work.entry("x", "after"))
    await intake.join()
    assert work.ran == [("x", "after")]
    assert (intake.stats.failed, intake.stats.ran) == (1, 1)


async def test_closing_lets_go_of_what_is_left() -> None:
    intake, work = FairIntake(), Work()
    work.gate.clear()
    for number in range(4):
        intake.submit("y", work.entry("y", f"e{number}", Weight.KEEP))
    await asyncio.sleep(0)
    await intake.close(grace=0.01)
    assert work.ran == []
    assert sorted(work.finished) == ["e0", "e1", "e2", "e3"]
    assert intake.submit("y", work.entry("y", "late")) is Admission.REFUSED


def test_the_bound_must_be_below_the_cap() -> None:
    with pytest.raises(ValueError, match="bound"):
        FairIntake(bound=10, hard_cap=10)


async def test_at_the_cap_the_latest_question_takes_the_place_of_a_waiting_one() -> None:
    async def undecided(_chat: Hashable, _entry: Entry) -> bool:
        await asyncio.Event().wait()  # the dialogue check has not answered yet
        return True

    intake, work = FairIntake(bound=2, hard_cap=4, may_coalesce=undecided), Work()
    work.gate.clear()
    intake.submit("u", work.entry("u", "/start", Weight.KEEP))
    for number in range(30):
        intake.submit("u", work.entry("u", f"q{number}"))
    assert intake.waiting == 4
    assert intake.stats.refused == 0
    work.gate.set()
    await intake.close(grace=1.0)
    assert [name for _chat, name in work.ran] == ["/start", "q0", "q1", "q29"]
