"""A user's right to see and to erase their data (/mydata, /forget).

:func:`forget_user` removes, in ONE transaction, every row about the user, then (SQLite)
checkpoints and empties the write-ahead log so that no file keeps the old pages. Per table:

* **deleted**: ``users`` (language, network, the one waiting question), ``subscriptions``,
  ``calendar_feeds`` (the hash of their personal feed's token), ``console_links`` and
  ``console_sessions`` (their sign-ins to the keepers' console),
  ``dialogues`` (drafts of a request or a broadcast), ``contact_requests`` (the message and
  the name they agreed to share), ``broadcasts`` they sent (text and versions),
  ``staff_grants`` they hold, ``staff_invites`` they made that nobody used;
* **deleted from the outbox**, whatever the state (waiting, being sent, sent, failed): every
  row to them (reminders, answers, notices, reports, others' broadcasts to them), every row
  carrying their words to someone else — the forwards of their requests to the coordinator
  chats and e-mail addresses (batch ``request:<id>``) and every copy of a broadcast they sent
  (batch ``broadcast:<id>``), sent copies included. Nothing needs those rows any more: their
  broadcasts and requests are gone, so no tally, report or re-plan reads them. A copy being
  sent at that very moment may still arrive (the sender already holds it); its outcome is
  then simply not recorded;
* **scrubbed** (the row is someone else's record and stays, the user's id replaced): the role
  audit trail, grants they gave and invites they made or used name :data:`FORGOTTEN`;
  catalogue additions and occurrence changes forget who made them (``NULL``). What a volunteer
  put into the catalogue (a new event's title, a date, a cancellation with a reason from the
  fixed list) stays: it is the organisation's public listing, not a message of theirs.

Either everything goes or nothing does. The database itself overwrites deleted content
(``PRAGMA secure_delete``, :mod:`bot.storage.database`); PostgreSQL keeps dead row versions
until (auto)vacuum reuses the space (see the README).

:func:`user_data` gathers what /mydata shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.database import truncate_wal
from bot.storage.models import (
    BroadcastRow,
    CalendarFeedRow,
    CatalogueAdditionRow,
    ConsoleLinkRow,
    ConsoleSessionRow,
    ContactRequestRow,
    DialogueRow,
    OccurrenceChangeRow,
    OutboxRow,
    RoleEventRow,
    StaffGrantRow,
    StaffInviteRow,
    SubscriptionRow,
    UserRow,
)
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore, request_batch
from bot.storage.staff import SqlStaffStore
from handlers.coordination.permissions import Grant
from handlers.coordination.requests import ContactRequest
from handlers.core.events import UserId
from handlers.newcomers.reminder_timing import Subscription

log = logging.getLogger(__name__)

FORGOTTEN = "forgotten"
"""What the audit trail says instead of the id of a user who deleted their data."""

_CHUNK = 500


def _batches(prefix: str, ids: list[int]) -> list[str]:
    return [f"{prefix}:{number}" for number in ids]


def _in(column: Any, values: list[str]) -> ColumnElement[bool]:
    """``column IN (...)`` in chunks (never an empty ``IN``)."""
    if not values:
        return false()
    return or_(
        *(column.in_(values[start : start + _CHUNK]) for start in range(0, len(values), _CHUNK))
    )


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_user(sessions: async_sessionmaker[AsyncSession], user: UserId) -> dict[str, int]:
    """Delete every row about ``user`` in one transaction; returns rows changed per table.

    Keys are table names for deleted rows and ``table.column`` for rows kept with the user's
    id replaced (pseudonymised), e.g. ``{"outbox": 4, "role_events.actor": 2, ...}``; tables
    with nothing to do are left out.
    """
    who = str(user)
    done: dict[str, int] = {}
    async with sessions.begin() as session:
        requests = list(
            (
                await session.scalars(
                    select(ContactRequestRow.id).where(ContactRequestRow.user_id == who)
                )
            ).all()
        )
        broadcasts = list(
            (
                await session.scalars(select(BroadcastRow.id).where(BroadcastRow.sender_id == who))
            ).all()
        )
        request_batches = [request_batch(number) for number in requests]
        broadcast_batches = _batches("broadcast", broadcasts)
        statements: list[tuple[str, Any]] = [
            (
                "outbox",
                delete(OutboxRow).where(
                    or_(
                        OutboxRow.user_id == who,
                        _in(OutboxRow.batch, request_batches),
                        _in(OutboxRow.batch, broadcast_batches),
                    )
                ),
            ),
            ("users", delete(UserRow).where(UserRow.id == who)),
            ("subscriptions", delete(SubscriptionRow).where(SubscriptionRow.user_id == who)),
            ("calendar_feeds", delete(CalendarFeedRow).where(CalendarFeedRow.user_id == who)),
            ("console_links", delete(ConsoleLinkRow).where(ConsoleLinkRow.user_id == who)),
            ("console_sessions", delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == who)),
            ("dialogues", delete(DialogueRow).where(DialogueRow.user_id == who)),
            ("contact_requests", delete(ContactRequestRow).where(ContactRequestRow.user_id == who)),
            ("broadcasts", delete(BroadcastRow).where(BroadcastRow.sender_id == who)),
            ("staff_grants", delete(StaffGrantRow).where(StaffGrantRow.user_id == who)),
            (
                "staff_invites",
                delete(StaffInviteRow).where(
                    StaffInviteRow.created_by == who, StaffInviteRow.used_by.is_(None)
                ),
            ),
            (
                "staff_grants.granted_by",
                update(StaffGrantRow)
                .where(StaffGrantRow.granted_by == who)
                .values(granted_by=FORGOTTEN),
            ),
            (
                "staff_invites.created_by",
                update(StaffInviteRow)
                .where(StaffInviteRow.created_by == who)
                .values(created_by=FORGOTTEN),
            ),
            (
                "staff_invites.used_by",
                update(StaffInviteRow)
                .where(StaffInviteRow.used_by == who)
                .values(used_by=FORGOTTEN),
            ),
            (
                "role_events.actor",
                update(RoleEventRow).where(RoleEventRow.actor == who).values(actor=FORGOTTEN),
            ),
            (
                "role_events.subject",
                update(RoleEventRow).where(RoleEventRow.subject == who).values(subject=FORGOTTEN),
            ),
            (
                "catalogue_additions.added_by",
                update(CatalogueAdditionRow)
                .where(CatalogueAdditionRow.added_by == who)
                .values(added_by=None),
            ),
            (
                "occurrence_changes.changed_by",
                update(OccurrenceChangeRow)
                .where(OccurrenceChangeRow.changed_by == who)
                .values(changed_by=None),
            ),
        ]
        for name, statement in statements:
            changed = await _count(session, statement)
            if changed:
                done[name] = changed
    engine = sessions.kw.get("bind")
    if done and isinstance(engine, AsyncEngine) and not await truncate_wal(engine):
        log.warning("after an erasure the SQLite write-ahead log was busy; not yet emptied")
    return done


@dataclass(frozen=True, slots=True)
class UserData:
    """Everything stored about one user, for /mydata.

    ``requests`` are whole :class:`ContactRequest` values (reference, kind, state, created_at,
    message, and the name only if the user agreed to share it).
    """

    user: UserId
    language: str | None
    network: str | None
    subscriptions: tuple[Subscription, ...]
    requests: tuple[ContactRequest, ...]
    grants: tuple[Grant, ...]

    @property
    def empty(self) -> bool:
        """Whether nothing at all is stored about the user."""
        return (
            self.language is None
            and self.network is None
            and not self.subscriptions
            and not self.requests
            and not self.grants
        )


async def user_data(sessions: async_sessionmaker[AsyncSession], user: UserId) -> UserData:
    """What is stored about ``user``: profile, subscriptions, requests and roles."""
    profile = await SqlProfileStore(sessions).get(user)
    return UserData(
        user=user,
        language=profile.language if profile else None,
        network=profile.network if profile else None,
        subscriptions=tuple(await SqlSubscriptionStore(sessions).for_user(user)),
        requests=tuple(await SqlRequestStore(sessions).for_user(user)),
        grants=tuple(await SqlStaffStore(sessions).grants_of(user)),
    )
