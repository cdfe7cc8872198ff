"""The single wiring place: every long-lived object is built here, from what it is given.

Nothing is constructed at import time anywhere in the project, and nothing is set on an
object after it is built. :func:`build_core` makes the conversation and every flow from the
stores, the clock, the translator and the options it is handed (SQL stores in production,
the fakes of ``tests/fakes.py`` in tests); :func:`build_runtime` adds what a running bot
needs over one database (the reminder planner, the outbox, the catalogue watcher);
:func:`build_reminder_service` the drainers of the running channels.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import heap
from bot.catalogue_watch import CatalogueWatcher, Replanner
from bot.channels import Channel
from bot.config import Settings
from bot.coordination_file import load_desks, with_catalogue_emails
from bot.erasures import AnnouncingDataRights, Erasures
from bot.outbox_drainer import OutboxDrainer
from bot.pacing import Pacing
from bot.scheduling import (
    Leadership,
    PeriodicJob,
    ReminderPlanner,
    ReminderService,
    ScheduleSource,
)
from bot.storage.broadcasts import SqlBroadcastStore
from bot.storage.calendar_feeds import SqlCalendarFeeds
from bot.storage.catalog_store import CatalogStore
from bot.storage.console_sessions import SqlConsoleSessions
from bot.storage.data_rights import SqlDataRights
from bot.storage.database import Database, database_url
from bot.storage.demand import SqlDemandStore
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.lease import SqlLease
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.report_data import SqlDeliveryStats
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from bot.storage.unit_of_work import SqlUnitsOfWork
from catalog.matching import Matcher, TermIndex
from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences import OccurrenceIndex
from catalog.parse import load_catalogue
from catalog.seasons import season_shift, shifted
from catalog.understanding import Understander
from catalog.understanding.normalise import tokenise
from handlers.coordination.console_signin import ConsoleFlow, ConsoleLinks
from handlers.coordination.permissions import Desk
from handlers.coordination.report_flow import ReportFlow, TrayReports
from handlers.coordination.request_desk import Coordination
from handlers.coordination.roles import Staffing
from handlers.coordination.whoami import WhoAmIFlow
from handlers.core.conversation import Conversation
from handlers.core.events import ChatId, UserId
from handlers.core.flows import FlowTable
from handlers.core.i18n import Speaker, Translator
from handlers.core.ports import (
    BroadcastStore,
    CalendarFeedStore,
    Clock,
    DeliveryStats,
    DemandStore,
    DialogueStore,
    Outbox,
    OutboxSender,
    OutgoingMessage,
    ProfileStore,
    RequestStore,
    StaffStore,
    SubscriberDirectory,
    SubscriptionListener,
    SubscriptionStore,
    UnitOfWorkFactory,
)
from handlers.newcomers.assistant import Assistant
from handlers.newcomers.assistant import Understander as UnderstanderPort
from handlers.newcomers.calendar import CalendarFlow, FeedLinks
from handlers.newcomers.contact import ContactFlow
from handlers.newcomers.data_rights import DataRights, DataRightsFlow
from handlers.newcomers.demand import DemandTally, Feedback
from handlers.newcomers.onboarding import Onboarding
from handlers.newcomers.questions import Questions
from handlers.newcomers.reminders import ReminderFlow, Reminders
from handlers.volunteers.broadcast_flow import Broadcasting
from handlers.volunteers.menu import Volunteering
from handlers.volunteers.notices import SessionNotices

log = logging.getLogger(__name__)

#: How often the leader follows up requests (e-mail fallback, raising again, retention).
FOLLOW_UP_EVERY = timedelta(minutes=1)

#: How often the leader looks for finished broadcasts to report.
REPORT_EVERY = timedelta(seconds=10)

#: How often the leader drops demand counters past their retention.
DEMAND_RETENTION_EVERY = timedelta(hours=6)

#: A full week of the demo catalogue; ``make run`` moves it onto the current week.
DEMO_WEEK = date(2026, 11, 23)


def demo_catalogue_path() -> Path:
    """The demo catalogue shipped with the package (four networks, invented data)."""
    return Path(str(resources.files("catalog").joinpath("data/demo-catalog.yaml")))


def temporary_database_url() -> str:
    """A private in-memory SQLite database that lives as long as its engine."""
    return f"sqlite+aiosqlite:///file:tarjotin-{uuid.uuid4().hex}?mode=memory&cache=shared&uri=true"


def configured_channels(
    settings: Settings, conversation: Conversation, erasures: Erasures | None = None
) -> list[Channel]:
    """The chat channels the settings turn on (imported only when configured).

    Those that keep per-person state of their own join ``erasures`` (told after /forget).
    """
    channels: list[Channel] = []
    if settings.telegram_enabled:
        from bot.telegram import build_telegram_channel

        channels.append(build_telegram_channel(settings, conversation))
    if settings.matrix_enabled:
        from bot.matrix import build_matrix_channel

        channels.append(build_matrix_channel(settings, conversation))
    if erasures is not None:
        erasures.join_channels(channels)
    return channels


def term_tokens(text: str, language: str) -> list[str]:
    """The normalised keys of a catalogue text, as the understanding produces for questions."""
    keys: list[str] = []
    for token in tokenise(text, language):
        keys += (token.text, token.folded, token.stem)
    return keys


def build_assistant(
    catalogue: Catalogue,
    changes: Iterable[OccurrenceChange] = (),
    *,
    translator: Translator | None = None,
    understander: UnderstanderPort | None = None,
    default_language: str = "en",
    calendar: FeedLinks | None = None,
) -> Assistant:
    """Wire an assistant for one catalogue version (indexes are built here, once)."""
    municipalities = {p.municipality for p in catalogue.places} | {
        m for n in catalogue.networks for m in n.municipalities
    }
    matcher = Matcher(
        catalogue, OccurrenceIndex(catalogue, changes), TermIndex(catalogue, term_tokens)
    )
    return Assistant(
        matcher,
        understander or Understander(sorted(municipalities)),
        translator or Translator(),
        default_language,
        calendar,
    )


class LiveAssistant:
    """Holds the assistant of the current catalogue; rebuilt after an import or a change."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant

    def __call__(self) -> Assistant:
        """The current assistant."""
        return self._assistant

    def replace(self, assistant: Assistant) -> None:
        """Swap in the assistant of a new catalogue version."""
        self._assistant = assistant


