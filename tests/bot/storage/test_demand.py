"""The demand counters: one row per day and facts, counted up in SQL, never a text or a user."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

from sqlalchemy import inspect

from bot.storage.database import Database
from bot.storage.demand import SqlDemandStore
from handlers.core.ports import DemandEvent, DemandFact

SWIM = DemandFact("nurmijarvi", "ar", "activities", kinds="sports", audiences="women",
                  municipality="Nurmijärvi")
DAY = date(2026, 11, 23)


async def test_the_same_facts_on_one_day_add_up_even_at_once(database: Database) -> None:
    store = SqlDemandStore(database.sessions)
    await asyncio.gather(*(store.add(DAY, SWIM) for _ in range(6)))
    await store.add(DAY, replace(SWIM, event=DemandEvent.USEFUL))
    await store.add(date(2026, 11, 24), SWIM)
    counts = await store.counts(DAY, DAY, ["nurmijarvi"])
    by_event = {c.fact.event: c.count for c in counts}
    assert by_event == {DemandEvent.QUESTION: 6, DemandEvent.USEFUL: 1}
    assert await store.counts(DAY, DAY, ["espoo"]) == []
    assert len(await store.counts(DAY, date(2026, 11, 24))) == 3


async def test_retention_deletes_old_days_only(database: Database) -> None:
    store = SqlDemandStore(database.sessions)
    await store.add(date(2024, 11, 22), SWIM)
    await store.add(DAY, SWIM)
    assert await store.delete_before(date(2024, 11, 23)) == 1
    [left] = await store.counts(date(2000, 1, 1), date(2100, 1, 1))
    assert left.day == DAY


async def test_the_table_has_no_column_for_a_text_or_a_person(database: Database) -> None:
    async with database.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("demand_counts")}
        )
    assert not columns & {"user_id", "chat_id", "text", "message", "name"}
