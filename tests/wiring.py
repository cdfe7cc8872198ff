"""The conversation built through :func:`bot.bootstrap.build_core` over the fakes.

Tests that need a conversation build it here, so they go through the one wiring place the
product uses, with every flow present; they read the fakes back through :class:`FakeCore`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import Core, Options, Stores, build_core, build_sql_core
from catalog.model import Catalogue
from handlers.coordination.console_signin import ConsoleFlow
from handlers.coordination.permissions import Desk
from handlers.coordination.report_flow import ReportFlow
from handlers.coordination.request_desk import Coordination
from handlers.coordination.roles import Staffing
from handlers.coordination.whoami import WhoAmIFlow
from handlers.core.conversation import Conversation
from handlers.core.events import ChatId, UserId
from handlers.core.flows import FlowBase, FlowDeclaration, FlowTable
from handlers.core.i18n import Translator
from handlers.core.ports import Clock, ProfileStore
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.calendar import CalendarFlow
from handlers.newcomers.contact import ContactFlow
from handlers.newcomers.data_rights import DataRightsFlow, UserData
from handlers.newcomers.demand import Feedback
from handlers.newcomers.onboarding import Onboarding
from handlers.newcomers.questions import Questions
from handlers.newcomers.reminders import ReminderFlow
from handlers.volunteers.menu import Volunteering
from tests.fakes import (
    InMemoryBroadcasts,
    InMemoryCalendarFeeds,
    InMemoryCatalogueEditor,
    InMemoryConsoleSessions,
    InMemoryDemand,
    InMemoryDialogues,
    InMemoryListener,
    InMemoryOutbox,
    InMemoryProfiles,
    InMemoryRequests,
    InMemoryStaff,
    InMemorySubscriberDirectory,
    InMemorySubscriptions,
    InMemoryUnitsOfWork,
    NoDelivery,
)


def no_links(chat: ChatId, payload: str) -> str | None:
    """No deep links (as on Matrix): invites carry their codes."""
    return None


@dataclass
class InMemoryDataRights:
    """A DataRights over the in-memory stores."""

    profiles: ProfileStore
    subscriptions: InMemorySubscriptions
    requests: InMemoryRequests
    staff: InMemoryStaff
    dialogues: InMemoryDialogues
    outbox: InMemoryOutbox
    broadcasts: InMemoryBroadcasts
    calendar_feeds: InMemoryCalendarFeeds

    async def data_of(self, user: UserId) -> UserData:
        """What the fakes hold about ``user``."""
        queued = sum(
            1
            for entry in self.outbox.entries.values()
            if entry.message.user == user and entry.state == "pending"
        )
        return UserData(
            await self.profiles.get(user),
            tuple(await self.subscriptions.for_user(user)),
            tuple(await self.requests.for_user(user)),
            tuple(await self.staff.grants_of(user)),
            queued,
        )

    async def forget(self, user: UserId) -> None:
        """What ``bot.storage.erasure.forget_user`` does, over the fakes.

        Every outbox row to them or carrying their words (the forwards of their requests, each
        copy of a broadcast they sent, sent or not) goes; others' role records name
        ``FORGOTTEN``. The contract test ``tests/bot/storage/test_erasure_contract.py`` holds
        this and the SQL store to the same outcome.
        """
        requests = await self.requests.for_user(user)
        broadcasts = self.broadcasts.forget_sender(user)
        self.outbox.forget(user, [r.batch for r in requests] + [b.batch for b in broadcasts])
        await self.subscriptions.remove_all(user)
        await self.requests.forget_user(user)
        await self.dialogues.clear(user)
        await self.profiles.delete(user)
        self.staff.forget_user(user)
        self.calendar_feeds.forget(user)


@dataclass
class FakeCore:
    """The fakes a conversation was built over, and what :func:`build_core` returned."""

    catalogue: Catalogue
    clock: Clock
    profiles: InMemoryProfiles = field(default_factory=InMemoryProfiles)
    dialogues: InMemoryDialogues = field(default_factory=InMemoryDialogues)
    subscriptions: InMemorySubscriptions = field(default_factory=InMemorySubscriptions)
    listener: InMemoryListener = field(default_factory=InMemoryListener)
    staff: InMemoryStaff = field(default_factory=InMemoryStaff)
    requests: InMemoryRequests = field(default_factory=InMemoryRequests)
    broadcasts: InMemoryBroadcasts = field(default_factory=InMemoryBroadcasts)
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)
    calendar_feeds: InMemoryCalendarFeeds = field(default_factory=InMemoryCalendarFeeds)

    demand: InMemoryDemand = field(default_factory=InMemoryDemand)
    delivery: NoDelivery = field(default_factory=NoDelivery)
    console: InMemoryConsoleSessions = field(default_factory=InMemoryConsoleSessions)

    def __post_init__(self) -> None:
        self.directory = InMemorySubscriberDirectory(self.subscriptions, self.profiles)
        self.units = InMemoryUnitsOfWork(
            dialogues=self.dialogues,
            outbox=self.outbox,
            directory=self.directory,
            broadcasts=self.broadcasts,
            requests=self.requests,
            staff=self.staff,
            editor=InMemoryCatalogueEditor(self.catalogue),
        )
        self.data_rights = InMemoryDataRights(
            self.profiles, self.subscriptions, self.requests, self.staff, self.dialogues,
            self.outbox, self.broadcasts, self.calendar_feeds,
        )

    @property
    def stores(self) -> Stores:
        """The fakes as the stores :func:`build_core` takes."""
        return Stores(
            profiles=self.profiles,
            dialogues=self.dialogues,
            subscriptions=self.subscriptions,
            directory=self.directory,
            staff=self.staff,
            requests=self.requests,
            broadcasts=self.broadcasts,
            outbox=self.outbox,
            units=self.units,
            data_rights=self.data_rights,
            calendar_feeds=self.calendar_feeds,

            demand=self.demand,
            delivery=self.delivery,
            console_links=self.console,
        )

    def build(
        self,
        assistant: Callable[[], Assistant],
        *,
        desks: Mapping[str, Desk] | None = None,
        links: Callable[[ChatId, str], str | None] = no_links,
        options: Options | None = None,
        translator: Translator | None = None,
    ) -> Core:
        """The core over these fakes (the assistant's translator unless another is given)."""
        return build_core(
            assistant,
            self.stores,
            clock=self.clock,
            translator=translator or assistant().translator,
            listener=self.listener,
            desks=desks or {},
            links=links,
            options=options or Options(),
        )


def fake_conversation(
    assistant: Assistant, clock: Clock, profiles: InMemoryProfiles | None = None
) -> Conversation:
    """A conversation with every flow over fresh fakes (``profiles`` when the test holds it)."""
    fakes = FakeCore(assistant.catalogue, clock, profiles=profiles or InMemoryProfiles())
    return fakes.build(lambda: assistant).conversation


def sql_conversation(
    assistant: Assistant, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> Conversation:
    """A conversation with every flow over the SQL stores of one database (no planner)."""
    core = build_sql_core(
        lambda: assistant, sessions, clock=clock, translator=assistant.translator
    )
    return core.conversation


@dataclass
class _Declared(FlowBase):
    """A stand-in flow with a real declaration, for tests that need only the table's names."""

    declaration: FlowDeclaration


def declared_table() -> FlowTable:
    """The product's flow table from the flows' declarations alone (adapter tests).

    The same flows as :func:`bot.bootstrap.build_core` wires, in its order; that test
    ``tests/handlers/core/test_flow_table.py`` checks the order of the wired table.
    """
    flows = (
        Onboarding,
        Questions,
        ContactFlow,
        ReminderFlow,
        CalendarFlow,
        DataRightsFlow,
        Volunteering,
        Staffing,
        Coordination,
        WhoAmIFlow,
        ConsoleFlow,
        Feedback,
        ReportFlow,
    )
    return FlowTable.of(_Declared(flow.declaration) for flow in flows)
