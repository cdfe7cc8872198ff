"""The ``demand_counts`` table behind :class:`handlers.newcomers.demand.DemandCounter`.

One row per day and set of facts; asking again adds one in SQL (an upsert on the facts'
unique key), so that two instances counting at once never lose a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.database import SessionSource
from bot.storage.models import DemandCountRow
from handlers.core.ports import DemandCount, DemandEvent, DemandFact

#: The columns of the unique key, in the constraint's order.
FACT_COLUMNS = (
    "day", "network_id", "event", "language", "intent", "kinds", "classes", "audiences",
    "spoken", "municipality", "timed", "found",
)


def _values(day: date, fact: DemandFact) -> dict[str, Any]:
    return {
        "day": day,
        "network_id": fact.network,
        "event": fact.event.value,
        "language": fact.language,
        "intent": fact.intent,
        "kinds": fact.kinds,
        "classes": fact.classes,
        "audiences": fact.audiences,
        "spoken": fact.spoken,
        "municipality": fact.municipality,
        "timed": fact.timed,
        "found": fact.found,
    }


def _fact(row: DemandCountRow) -> DemandFact:
    return DemandFact(
        network=row.network_id,
        language=row.language,
        intent=row.intent,
        kinds=row.kinds,
        classes=row.classes,
        audiences=row.audiences,
        spoken=row.spoken,
        municipality=row.municipality,
        timed=row.timed,
        found=row.found,
        event=DemandEvent(row.event),
    )


class SqlDemandStore:
    """Anonymous daily counters: add one, read a period, drop what is past retention."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def add(self, day: date, fact: DemandFact) -> None:
        """Count ``fact`` once on ``day`` (insert, or add one to the existing row)."""
        values = {**_values(day, fact), "count": 1}
        async with self._sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(DemandCountRow).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=list(FACT_COLUMNS),
                set_={"count": DemandCountRow.count + 1},
            )
            await session.execute(statement)

    async def counts(
        self, start: date, end: date, networks: Sequence[str] | None = None
    ) -> list[DemandCount]:
        """Every counter from ``start`` to ``end`` (inclusive), of ``networks`` (or all)."""
        query = select(DemandCountRow).where(
            DemandCountRow.day >= start, DemandCountRow.day <= end
        )
        if networks is not None:
            query = query.where(DemandCountRow.network_id.in_(list(networks)))
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(DemandCountRow.id))).scalars()
            return [DemandCount(row.day, _fact(row), row.count) for row in rows]

    async def delete_before(self, day: date) -> int:
        """Drop the counters older than ``day`` (the retention period); returns how many."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(DemandCountRow).where(DemandCountRow.day < day)
            )
            return int(getattr(result, "rowcount", 0) or 0)
