"""Contact and join requests on each backend: references, listings, raising, retention."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.storage.database import Database
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.storage.requests import SqlRequestStore
from handlers.coordination.requests import (
    REFERENCE_ALPHABET,
    ContactRequest,
    RequestKind,
    RequestState,
)
from handlers.core.events import ChatId, Reply, UserId

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ANA = UserId("telegram:1")
BO = UserId("matrix:@bo:example.org")


def request(
    reference: str = "K-4821",
    user: UserId = ANA,
    network: str = "nurmijarvi",
    at: datetime = NOW,
    **extra: object,
) -> ContactRequest:
    return ContactRequest(
        id=None,
        reference=reference,
        kind=RequestKind.CONTACT,
        user=user,
        chat=ChatId(str(user)),
        network=network,
        language="uk",
        message="Чи можна прийти з дитиною?",
        created_at=at,
        **extra,  # type: ignore[arg-type]
    )


def draws(*references: str) -> Callable[[int], str]:
    supply: Iterator[str] = iter(references)
    return lambda _digits: next(supply)


async def test_create_keeps_a_free_reference_and_round_trips(database: Database) -> None:
    store = SqlRequestStore(database.sessions)
    wanted = request(activity="kielikahvila", name="Ana", via="email")
    stored = await store.create(wanted)
    assert stored.id is not None
    assert stored == replace(wanted, id=stored.id)
    assert await store.get(stored.id) == stored
    assert await store.get(stored.id + 1) is None


async def test_a_reference_used_by_an_open_request_is_drawn_again(database: Database) -> None:
    store = SqlRequestStore(database.sessions, draw=draws("K-4821", "M-0007"))
    first = await store.create(request("K-4821"))
    second = await store.create(request("K-4821", user=BO))
    assert first.reference == "K-4821"
    assert second.reference == "M-0007"  # the first draw was taken as well
    await store.update(replace(first, state=RequestState.CLOSED, closed_at=NOW))
    third = await store.create(request("K-4821"))
    assert third.reference == "K-4821"  # only closed requests use it now
    assert await store.by_reference("K-4821") == third  # the newest one


async def test_concurrent_creations_get_different_references(database: Database) -> None:
    store = SqlRequestStore(database.sessions)
    created = await asyncio.gather(
        *(store.create(request("A-0001", user=UserId(f"telegram:{n}"))) for n in range(6))
    )
    references = [r.reference for r in created]
    assert len(set(references)) == 6
    assert "A-0001" in references
    assert all(r[0] in REFERENCE_ALPHABET and r[2:].isdigit() for r in references)


async def test_an_empty_reference_gets_a_drawn_one(database: Database) -> None:
    store = SqlRequestStore(database.sessions, draw=draws("T-1234"))
    assert (await store.create(request(""))).reference == "T-1234"


async def test_open_requests_per_network_and_per_user(database: Database) -> None:
    store = SqlRequestStore(database.sessions)
    one = await store.create(request("A-0001", network="nurmijarvi"))
    two = await store.create(request("A-0002", user=BO, network="hameenlinna"))
    three = await store.create(request("A-0003", user=BO, network="nurmijarvi"))
    answered = replace(three, state=RequestState.ANSWERED, answered_at=NOW)
    await store.update(answered)
    await store.update(replace(one, state=RequestState.CLOSED, closed_at=NOW))
    assert await store.open_in(["nurmijarvi"]) == [answered]
    assert await store.open_in(["nurmijarvi", "hameenlinna"]) == [two, answered]
    assert await store.open_in([]) == []
    assert await store.for_user(BO) == [two, answered]
    assert [r.state for r in await store.for_user(ANA)] == [RequestState.CLOSED]


async def test_unanswered_requests_are_due_again_after_their_last_raise(
    database: Database,
) -> None:
    store = SqlRequestStore(database.sessions)
    old = await store.create(request("A-0001", at=NOW))
    raised = await store.create(request("A-0002", at=NOW))
    await store.update(replace(raised, raised_at=NOW + timedelta(hours=24)))
    fresh = await store.create(request("A-0003", at=NOW + timedelta(hours=20)))
    answered = await store.create(request("A-0004", at=NOW))
    await store.update(replace(answered, state=RequestState.ANSWERED, answered_at=NOW))
    due = await store.unanswered_since(NOW + timedelta(hours=1))
    assert [r.id for r in due] == [old.id]
    due = await store.unanswered_since(NOW + timedelta(hours=21))
    assert [r.id for r in due] == [old.id, fresh.id]
    due = await store.unanswered_since(NOW + timedelta(hours=25))
    assert [r.id for r in due] == [old.id, raised.id, fresh.id]


async def test_closed_requests_go_after_retention_with_their_forwards(
    database: Database,
) -> None:
    store = SqlRequestStore(database.sessions)
    outbox = SqlOutbox(database.sessions)
    old = await store.create(request("A-0001"))
    recent = await store.create(request("A-0002"))
    still_open = await store.create(request("A-0003"))
    await store.update(replace(old, state=RequestState.CLOSED, closed_at=NOW))
    await store.update(
        replace(recent, state=RequestState.CLOSED, closed_at=NOW + timedelta(days=30))
    )
    for number, item in enumerate((old, recent, still_open)):
        await outbox.enqueue(
            [
                OutgoingMessage(
                    f"fwd-{number}",
                    ChatId("telegram:-100"),
                    UserId("telegram:-100"),
                    Reply(item.message, "uk"),
                    NOW,
                    batch=item.batch,
                )
            ],
            NOW,
        )
    assert await store.delete_closed_before(NOW + timedelta(days=1)) == 1
    assert await store.get(old.id or 0) is None
    assert [r.id for r in await store.for_user(ANA)] == [recent.id, still_open.id]
    assert await outbox.tally(old.batch) == {}
    assert await outbox.tally(recent.batch) == {"pending": 1}
    assert await outbox.tally(still_open.batch) == {"pending": 1}
    assert await store.delete_closed_before(NOW + timedelta(days=1)) == 0
