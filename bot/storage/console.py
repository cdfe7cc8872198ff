"""The keepers' console's drafts, trusted organisations and audit trail in SQL (issue 16).

Implements :class:`handlers.core.ports.ConsoleStore`. Publishing is one transaction: the
activity (and a place it creates) is written into the catalogue tables through the catalogue
store's single-record upsert (the import's checks included), the draft is marked published,
the audit line appended and the activity marked as edited in the console (the import's
conflict rule reads that mark). A refused draft leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.catalog_store import (
    CatalogueMissingError,
    InvalidEditError,
    upsert_activity,
    withdraw_activity,
)
from bot.storage.database import SessionSource
from bot.storage.models import ConsoleAuditRow, ConsoleDraftRow, ConsoleEditRow, ConsoleTrustedRow
from bot.storage.rows import digest
from handlers.coordination.console.diff import changes, compact
from handlers.coordination.console.drafts import (
    AuditAction,
    AuditEntry,
    Draft,
    DraftAction,
    DraftState,
    PublishError,
)
from handlers.core.events import UserId


def _draft(row: ConsoleDraftRow) -> Draft:
    return Draft(
        id=row.id,
        activity_id=row.activity_id,
        organisation=row.organisation_id,
        author=UserId(row.author),
        created_at=row.created_at,
        updated_at=row.updated_at,
        record=row.record,
        state=DraftState(row.state),
        action=DraftAction(row.action),
        place=row.place,
        comment=row.comment,
    )


def _entry(row: ConsoleAuditRow) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=UserId(row.actor),
        activity_id=row.activity_id,
        organisation=row.organisation_id,
        action=AuditAction(row.action),
        diff=row.diff,
        draft_id=row.draft_id,
    )


async def _audit(connection: AsyncConnection, entry: AuditEntry) -> None:
    await connection.execute(
        insert(ConsoleAuditRow).values(
            at=entry.at,
            actor=str(entry.actor),
            activity_id=entry.activity_id,
            organisation_id=entry.organisation,
            action=entry.action.value,
            diff=entry.diff,
            draft_id=entry.draft_id,
        )
    )


async def mark_edited(
    connection: AsyncConnection, activity_id: str, action: DraftAction, mark: str, now: datetime
) -> None:
    """Remember that the console changed the activity (``mark``: the published digest)."""
    edits = ConsoleEditRow.activity_id == activity_id
    await connection.execute(delete(ConsoleEditRow).where(edits))
    await connection.execute(
        insert(ConsoleEditRow).values(
            activity_id=activity_id, action=action.value, digest=mark, edited_at=now
        )
    )


class SqlConsoleStore:
    """Drafts, trust and the audit trail in SQL; each call is one transaction."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def save_draft(self, draft: Draft, diff: str = "") -> Draft:
        """Store a new draft or replace one, with a ``drafted`` audit line."""
        values = {
            "activity_id": draft.activity_id,
            "organisation_id": draft.organisation,
            "author": str(draft.author),
            "created_at": draft.created_at,
            "updated_at": draft.updated_at,
            "state": draft.state.value,
            "action": draft.action.value,
            "record": draft.record,
            "place": draft.place,
            "comment": draft.comment,
        }
        async with self._sessions.begin() as session:
            connection = await session.connection()
            if draft.id is None:
                result = await connection.execute(
                    insert(ConsoleDraftRow).values(values).returning(ConsoleDraftRow.id)
                )
                draft_id = int(result.scalar_one())
            else:
                draft_id = draft.id
                await connection.execute(
                    update(ConsoleDraftRow).where(ConsoleDraftRow.id == draft_id).values(values)
                )
            await _audit(
                connection,
                AuditEntry(
                    draft.updated_at,
                    draft.author,
                    draft.activity_id,
                    draft.organisation,
                    AuditAction.DRAFTED,
                    diff,
                    draft_id,
                ),
            )
        return replace(draft, id=draft_id)

    async def draft(self, draft_id: int) -> Draft | None:
        """One draft by id."""
        async with self._sessions() as session:
            row = await session.get(ConsoleDraftRow, draft_id)
            return _draft(row) if row is not None else None

    async def drafts(
        self, organisations: Sequence[str], states: Collection[DraftState] = (DraftState.DRAFT,)
    ) -> list[Draft]:
        """Drafts of these organisations in these states, oldest first."""
        if not organisations or not states:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ConsoleDraftRow)
                .where(
                    ConsoleDraftRow.organisation_id.in_(list(organisations)),
                    ConsoleDraftRow.state.in_([state.value for state in states]),
                )
                .order_by(ConsoleDraftRow.id)
            )
            return [_draft(row) for row in rows]

    async def return_draft(
        self, draft_id: int, by: UserId, comment: str, now: datetime
    ) -> Draft | None:
        """Send a waiting draft back with the coordinator's comment."""
        async with self._sessions.begin() as session:
            connection = await session.connection()
            result = await connection.execute(
                update(ConsoleDraftRow)
                .where(ConsoleDraftRow.id == draft_id, ConsoleDraftRow.state == DraftState.DRAFT)
                .values(state=DraftState.RETURNED.value, comment=comment, updated_at=now)
            )
            if not result.rowcount:
                return None
            row = await session.get(ConsoleDraftRow, draft_id, populate_existing=True)
            assert row is not None
            draft = _draft(row)
            await _audit(
                connection,
                AuditEntry(
                    now,
                    by,
                    draft.activity_id,
                    draft.organisation,
                    AuditAction.RETURNED,
                    "",
                    draft_id,
                ),
            )
            return draft

    async def publish(self, draft_id: int, by: UserId, now: datetime) -> Draft:
        """Apply a waiting draft to the catalogue with its audit line, in one transaction."""
        try:
            async with self._sessions.begin() as session:
                connection = await session.connection()
                claimed = await connection.execute(
                    update(ConsoleDraftRow)
                    .where(
                        ConsoleDraftRow.id == draft_id, ConsoleDraftRow.state == DraftState.DRAFT
                    )
                    .values(state=DraftState.PUBLISHED.value, updated_at=now)
                )
                if not claimed.rowcount:
                    raise PublishError(["the draft is not waiting to be published"])
                row = await session.get(ConsoleDraftRow, draft_id, populate_existing=True)
                assert row is not None
                draft = _draft(row)
                if draft.action is DraftAction.WITHDRAW:
                    old = await withdraw_activity(connection, draft.activity_id, now)
                    if old is None:
                        raise PublishError([f"activity {draft.activity_id!r} is not on offer"])
                    diff, action, mark = "", AuditAction.WITHDRAWN, ""
                else:
                    activity = draft.activity
                    old = await upsert_activity(connection, activity, draft.new_place, now)
                    diff = compact(changes(old, activity))
                    action, mark = AuditAction.PUBLISHED, digest(activity)
                await mark_edited(connection, draft.activity_id, draft.action, mark, now)
                await _audit(
                    connection,
                    AuditEntry(
                        now, by, draft.activity_id, draft.organisation, action, diff, draft_id
                    ),
                )
                return draft
        except InvalidEditError as error:
            raise PublishError(error.problems) from error
        except CatalogueMissingError as error:
            raise PublishError(["no catalogue has been imported yet"]) from error

    async def trusted(self) -> frozenset[str]:
        """The organisations trusted to publish their own changes."""
        async with self._sessions() as session:
            rows = await session.scalars(select(ConsoleTrustedRow.organisation_id))
            return frozenset(rows)

    async def set_trusted(
        self, organisation: str, trusted: bool, by: UserId, now: datetime
    ) -> None:
        """Mark an organisation trusted (or not), with an audit line."""
        async with self._sessions.begin() as session:
            connection = await session.connection()
            await connection.execute(
                delete(ConsoleTrustedRow).where(ConsoleTrustedRow.organisation_id == organisation)
            )
            if trusted:
                await connection.execute(
                    insert(ConsoleTrustedRow).values(
                        organisation_id=organisation, marked_by=str(by), marked_at=now
                    )
                )
            action = AuditAction.TRUSTED if trusted else AuditAction.UNTRUSTED
            await _audit(connection, AuditEntry(now, by, "", organisation, action))

    async def audit(self, activity_id: str) -> list[AuditEntry]:
        """The audit trail of one activity, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ConsoleAuditRow)
                .where(ConsoleAuditRow.activity_id == activity_id)
                .order_by(ConsoleAuditRow.id)
            )
            return [_entry(row) for row in rows]

