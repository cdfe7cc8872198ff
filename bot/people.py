"""Wiring of the people around newcomers: roles, volunteers' changes, broadcasts, requests.

Part of the single wiring place (:mod:`bot.bootstrap` calls :func:`build_people`): every
store, flow and periodic job of that side of the product is built here from the settings,
the database and the live assistant, and nothing else constructs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalogue_watch import CatalogueWatcher
from bot.config import Settings
from bot.coordination import load_desks, with_catalogue_emails
from bot.scheduling import PeriodicJob
from bot.storage import erasure
from bot.storage.broadcasts import SqlBroadcastStore
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.models import OutboxRow
from bot.storage.outbox import SqlOutbox, State
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from bot.storage.unit_of_work import SqlUnitsOfWork
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.broadcasting import Broadcasting
from handlers.contact import ContactFlow
from handlers.coordination import Coordination
from handlers.data_rights import UserData
from handlers.events import ChatId, UserId
from handlers.i18n import Translator
from handlers.ports import Clock, OutgoingMessage
from handlers.routing import PeopleRouter
from handlers.session_notices import SessionNotices
from handlers.staffing import Staffing
from handlers.volunteering import Volunteering

#: How often the leader follows up requests (e-mail fallback, raising again, retention).
FOLLOW_UP_EVERY = timedelta(minutes=1)

#: How often the leader looks for finished broadcasts to report.
REPORT_EVERY = timedelta(seconds=10)


class WakingOutbox:
    """The outbox for the flows: stores like :class:`SqlOutbox`, then wakes the drainers.

    The drainers are known only once the channels exist, so ``wake`` is set late.
    """

    def __init__(self, outbox: SqlOutbox) -> None:
        self.outbox = outbox
        self.wake: Callable[[], None] = lambda: None

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        """Store the new messages, then wake the drainers if any was new."""
        inserted = await self.outbox.enqueue(messages, now)
        if inserted:
            self.wake()
        return inserted

    async def tally(self, batch: str) -> dict[str, int]:
        """Rows of the batch per state."""
        return await self.outbox.tally(batch)

    async def withdraw_batch(self, batch: str) -> int:
        """Delete the batch's waiting rows."""
        return await self.outbox.withdraw_batch(batch)

    async def key_for_platform_message(self, chat: ChatId, message_id: str) -> str | None:
        """The key of the row that became this platform message."""
        return await self.outbox.key_for_platform_message(chat, message_id)


class SqlDataRights:
    """``/mydata`` and ``/forget`` over every table (see :mod:`bot.storage.erasure`)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def data_of(self, user: UserId) -> UserData:
        """Everything stored about ``user``, including how many messages wait for them."""
        stored = await erasure.user_data(self.sessions, user)
        async with self.sessions() as session:
            queued = await session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    OutboxRow.user_id == str(user),
                    OutboxRow.state.in_([State.PENDING.value, State.SENDING.value]),
                )
            )
        return UserData(
            await SqlProfileStore(self.sessions).get(user),
            stored.subscriptions,
            stored.requests,
            stored.grants,
            int(queued or 0),
        )

    async def forget(self, user: UserId) -> None:
        """Delete every row about ``user`` in one transaction."""
        await erasure.forget_user(self.sessions, user)


def _nobody() -> str | None:
    return None


@dataclass
class InviteLinks:
    """Deep links for invites; the Telegram bot's name is known once the channel started."""

    telegram_bot: Callable[[], str | None] = _nobody

    def __call__(self, chat: ChatId, payload: str) -> str | None:
        """``https://t.me/<bot>?start=<payload>`` on Telegram; Matrix has no deep links."""
        name = self.telegram_bot() if str(chat).startswith("telegram:") else None
        return f"https://t.me/{name}?start={payload}" if name else None


@dataclass
class PeopleParts:
    """The flows and what the runner needs of them (jobs, the outbox to wake, links)."""

    router: PeopleRouter
    data_rights: SqlDataRights
    coordination: Coordination
    broadcasting: Broadcasting
    outbox: WakingOutbox
    watcher: CatalogueWatcher
    links: InviteLinks = field(default_factory=InviteLinks)

    def jobs(self, catalogue: Callable[[], Catalogue], clock: Clock) -> list[PeriodicJob]:
        """The leader's periodic work: follow up requests, report finished broadcasts."""

        async def follow_up() -> object:
            return await self.coordination.follow_up(catalogue())

        async def reports() -> object:
            return await self.broadcasting.report_finished(clock())

        return [
            PeriodicJob("requests", follow_up, FOLLOW_UP_EVERY),
            PeriodicJob("broadcast reports", reports, REPORT_EVERY),
        ]


def build_people(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    translator: Translator,
    catalogue: Callable[[], Catalogue],
    occurrences: Callable[[], tuple[Catalogue, OccurrenceIndex]],
    watcher: CatalogueWatcher,
    clock: Clock,
) -> PeopleParts:
    """Every store and flow of the people around newcomers, over one database."""
    desks = with_catalogue_emails(load_desks(settings.coordination_file), catalogue())
    dialogues = SqlDialogueStore(sessions)
    staff = SqlStaffStore(sessions)
    requests = SqlRequestStore(sessions)
    outbox = WakingOutbox(SqlOutbox(sessions))
    units = SqlUnitsOfWork(
        sessions, on_enqueued=lambda: outbox.wake(), on_catalogue_changed=watcher.check
    )
    directory = SqlSubscriptionStore(sessions)
    language = settings.default_language
    notices = SessionNotices(directory, translator, clock, language)
    broadcasting = Broadcasting(
        desks,
        staff,
        dialogues,
        SqlBroadcastStore(sessions),
        directory,
        outbox,
        units,
        translator,
        clock,
        catalogue,
        language,
    )
    volunteering = Volunteering(
        desks, staff, dialogues, units, occurrences, notices, broadcasting, clock
    )
    coordination = Coordination(
        desks,
        requests,
        outbox,
        translator,
        clock,
        units=units,
        request_raise_after=timedelta(hours=settings.request_raise_hours),
        retention=timedelta(days=settings.request_retention_days),
        email_enabled=settings.email_enabled,
    )
    links = InviteLinks()
    router = PeopleRouter(
        ContactFlow(requests, dialogues, coordination, clock, units),
        coordination,
        volunteering,
        Staffing(desks, staff, clock, links, units),
        dialogues,
    )
    return PeopleParts(
        router, SqlDataRights(sessions), coordination, broadcasting, outbox, watcher, links
    )
