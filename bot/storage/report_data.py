"""Delivery counts for the tray report, read from the outbox, broadcasts and requests.

Behind :class:`handlers.core.ports.DeliveryStats`. Only counts leave this module: no message
text, no user id.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select

from bot.storage.database import SessionSource
from bot.storage.models import BroadcastRow, ContactRequestRow, OutboxRow
from handlers.core.ports import BroadcastDelivery, Delivery

#: A reminder sent later than this after it was due is late.
LATE_AFTER = timedelta(minutes=15)

#: The outbox categories that are reminders (and cancellation notices of reminded sessions,
#: and a kind subscription's day digests, counted by the day's first session's activity).
REMINDER_CATEGORIES = ("reminder", "cancellation", "digest")

#: Outbox states that mean the message did not reach the person.
UNDELIVERED = ("failed", "blocked", "dropped")

#: A request not answered within this is counted as having waited too long.
LONG_WAIT = timedelta(hours=24)


class SqlDeliveryStats:
    """Counts what was delivered in a period, narrowed to a network's scope."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def delivery(
        self,
        start: datetime,
        end: datetime,
        activities: Collection[str] | None,
        organisations: Collection[str] | None,
        networks: Collection[str] | None,
    ) -> Delivery:
        """Reminders by due time, broadcasts and requests by creation, in ``[start, end)``."""
        async with self._sessions() as session:
            reminders = select(OutboxRow.state, OutboxRow.due_at, OutboxRow.sent_at).where(
                OutboxRow.category.in_(REMINDER_CATEGORIES),
                OutboxRow.due_at >= start,
                OutboxRow.due_at < end,
            )
            if activities is not None:
                reminders = reminders.where(OutboxRow.activity_id.in_(list(activities)))
            sent = late = failed = 0
            for state, due_at, sent_at in (await session.execute(reminders)).all():
                if state == "sent":
                    sent += 1
                    if sent_at is not None and sent_at - due_at > LATE_AFTER:
                        late += 1
                elif state in UNDELIVERED:
                    failed += 1
            casts = select(BroadcastRow).where(
                BroadcastRow.created_at >= start, BroadcastRow.created_at < end
            )
            if organisations is not None:
                casts = casts.where(BroadcastRow.organisation_id.in_(list(organisations)))
            broadcasts: list[BroadcastDelivery] = []
            for row in (await session.execute(casts.order_by(BroadcastRow.id))).scalars():
                tally = dict(
                    (
                        await session.execute(
                            select(OutboxRow.state, func.count())
                            .where(OutboxRow.batch == f"broadcast:{row.id}")
                            .group_by(OutboxRow.state)
                        )
                    ).all()
                )
                broadcasts.append(
                    BroadcastDelivery(
                        row.id,
                        row.organisation_id,
                        row.state,
                        row.created_at,
                        row.recipients,
                        int(tally.get("sent", 0)),
                        sum(int(tally.get(state, 0)) for state in UNDELIVERED),
                    )
                )
            asked = select(ContactRequestRow.created_at, ContactRequestRow.answered_at).where(
                ContactRequestRow.created_at >= start, ContactRequestRow.created_at < end
            )
            if networks is not None:
                asked = asked.where(ContactRequestRow.network_id.in_(list(networks)))
            requests: list[tuple[datetime, datetime | None]] = [
                (created, answered) for created, answered in (await session.execute(asked)).all()
            ]
        waits: list[timedelta] = []
        long_waits = 0
        for created, answered in requests:
            if answered is not None:
                waits.append(answered - created)
            if (answered or end) - created > LONG_WAIT:
                long_waits += 1
        return Delivery(
            reminders_sent=sent,
            reminders_late=late,
            reminders_failed=failed,
            broadcasts=tuple(broadcasts),
            requests=len(requests),
            median_answer_hours=(
                round(median(w.total_seconds() for w in waits) / 3600, 1) if waits else None
            ),
            waited_over_day=long_waits,
        )
