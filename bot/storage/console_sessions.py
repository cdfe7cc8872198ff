"""Sign-in links and browser sessions of the keepers' console.

Tables ``console_links`` and ``console_sessions``.
Neither a link's token nor a session's cookie is stored: only their SHA-256, so a copy of the
database signs nobody in. Redeeming a link is one conditional ``UPDATE … WHERE used_at IS NULL
AND expires_at > now`` (as invites are, :mod:`bot.storage.staff`): of two browsers opening one
link at the same moment exactly one gets a session. A session lasts :data:`SESSION_VALID`
from sign-in, whatever is done in it; signing out deletes it. ``/forget`` deletes a person's
links and sessions with everything else (:mod:`bot.storage.erasure`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot.storage.database import SessionSource
from bot.storage.models import ConsoleLinkRow, ConsoleSessionRow
from handlers.core.events import UserId

TOKEN_BYTES = 32

#: A console session ends this long after sign-in (a working day); then /console again.
SESSION_VALID = timedelta(hours=8)


def secret_hash(secret: str) -> str:
    """The stored form of a link token or session cookie."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A signed-in browser: who, its CSRF token, and until when."""

    user: UserId
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Opened:
    """A session just opened: the cookie value (given to the browser once) and the session."""

    cookie: str
    session: ConsoleSession


class SqlConsoleSessions:
    """Links and sessions, one short transaction per call."""

    def __init__(self, sessions: SessionSource, valid: timedelta = SESSION_VALID) -> None:
        self._sessions = sessions
        self.valid = valid

    async def issue(self, user: UserId, now: datetime, valid: timedelta) -> str:
        """A fresh one-time link token for ``user``; the user's used or stale links go."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ConsoleLinkRow).where(
                    ConsoleLinkRow.user_id == str(user), ConsoleLinkRow.expires_at <= now
                )
            )
            session.add(
                ConsoleLinkRow(
                    token_hash=secret_hash(token),
                    user_id=str(user),
                    created_at=now,
                    expires_at=now + valid,
                    used_at=None,
                )
            )
        return token

    async def redeem(self, token: str, now: datetime) -> Opened | None:
        """Use a link once and open a session; ``None`` for an unknown, used or expired link."""
        hashed = secret_hash(token)
        async with self._sessions.begin() as session:
            claimed = await session.execute(
                update(ConsoleLinkRow)
                .where(
                    ConsoleLinkRow.token_hash == hashed,
                    ConsoleLinkRow.used_at.is_(None),
                    ConsoleLinkRow.expires_at > now,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            user = await session.scalar(
                select(ConsoleLinkRow.user_id).where(ConsoleLinkRow.token_hash == hashed)
            )
            assert user is not None
            cookie = secrets.token_urlsafe(TOKEN_BYTES)
            csrf = secrets.token_urlsafe(TOKEN_BYTES)
            opened = ConsoleSession(UserId(user), csrf, now + self.valid)
            await session.execute(
                delete(ConsoleSessionRow).where(
                    ConsoleSessionRow.user_id == user, ConsoleSessionRow.expires_at <= now
                )
            )
            session.add(
                ConsoleSessionRow(
                    token_hash=secret_hash(cookie),
                    user_id=user,
                    csrf=opened.csrf,
                    created_at=now,
                    expires_at=opened.expires_at,
                )
            )
        return Opened(cookie, opened)

    async def session(self, cookie: str, now: datetime) -> ConsoleSession | None:
        """The live session of a cookie, if any."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ConsoleSessionRow).where(
                    ConsoleSessionRow.token_hash == secret_hash(cookie),
                    ConsoleSessionRow.expires_at > now,
                )
            )
        if row is None:
            return None
        return ConsoleSession(UserId(row.user_id), row.csrf, row.expires_at)

    async def end(self, cookie: str) -> None:
        """Sign out: the cookie opens nothing any more."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == secret_hash(cookie))
            )
