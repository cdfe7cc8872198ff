"""Contact and join requests behind :class:`handlers.core.ports.RequestStore`.

A request's short reference (``K-4821``) is what the user and the coordinators say to each
other, so no two requests that are not closed share one: :meth:`SqlRequestStore.create` draws
a new reference while the drawn one is taken. Closed requests keep theirs (a reference can
come again later; :meth:`SqlRequestStore.by_reference` then finds the newest). Closed requests
are deleted after the retention period together with the outbox rows that forwarded them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import SessionSource
from bot.storage.models import ContactRequestRow, OutboxRow
from handlers.coordination.requests import ContactRequest, RequestKind, RequestState, new_reference
from handlers.core.events import ChatId, UserId

REFERENCE_ATTEMPTS = 20
"""Draws of a 4-digit reference before falling back to longer ones (190,000 exist)."""

_CREATE_LOCK = 0x7461726A
"""The PostgreSQL advisory lock that serialises request creation (choosing a reference)."""


def request_from_row(row: ContactRequestRow) -> ContactRequest:
    """A stored request as a value."""
    return ContactRequest(
        id=row.id,
        reference=row.reference,
        kind=RequestKind(row.kind),
        user=UserId(row.user_id),
        chat=ChatId(row.chat_id),
        network=row.network_id,
        language=row.language,
        message=row.message,
        created_at=row.created_at,
        activity=row.activity_id,
        name=row.name,
        state=RequestState(row.state),
        via=row.via,
        raised_at=row.raised_at,
        answered_at=row.answered_at,
        closed_at=row.closed_at,
    )


def request_batch(request_id: int) -> str:
    """The outbox batch of a request's messages (as :attr:`ContactRequest.batch` names it)."""
    return f"request:{request_id}"


async def _reference_taken(session: AsyncSession, reference: str) -> bool:
    found = await session.scalar(
        select(ContactRequestRow.id)
        .where(
            ContactRequestRow.reference == reference,
            ContactRequestRow.state != RequestState.CLOSED.value,
        )
        .limit(1)
    )
    return found is not None


async def _free_reference(session: AsyncSession, wanted: str, draw: Callable[[int], str]) -> str:
    """``wanted`` if no open request uses it, else a newly drawn free one."""
    reference = wanted or draw(4)
    for attempt in range(REFERENCE_ATTEMPTS * 2):
        if not await _reference_taken(session, reference):
            return reference
        reference = draw(4 if attempt < REFERENCE_ATTEMPTS else 6)
    raise RuntimeError("no free request reference found")


class SqlRequestStore:
    """Requests in SQL; each call is one transaction.

    ``draw`` makes a new reference (:func:`handlers.coordination.requests.new_reference`; tests
    inject a
    predictable one).
    """

    def __init__(
        self,
        sessions: SessionSource,
        draw: Callable[[int], str] = new_reference,
    ) -> None:
        self._sessions = sessions
        self._draw = draw

    async def create(self, request: ContactRequest) -> ContactRequest:
        """Store a new request; returns it with its id and a reference no open one uses."""
        async with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Two creations at once must not both pick the same free reference.
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK}
                )
            reference = await _free_reference(session, request.reference, self._draw)
            new_id = await session.scalar(
                insert(ContactRequestRow)
                .values(
                    reference=reference,
                    kind=request.kind.value,
                    user_id=str(request.user),
                    chat_id=str(request.chat),
                    network_id=request.network,
                    language=request.language,
                    activity_id=request.activity,
                    message=request.message,
                    name=request.name,
                    state=request.state.value,
                    via=request.via,
                    created_at=request.created_at,
                    raised_at=request.raised_at,
                    answered_at=request.answered_at,
                    closed_at=request.closed_at,
                )
                .returning(ContactRequestRow.id)
            )
        return replace(request, id=new_id, reference=reference)

    async def get(self, request_id: int) -> ContactRequest | None:
        """One request by id."""
        async with self._sessions() as session:
            row = await session.get(ContactRequestRow, request_id)
            return None if row is None else request_from_row(row)

    async def by_reference(self, reference: str) -> ContactRequest | None:
        """The newest request with this reference."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ContactRequestRow)
                .where(ContactRequestRow.reference == reference)
                .order_by(ContactRequestRow.id.desc())
                .limit(1)
            )
            return None if row is None else request_from_row(row)

    async def open_in(self, networks: Sequence[str]) -> list[ContactRequest]:
        """Requests not yet closed in these networks, oldest first."""
        if not networks:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContactRequestRow)
                .where(
                    ContactRequestRow.network_id.in_(list(networks)),
                    ContactRequestRow.state != RequestState.CLOSED.value,
                )
                .order_by(ContactRequestRow.id)
            )
            return [request_from_row(row) for row in rows]

    async def for_user(self, user: UserId) -> list[ContactRequest]:
        """The user's requests, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContactRequestRow)
                .where(ContactRequestRow.user_id == str(user))
                .order_by(ContactRequestRow.id)
            )
            return [request_from_row(row) for row in rows]

    async def update(self, request: ContactRequest) -> None:
        """Store the request's new state, route and times (its text and people never change)."""
        if request.id is None:
            raise ValueError("only a stored request (with an id) can be updated")
        async with self._sessions.begin() as session:
            await session.execute(
                update(ContactRequestRow)
                .where(ContactRequestRow.id == request.id)
                .values(
                    state=request.state.value,
                    via=request.via,
                    raised_at=request.raised_at,
                    answered_at=request.answered_at,
                    closed_at=request.closed_at,
                )
                .execution_options(synchronize_session=False)
            )

    async def unanswered_since(self, before: datetime) -> list[ContactRequest]:
        """Open requests raised (or, never raised, created) before ``before``, oldest first."""
        last_raised = func.coalesce(ContactRequestRow.raised_at, ContactRequestRow.created_at)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContactRequestRow)
                .where(
                    ContactRequestRow.state == RequestState.OPEN.value,
                    last_raised < before,
                )
                .order_by(ContactRequestRow.id)
            )
            return [request_from_row(row) for row in rows]

    async def delete_closed_before(self, before: datetime) -> int:
        """Delete requests closed before ``before`` and their outbox rows; returns how many.

        The forwards to the coordinators carry the requester's message, so they go too.
        """
        async with self._sessions.begin() as session:
            removed = (
                (
                    await session.execute(
                        delete(ContactRequestRow)
                        .where(
                            ContactRequestRow.state == RequestState.CLOSED.value,
                            ContactRequestRow.closed_at < before,
                        )
                        .returning(ContactRequestRow.id)
                    )
                )
                .scalars()
                .all()
            )
            batches = [request_batch(number) for number in removed]
            for start in range(0, len(batches), 500):
                await session.execute(
                    delete(OutboxRow).where(OutboxRow.batch.in_(batches[start : start + 500]))
                )
            return len(removed)