@dataclass
class App:
    """The wired application: storage, translations and settings."""

    settings: Settings
    database: Database
    catalog_store: CatalogStore
    translator: Translator
    profiles: SqlProfileStore

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.close()


async def build_app(settings: Settings) -> App:
    """Open the database, upgrade it to the newest schema and wire the parts together."""
    url = database_url(
        settings.data_dir,
        settings.database_url.get_secret_value() if settings.database_url else None,
    )
    database = await Database.open(url)
    return App(
        settings=settings,
        database=database,
        catalog_store=CatalogStore(database.sessions),
        translator=Translator(),
        profiles=SqlProfileStore(database.sessions),
    )


async def ensure_catalogue(app: App, *, quiet: bool = False) -> Catalogue:
    """The stored catalogue; an empty database is first filled from the configured file.

    With no ``TARJOTIN_CATALOG_FILE`` the demo catalogue is loaded, so the product can be tried
    without any setup.
    """
    if await app.catalog_store.is_empty():
        source = app.settings.catalog_file or demo_catalogue_path()
        if not quiet:
            print(f"Loading the catalogue {source} into an empty database.", file=sys.stderr)
        await app.catalog_store.apply(load_catalogue(source))
    return await app.catalog_store.load()


async def catalogue_at_start(app: App, today: date) -> Catalogue:
    """The catalogue ``run`` and ``chat`` start with; the demo is moved to ``today``'s week.

    Only when no catalogue file is configured and the database holds nothing or the demo
    (the same networks and activities): the demo's full week (:data:`DEMO_WEEK`) is moved by
    whole weeks onto the current one, so it is never empty, whatever the date.
    """
    if app.settings.catalog_file is not None:
        return await ensure_catalogue(app)
    demo = load_catalogue(demo_catalogue_path())
    if not await app.catalog_store.is_empty() and not is_demo(
        await app.catalog_store.load(), demo
    ):
        return await ensure_catalogue(app)
    await app.catalog_store.apply(shifted(demo, season_shift(DEMO_WEEK, today)))
    return await app.catalog_store.load()


