"""The ``calendar_feeds`` table behind :class:`handlers.core.ports.CalendarFeedStore`.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored, so a copy of the
database opens no one's calendar. Renewing replaces the user's row; ``/forget`` deletes it
(:mod:`bot.storage.erasure`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, select

from bot.storage.database import SessionSource
from bot.storage.models import CalendarFeedRow
from handlers.core.events import UserId

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SqlCalendarFeeds:
    """Personal feed tokens, one short transaction per call."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def renew(self, user: UserId, now: datetime) -> str:
        """A fresh token for the user; the old one (if any) stops working."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with self._sessions.begin() as session:
            await session.execute(delete(CalendarFeedRow).where(CalendarFeedRow.user_id == user))
            row = CalendarFeedRow(user_id=str(user), token_hash=token_hash(token), created_at=now)
            session.add(row)
        return token

    async def user_of(self, token: str) -> UserId | None:
        """The user whose feed ``token`` opens, if it is current."""
        async with self._sessions() as session:
            user = await session.scalar(
                select(CalendarFeedRow.user_id).where(
                    CalendarFeedRow.token_hash == token_hash(token)
                )
            )
        return UserId(user) if user is not None else None
