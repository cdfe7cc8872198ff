"""The users table behind :class:`handlers.core.ports.ProfileStore`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from bot.storage.database import SessionSource
from bot.storage.models import UserRow
from handlers.core.events import Profile, UserId


def _now() -> datetime:
    return datetime.now(UTC)


class SqlProfileStore:
    """Profiles in the ``users`` table; one short transaction per call."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def get(self, user: UserId) -> Profile | None:
        """The stored profile, or ``None``."""
        async with self._sessions() as session:
            row = await session.get(UserRow, str(user))
            if row is None:
                return None
            return Profile(
                user=user,
                language=row.language,
                network=row.network_id,
                pending=row.pending,
                active=row.active,
            )

    async def save(self, profile: Profile) -> None:
        """Insert or update the profile."""
        async with self._sessions.begin() as session:
            row = await session.get(UserRow, str(profile.user))
            now = _now()
            if row is None:
                row = UserRow(id=str(profile.user), created_at=now)
                session.add(row)
            row.language = profile.language
            row.network_id = profile.network
            row.pending = profile.pending
            row.active = profile.active
            row.updated_at = now

    async def delete(self, user: UserId) -> None:
        """Remove every trace of the user from this table."""
        async with self._sessions.begin() as session:
            await session.execute(delete(UserRow).where(UserRow.id == str(user)))

    async def count(self) -> int:
        """How many users are stored (for tests and statistics)."""
        async with self._sessions() as session:
            return len((await session.execute(select(UserRow.id))).all())