def is_demo(stored: Catalogue, demo: Catalogue) -> bool:
    """Whether ``stored`` is the demo catalogue (perhaps moved to another week)."""

    def ids(catalogue: Catalogue) -> tuple[set[str], set[str]]:
        return {n.id for n in catalogue.networks}, {a.id for a in catalogue.activities}

    return ids(stored) == ids(demo)


# --- the core: every flow over the given stores (SQL in production, fakes in tests) ----------


@dataclass(frozen=True, slots=True)
class Options:
    """The settings the flows read (the rest of :class:`Settings` is for channels and storage)."""

    default_language: str = "en"
    request_raise_after: timedelta = timedelta(hours=24)
    request_retention: timedelta = timedelta(days=180)
    email_enabled: bool = False
    public_url: str | None = None
    demand_retention: timedelta = timedelta(days=730)

    @classmethod
    def of(cls, settings: Settings) -> Options:
        """The options the settings give."""
        return cls(
            settings.default_language,
            timedelta(hours=settings.request_raise_hours),
            timedelta(days=settings.request_retention_days),
            settings.email_enabled,
            settings.public_url,
            timedelta(days=settings.demand_retention_days),
        )

    @property
    def feed_links(self) -> FeedLinks | None:
        """Where the calendar feeds are reached, when the deployment says."""
        return FeedLinks(self.public_url) if self.public_url else None


@dataclass(frozen=True, slots=True)
class Stores:
    """Every store the conversation and its flows use."""

    profiles: ProfileStore
    dialogues: DialogueStore
    subscriptions: SubscriptionStore
    directory: SubscriberDirectory
    staff: StaffStore
    requests: RequestStore
    broadcasts: BroadcastStore
    outbox: Outbox
    units: UnitOfWorkFactory
    data_rights: DataRights
    calendar_feeds: CalendarFeedStore
    demand: DemandStore
    delivery: DeliveryStats
    console_links: ConsoleLinks | None = None
    """Sign-in links to the keepers' console (``None``: ``/console`` says it is not set up)."""


@dataclass(frozen=True, slots=True)
class Core:
    """The finished conversation and the flows the runner's periodic jobs need."""

    conversation: Conversation
    flows: FlowTable
    reminders: Reminders
    coordination: Coordination
    broadcasting: Broadcasting
    demand: DemandStore
    demand_retention: timedelta

    def jobs(self, catalogue: Callable[[], Catalogue], clock: Clock) -> list[PeriodicJob]:
        """The leader's periodic work: follow up requests, report finished broadcasts."""

        async def follow_up() -> object:
            return await self.coordination.follow_up(catalogue())

        async def reports() -> object:
            return await self.broadcasting.report_finished(clock())

        async def retention() -> object:
            return await self.demand.delete_before(clock().date() - self.demand_retention)

        return [
            PeriodicJob("requests", follow_up, FOLLOW_UP_EVERY),
            PeriodicJob("broadcast reports", reports, REPORT_EVERY),
            PeriodicJob("demand retention", retention, DEMAND_RETENTION_EVERY),
        ]


