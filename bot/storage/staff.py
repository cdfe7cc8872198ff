"""Roles, one-time invites and the role audit trail behind :class:`handlers.core.ports.StaffStore`.

Invites are kept only as a SHA-256 hash of their code: a database leak then hands out no
working invite. Redeeming is one conditional ``UPDATE … WHERE used_by IS NULL AND
expires_at > now``: of two people redeeming one code at the same moment exactly one changes
the row (PostgreSQL re-checks the condition after the first commits; SQLite serialises
writers), so an invite can never grant twice. Every invite, grant and revoke appends a
``role_events`` row in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.database import SessionSource
from bot.storage.models import RoleEventRow, StaffGrantRow, StaffInviteRow
from handlers.coordination.permissions import Grant, Invite, Role, RoleEvent
from handlers.core.events import UserId


def code_hash(code: str) -> str:
    """The SHA-256 hex digest under which an invite code is stored (the code itself never is)."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def _grant(row: StaffGrantRow) -> Grant:
    return Grant(
        user=UserId(row.user_id),
        role=Role(row.role),
        organisation=row.organisation_id,
        granted_by=UserId(row.granted_by),
        granted_at=row.granted_at,
    )


def _event(row: RoleEventRow) -> RoleEvent:
    return RoleEvent(
        at=row.at,
        actor=UserId(row.actor),
        action=row.action,
        subject=UserId(row.subject) if row.subject is not None else None,
        role=Role(row.role),
        organisation=row.organisation_id,
    )


def _audit(event: RoleEvent) -> Any:
    """The INSERT of one audit line."""
    return insert(RoleEventRow).values(
        at=event.at,
        actor=str(event.actor),
        action=event.action,
        subject=str(event.subject) if event.subject is not None else None,
        role=event.role.value,
        organisation_id=event.organisation,
    )


def _insert_grant_once(dialect: str, values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT (user, organisation, role) DO NOTHING``."""
    keys = ["user_id", "organisation_id", "role"]
    if dialect == "postgresql":
        return (
            postgresql.insert(StaffGrantRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=keys)
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(StaffGrantRow).values(values).on_conflict_do_nothing(index_elements=keys)
        )
    raise NotImplementedError(f"no portable INSERT … ON CONFLICT for {dialect}")


class SqlStaffStore:
    """Grants, invites and the audit trail in SQL; each call is one transaction."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def grants_of(self, user: UserId) -> list[Grant]:
        """The user's roles, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(StaffGrantRow)
                .where(StaffGrantRow.user_id == str(user))
                .order_by(StaffGrantRow.id)
            )
            return [_grant(row) for row in rows]

    async def grants_for(self, organisations: Sequence[str]) -> list[Grant]:
        """Everyone's roles in these organisations, oldest first."""
        if not organisations:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(StaffGrantRow)
                .where(StaffGrantRow.organisation_id.in_(list(organisations)))
                .order_by(StaffGrantRow.id)
            )
            return [_grant(row) for row in rows]

    async def create_invite(self, invite: Invite) -> None:
        """Store an invite under the hash of its code and record it in the audit."""
        async with self._sessions.begin() as session:
            await session.execute(
                insert(StaffInviteRow).values(
                    code_hash=code_hash(invite.code),
                    role=invite.role.value,
                    organisation_id=invite.organisation,
                    created_by=str(invite.created_by),
                    created_at=invite.created_at,
                    expires_at=invite.expires_at,
                    used_by=None,
                    used_at=None,
                )
            )
            await session.execute(
                _audit(
                    RoleEvent(
                        invite.created_at,
                        invite.created_by,
                        "invite",
                        None,
                        invite.role,
                        invite.organisation,
                    )
                )
            )

    async def redeem(self, code: str, user: UserId, now: datetime) -> Grant | None:
        """Use an invite once: grant its role to ``user`` and record it.

        ``None`` when the code is unknown, used or expired. Holding the role already is not
        an error: the invite is used up and the existing grant is returned.
        """
        hashed = code_hash(code)
        async with self._sessions.begin() as session:
            claimed = await session.execute(
                update(StaffInviteRow)
                .where(
                    StaffInviteRow.code_hash == hashed,
                    StaffInviteRow.used_by.is_(None),
                    StaffInviteRow.expires_at > now,
                )
                .values(used_by=str(user), used_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            invite = (
                await session.execute(
                    select(
                        StaffInviteRow.role,
                        StaffInviteRow.organisation_id,
                        StaffInviteRow.created_by,
                    ).where(StaffInviteRow.code_hash == hashed)
                )
            ).one()
            role = Role(invite.role)
            values = {
                "user_id": str(user),
                "role": role.value,
                "organisation_id": invite.organisation_id,
                "granted_by": invite.created_by,
                "granted_at": now,
            }
            await session.execute(_insert_grant_once(session.get_bind().dialect.name, values))
            await session.execute(
                _audit(RoleEvent(now, user, "grant", user, role, invite.organisation_id))
            )
            stored = await session.scalar(
                select(StaffGrantRow).where(
                    StaffGrantRow.user_id == str(user),
                    StaffGrantRow.organisation_id == invite.organisation_id,
                    StaffGrantRow.role == role.value,
                )
            )
            assert stored is not None
            return _grant(stored)

    async def revoke(self, user: UserId, organisation: str, actor: UserId, now: datetime) -> bool:
        """Remove the user's roles for the organisation and record each; whether any existed."""
        async with self._sessions.begin() as session:
            removed = (
                (
                    await session.execute(
                        delete(StaffGrantRow)
                        .where(
                            StaffGrantRow.user_id == str(user),
                            StaffGrantRow.organisation_id == organisation,
                        )
                        .returning(StaffGrantRow.role)
                    )
                )
                .scalars()
                .all()
            )
            for role in sorted(removed):
                await session.execute(
                    _audit(RoleEvent(now, actor, "revoke", user, Role(role), organisation))
                )
            return bool(removed)

    async def events(self, organisations: Sequence[str]) -> list[RoleEvent]:
        """The audit trail of these organisations, oldest first."""
        if not organisations:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RoleEventRow)
                .where(RoleEventRow.organisation_id.in_(list(organisations)))
                .order_by(RoleEventRow.id)
            )
            return [_event(row) for row in rows]
