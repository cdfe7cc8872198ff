"""Volunteers' broadcasts behind :class:`handlers.core.ports.BroadcastStore`.

The messages themselves go through the outbox (batch ``broadcast:<id>``); this table keeps the
original text, its versions in other languages (a JSON list of ``[language, text]`` pairs, in
the order the sender gave them), whether the broadcast is still under way, and how many
recipients it was queued for.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import insert, select, update

from bot.storage.database import SessionSource
from bot.storage.models import BroadcastRow
from handlers.core.events import ChatId, UserId
from handlers.volunteers.broadcast_state import Broadcast, BroadcastState


def encode_versions(versions: tuple[tuple[str, str], ...]) -> str:
    """Versions as a JSON list of ``[language, text]`` pairs."""
    return json.dumps([list(pair) for pair in versions], ensure_ascii=False)


def decode_versions(payload: str) -> tuple[tuple[str, str], ...]:
    """The versions :func:`encode_versions` wrote."""
    return tuple((str(language), str(text)) for language, text in json.loads(payload or "[]"))


def broadcast_from_row(row: BroadcastRow) -> Broadcast:
    """A stored broadcast as a value."""
    return Broadcast(
        id=row.id,
        sender=UserId(row.sender_id),
        sender_chat=ChatId(row.sender_chat_id),
        organisation=row.organisation_id,
        language=row.language,
        text=row.text,
        created_at=row.created_at,
        activity=row.activity_id,
        versions=decode_versions(row.versions),
        state=BroadcastState(row.state),
        recipients=row.recipients,
    )


class SqlBroadcastStore:
    """Broadcasts in SQL; each call is one short transaction."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def create(self, broadcast: Broadcast) -> Broadcast:
        """Store a new broadcast; returns it with its id."""
        async with self._sessions.begin() as session:
            new_id = await session.scalar(
                insert(BroadcastRow)
                .values(
                    sender_id=str(broadcast.sender),
                    sender_chat_id=str(broadcast.sender_chat),
                    organisation_id=broadcast.organisation,
                    activity_id=broadcast.activity,
                    language=broadcast.language,
                    text=broadcast.text,
                    versions=encode_versions(broadcast.versions),
                    state=broadcast.state.value,
                    recipients=broadcast.recipients,
                    created_at=broadcast.created_at,
                )
                .returning(BroadcastRow.id)
            )
        return replace(broadcast, id=new_id)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast by id."""
        async with self._sessions() as session:
            row = await session.get(BroadcastRow, broadcast_id)
            return None if row is None else broadcast_from_row(row)

    async def update(self, broadcast: Broadcast) -> None:
        """Store the broadcast's new state and recipient count."""
        if broadcast.id is None:
            raise ValueError("only a stored broadcast (with an id) can be updated")
        async with self._sessions.begin() as session:
            await session.execute(
                update(BroadcastRow)
                .where(BroadcastRow.id == broadcast.id)
                .values(state=broadcast.state.value, recipients=broadcast.recipients)
                .execution_options(synchronize_session=False)
            )

    async def sending(self) -> list[Broadcast]:
        """Broadcasts still under way (their report is not sent yet), oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(BroadcastRow)
                .where(BroadcastRow.state == BroadcastState.SENDING.value)
                .order_by(BroadcastRow.id)
            )
            return [broadcast_from_row(row) for row in rows]