def build_core(
    assistant: Callable[[], Assistant],
    stores: Stores,
    *,
    clock: Clock,
    translator: Translator,
    listener: SubscriptionListener,
    desks: Mapping[str, Desk],
    links: Callable[[ChatId, str], str | None],
    options: Options = Options(),
) -> Core:
    """Every flow, their table and the conversation over them; nothing is set afterwards."""
    language = options.default_language

    def speakers(wanted: str | None) -> Speaker:
        return translator.speaker(wanted or language)

    def catalogue() -> Catalogue:
        return assistant().catalogue

    def occurrences() -> tuple[Catalogue, OccurrenceIndex]:
        current = assistant()
        return current.catalogue, current.matcher.occurrences

    broadcasting = Broadcasting(
        desks,
        stores.staff,
        stores.dialogues,
        stores.broadcasts,
        stores.directory,
        stores.outbox,
        stores.units,
        translator,
        clock,
        catalogue,
        language,
    )
    notices = SessionNotices(stores.directory, translator, clock, language)
    volunteering = Volunteering(
        desks, stores.staff, stores.dialogues, stores.units, occurrences, notices, broadcasting,
        clock,
    )
    coordination = Coordination(
        desks,
        stores.requests,
        stores.outbox,
        translator,
        clock,
        units=stores.units,
        request_raise_after=options.request_raise_after,
        retention=options.request_retention,
        email_enabled=options.email_enabled,
    )
    tally = DemandTally(stores.demand)
    contact = ContactFlow(
        stores.requests, stores.dialogues, coordination, clock, stores.units, tally
    )
    staffing = Staffing(desks, stores.staff, clock, links, stores.units)
    reminders = Reminders(stores.subscriptions, listener, clock)
    reminder_flow = ReminderFlow(reminders, speakers, tally)
    questions = Questions(assistant, stores.profiles, contact, reminder_flow, clock, tally)
    onboarding = Onboarding(stores.profiles, questions, speakers)
    data_rights = DataRightsFlow(stores.data_rights, stores.dialogues, questions.forget)
    calendar = CalendarFlow(stores.calendar_feeds, options.feed_links, clock)
    flows = FlowTable.of(
        (
            onboarding,
            questions,
            contact,
            reminder_flow,
            calendar,
            data_rights,
            volunteering,
            staffing,
            coordination,
            WhoAmIFlow(),
            ConsoleFlow(
                desks,
                stores.staff,
                stores.console_links,
                lambda: options.public_url,
                clock,
            ),
            Feedback(tally),
            ReportFlow(
                desks,
                stores.staff,
                TrayReports(stores.demand, stores.delivery, occurrences, clock),
                translator,
            ),
        )
    )
    conversation = Conversation(
        assistant, stores.profiles, stores.dialogues, clock, flows, questions, language
    )
    return Core(
        conversation,
        flows,
        reminders,
        coordination,
        broadcasting,
        stores.demand,
        options.demand_retention,
    )


# --- the running product: SQL stores, the planner, the outbox, the catalogue watcher ----------


class Doorbell:
    """Wakes the outbox drainers when a commit queued messages.

    Built before the drainers (they need the channels, which need the conversation); each
    drainer joins when it is built. Ringing with nobody there does nothing.
    """

    def __init__(self) -> None:
        self._wakers: list[Callable[[], None]] = []

    def join(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` at every ring from now on."""
        self._wakers.append(wake)

    def ring(self) -> None:
        """Wake everyone who joined."""
        for wake in self._wakers:
            wake()


class WakingOutbox:
    """The outbox for the flows: stores like :class:`SqlOutbox`, then rings the doorbell."""

    def __init__(self, outbox: SqlOutbox, ring: Callable[[], None]) -> None:
        self.outbox = outbox
        self.ring = ring

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        """Store the new messages, then wake the drainers if any was new."""
        inserted = await self.outbox.enqueue(messages, now)
        if inserted:
            self.ring()
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


@dataclass(frozen=True, slots=True)
class InviteLinks:
    """Deep links for invites: ``https://t.me/<bot>?start=<payload>`` on Telegram.

    ``telegram_bot`` gives the running bot's username (``None`` before it started, and on
    Matrix, which has no deep links).
    """

    telegram_bot: Callable[[], str | None]

    def __call__(self, chat: ChatId, payload: str) -> str | None:
        """The link that opens the bot with ``/start payload``, where there is one."""
        name = self.telegram_bot() if str(chat).startswith("telegram:") else None
        return f"https://t.me/{name}?start={payload}" if name else None


def with_fallback_chat(
    desks: Mapping[str, Desk], chat: ChatId, *, email: bool
) -> dict[str, Desk]:
    """Every desk that has no way to reach its coordinators gets ``chat`` as its chat."""
    return {
        network: desk
        if desk.chats or (email and desk.emails)
        else Desk(desk.network, desk.coordinators, (chat,), desk.emails)
        for network, desk in desks.items()
    }


def wall_clock(zone: ZoneInfo) -> Clock:
    """The real time in ``zone``: what the commands inject; tests inject a fixed clock."""

    def now() -> datetime:
        return datetime.now(zone)

    return now


def no_bot_name() -> str | None:
    """No Telegram bot runs (the terminal, the tests): invites carry codes, not links."""
    return None


def sql_stores(
    sessions: async_sessionmaker[AsyncSession],
    ring: Callable[[], None],
    on_catalogue_changed: Callable[[], Awaitable[object]],
    erasures: Erasures | None = None,
) -> Stores:
    """The SQL stores over one database; commits that queue messages ``ring``.

    After each /forget, ``erasures`` tells the channels that joined it (none by default).
    """
    outbox = WakingOutbox(SqlOutbox(sessions), ring)
    return Stores(
        profiles=SqlProfileStore(sessions),
        dialogues=SqlDialogueStore(sessions),
        subscriptions=SqlSubscriptionStore(sessions),
        directory=SqlSubscriptionStore(sessions),
        staff=SqlStaffStore(sessions),
        requests=SqlRequestStore(sessions),
        broadcasts=SqlBroadcastStore(sessions),
        outbox=outbox,
        units=SqlUnitsOfWork(
            sessions, on_enqueued=ring, on_catalogue_changed=on_catalogue_changed
        ),
        data_rights=AnnouncingDataRights(SqlDataRights(sessions), erasures or Erasures()),
        calendar_feeds=SqlCalendarFeeds(sessions),
        demand=SqlDemandStore(sessions),
        delivery=SqlDeliveryStats(sessions),
        console_links=SqlConsoleSessions(sessions),
    )


class Unplanned:
    """The listener where no reminder planner runs: subscriptions are stored, nothing planned.

    For the benchmarks of answering, which time the conversation and not the planner.
    """

    async def subscriptions_changed(self, user: UserId) -> None:
        """Nothing to plan."""

    async def forgotten(self, user: UserId) -> None:
        """Nothing planned to drop."""


async def _no_reload() -> None:
    """No catalogue watcher to tell."""


def build_sql_core(
    assistant: Callable[[], Assistant],
    sessions: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    translator: Translator,
    options: Options | None = None,
) -> Core:
    """The conversation over one database's stores, without planner, outbox or watcher.

    What the answering benchmarks and the channel tests run: every flow is there, but no
    reminder is planned and no catalogue change is reloaded.
    """
    return build_core(
        assistant,
        sql_stores(sessions, lambda: None, _no_reload),
        clock=clock,
        translator=translator,
        listener=Unplanned(),
        desks={},
        links=InviteLinks(no_bot_name),
        options=options or Options(),
    )


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything a running bot needs besides its channels, finished and wired."""

    core: Core
    live: LiveAssistant
    planner: ReminderPlanner
    watcher: CatalogueWatcher
    outbox: SqlOutbox
    doorbell: Doorbell
    clock: Clock
    erasures: Erasures
    desks: Mapping[str, Desk] = field(default_factory=dict)
    """The coordination desks the flows were built with (the console checks roles with them)."""

    @property
    def conversation(self) -> Conversation:
        """The conversation every channel talks to."""
        return self.core.conversation


async def build_runtime(
    app: App,
    catalogue: Catalogue,
    *,
    clock: Clock,
    bot_name: Callable[[], str | None] = no_bot_name,
    fallback_chat: ChatId | None = None,
) -> Runtime:
    """The conversation over ``catalogue`` (stored in ``app``) with reminders and every flow.

    ``clock`` is the only source of "now"; ``bot_name`` gives the Telegram bot's username for
    invite links once its channel runs; requests of a network with no coordinator chat or
    e-mail go to ``fallback_chat`` when one is given (the terminal shows them there).
    """
    settings, sessions = app.settings, app.database.sessions
    changes = await app.catalog_store.occurrence_changes()
    live = LiveAssistant(
        build_assistant(
            catalogue,
            changes,
            translator=app.translator,
            default_language=settings.default_language,
            calendar=Options.of(settings).feed_links,
        )
    )
    # Build this season's occurrence months now rather than on the first questions.
    await asyncio.to_thread(live().matcher.warm, clock().date())
    doorbell = Doorbell()
    erasures = Erasures()  # the channels join once they are built (they need the core)

    def source() -> ScheduleSource:
        assistant = live()
        return ScheduleSource(assistant.catalogue, assistant.matcher.occurrences)

    outbox = SqlOutbox(sessions)
    planner = ReminderPlanner(
        SqlSubscriptionStore(sessions),
        outbox,
        app.translator,
        source,
        clock,
        default_language=settings.default_language,
        on_enqueued=doorbell.ring,
        calendar=Options.of(settings).feed_links,
    )
    watcher = build_catalogue_watcher(app, live, (catalogue, changes), planner)
    await watcher.check()  # the baseline fingerprint, so that the next change is seen
    desks = with_catalogue_emails(load_desks(settings.coordination_file), catalogue)
    if fallback_chat is not None:
        desks = with_fallback_chat(desks, fallback_chat, email=settings.email_enabled)
    core = build_core(
        live,
        sql_stores(sessions, doorbell.ring, watcher.check, erasures),
        clock=clock,
        translator=app.translator,
        listener=planner,
        desks=desks,
        links=InviteLinks(bot_name),
        options=Options.of(settings),
    )
    return Runtime(core, live, planner, watcher, outbox, doorbell, clock, erasures, desks)


def build_reminder_service(
    app: App,
    runtime: Runtime,
    senders: Mapping[str, tuple[OutboxSender, Pacing]],
    *,
    skip: Sequence[str] = (),
) -> ReminderService:
    """One drainer per channel (its sender, pacer and retry policy) under one service.

    ``skip``: categories its drainers leave alone (replies, when each instance sends its own).
    """
    drainers = [
        OutboxDrainer(
            runtime.outbox,
            sender,
            channel,
            runtime.clock,
            pacer=pacing.pacer,
            charge=not pacing.charged_by_channel,
            retry=pacing.retry,
            on_blocked=runtime.conversation.on_blocked,
            skip=skip,
        )
        for channel, (sender, pacing) in senders.items()
    ]
    for drainer in drainers:
        runtime.doorbell.join(drainer.wake)
    jobs = runtime.core.jobs(lambda: runtime.live().catalogue, runtime.clock)
    leadership = Leadership(SqlLease(app.database.sessions, "reminders"), runtime.clock)
    return ReminderService(runtime.planner, drainers, leadership, jobs=jobs)


def attach_inbox(app: App, runtime: Runtime, channels: Iterable[Channel]) -> list[OutboxDrainer]:
    """With ``TARJOTIN_TELEGRAM_INBOX``: webhook updates go through the database inbox.

    Gives the replies drainer every instance runs (not only the leader): it sends the replies
    its own inbox worker enqueued at once, in each chat's order, with the channel's pacer.
    Without the setting, or without a Telegram channel, nothing changes and none is given.
    """
    if not app.settings.telegram_inbox:
        return []
    from bot.storage.inbox import SqlInbox
    from bot.storage.outbox import REPLY
    from bot.telegram.channel import TelegramChannel
    from bot.telegram.inbox import TelegramInbox
    from bot.telegram.outbox_sender import TelegramOutbox

    drainers: list[OutboxDrainer] = []
    hold = timedelta(seconds=app.settings.inbox_claim_seconds)
    for channel in channels:
        if not isinstance(channel, TelegramChannel):
            continue
        limits = channel.options.limits
        channel.use_inbox(
            TelegramInbox(
                SqlInbox(app.database.sessions),
                channel.adapter,
                channel.current_bot,
                runtime.clock,
                on_enqueued=runtime.doorbell.ring,
                hold=hold,
                max_active=channel.options.max_concurrent_updates,
            )
        )
        drainer = OutboxDrainer(
            runtime.outbox,
            TelegramOutbox(channel),
            channel.name,
            runtime.clock,
            pacer=channel.pacing.pacer,
            charge=not channel.pacing.charged_by_channel,
            retry=channel.pacing.retry,
            on_blocked=runtime.conversation.on_blocked,
            categories=(REPLY,),
            idle_poll=1.0,
            min_idle=0.05,
            # A killed instance's claimed replies go to another instance as soon as its chats
            # do; a batch is about a second of sending, well inside that hold.
            hold=hold,
            batch=max(1, int(limits.overall / max(limits.overall_window, 1e-3))),
        )
        runtime.doorbell.join(drainer.wake)
        drainers.append(drainer)
    return drainers


def telegram_bot_name(channels: Iterable[Channel]) -> Callable[[], str | None]:
    """The running Telegram bot's username, for invite links (``None`` before it started).

    ``channels`` is read when a link is made, so it may be filled after this is built.
    """

    def name() -> str | None:
        for channel in channels:
            if channel.name == "telegram":
                from bot.telegram.channel import TelegramChannel

                assert isinstance(channel, TelegramChannel)
                try:
                    username: str | None = channel.application.bot.username
                    return username
                except RuntimeError:  # not initialised yet
                    return None
        return None

    return name


def email_senders(settings: Settings) -> dict[str, tuple[OutboxSender, Pacing]]:
    """The e-mail sender for the outbox when an SMTP server is configured (else none)."""
    if not settings.email_enabled:
        return {}
    from bot.email import EMAIL_LIMITS, SmtpSender

    return {"email": (SmtpSender.from_settings(settings), Pacing.of(EMAIL_LIMITS))}


def channel_senders(channels: Iterable[Channel]) -> dict[str, tuple[OutboxSender, Pacing]]:
    """Each running chat channel's outbox sender and its one pacer and retry policy.

    The pacing is the channel's own (its replies use it too), so replies and the outbox share
    the platform's limits.
    """
    senders: dict[str, tuple[OutboxSender, Pacing]] = {}
    for channel in channels:
        if channel.name == "telegram":
            from bot.telegram.channel import TelegramChannel
            from bot.telegram.outbox_sender import TelegramOutbox

            assert isinstance(channel, TelegramChannel)
            senders["telegram"] = (TelegramOutbox(channel), channel.pacing)
        elif channel.name == "matrix":
            from bot.matrix.channel import MatrixChannel
            from bot.matrix.outbox_sender import MatrixOutbox

            assert isinstance(channel, MatrixChannel)
            senders["matrix"] = (MatrixOutbox(channel), channel.pacing)
    return senders


def build_catalogue_watcher(
    app: App,
    live: LiveAssistant,
    current: tuple[Catalogue, list[OccurrenceChange]],
    replanner: Replanner | None,
) -> CatalogueWatcher:
    """A watcher that swaps in a new assistant when the stored catalogue changes."""

    async def load() -> tuple[Catalogue, list[OccurrenceChange]]:
        return await app.catalog_store.load(), await app.catalog_store.occurrence_changes()

    def swap(catalogue: Catalogue, changes: list[OccurrenceChange]) -> None:
        # The understander (lexicons, language models) does not depend on the catalogue
        # beyond municipality names it already knows: keep it rather than load it again.
        def replace() -> None:
            live.replace(
                build_assistant(
                    catalogue,
                    changes,
                    translator=app.translator,
                    understander=live().understander,
                    default_language=app.settings.default_language,
                    calendar=Options.of(app.settings).feed_links,
                )
            )

        heap.resettle(replace)  # the old version's objects go back to the collector

    return CatalogueWatcher(app.catalog_store.fingerprint, load, swap, current, replanner)
