"""The single wiring place: builds every long-lived object from the settings.

Nothing is constructed at import time anywhere in the project; commands and tests call
:func:`build_app` (or build the parts they need by hand, with fakes).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.catalogue_watch import CatalogueWatcher, Replanner
from bot.channels import Channel
from bot.config import Settings
from bot.outbox import ChannelLimits, OutboxDrainer
from bot.people import PeopleParts, build_people
from bot.scheduling import Leadership, ReminderPlanner, ReminderService, ScheduleSource
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from bot.storage.lease import SqlLease
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from catalog.matching import Matcher, TermIndex
from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences import OccurrenceIndex
from catalog.parse import load_catalogue
from catalog.understanding import Understander
from catalog.understanding.normalise import tokenise
from handlers.assistant import Assistant
from handlers.assistant import Understander as UnderstanderPort
from handlers.conversation import Conversation
from handlers.i18n import Translator
from handlers.ports import Clock, OutboxSender
from handlers.reminders import Reminders

log = logging.getLogger(__name__)


def demo_catalogue_path() -> Path:
    """The demo catalogue shipped with the package (four networks, invented data)."""
    return Path(str(resources.files("catalog").joinpath("data/demo-catalog.yaml")))


def temporary_database_url() -> str:
    """A private in-memory SQLite database that lives as long as its engine."""
    return f"sqlite+aiosqlite:///file:tarjotin-{uuid.uuid4().hex}?mode=memory&cache=shared&uri=true"


def configured_channels(settings: Settings, conversation: Conversation) -> list[Channel]:
    """The chat channels the settings turn on (imported only when configured)."""
    channels: list[Channel] = []
    if settings.telegram_enabled:
        from bot.telegram import build_telegram_channel

        channels.append(build_telegram_channel(settings, conversation))
    if settings.matrix_enabled:
        from bot.matrix import build_matrix_channel

        channels.append(build_matrix_channel(settings, conversation))
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


async def build_conversation(
    app: App, *, with_reminders: bool = False
) -> tuple[Conversation, LiveAssistant, ReminderParts | None]:
    """The conversation core over the stored catalogue, with a live assistant to reload.

    ``with_reminders`` wires subscriptions in (the chat channels have them; the terminal
    chat, which cannot send anything unprompted, does not).
    """
    catalogue = await ensure_catalogue(app)
    changes = await app.catalog_store.occurrence_changes()
    live = LiveAssistant(
        build_assistant(
            catalogue,
            changes,
            translator=app.translator,
            default_language=app.settings.default_language,
        )
    )
    zone = ZoneInfo(catalogue.timezone)
    # Build this season's occurrence months now rather than on the first questions.
    await asyncio.to_thread(live().matcher.warm, datetime.now(zone).date())

    def clock() -> datetime:
        return datetime.now(zone)

    parts = build_reminders(app, live, clock) if with_reminders else None
    people = None
    if parts is not None:  # the chat channels: volunteers, broadcasts, the coordinator too
        watcher = build_catalogue_watcher(app, live, (catalogue, changes), parts.planner)
        await watcher.check()  # the baseline fingerprint, so that the next change is seen
        people = build_people(
            app.settings,
            app.database.sessions,
            app.translator,
            lambda: live().catalogue,
            lambda: (live().catalogue, live().matcher.occurrences),
            watcher,
            clock,
        )
        parts.people = people
    conversation = Conversation(
        live,
        app.profiles,
        clock,
        app.settings.default_language,
        reminders=parts.reminders if parts else None,
        people=people.router if people else None,
        data_rights=people.data_rights if people else None,
    )
    return conversation, live, parts


@dataclass
class ReminderParts:
    """The reminder machinery over one database: subscriptions, outbox, planner."""

    subscriptions: SqlSubscriptionStore
    outbox: SqlOutbox
    planner: ReminderPlanner
    reminders: Reminders
    people: PeopleParts | None = None


def build_reminders(app: App, live: LiveAssistant, clock: Clock) -> ReminderParts:
    """Subscriptions and the planner that turns them into outbox rows."""
    subscriptions = SqlSubscriptionStore(app.database.sessions)
    outbox = SqlOutbox(app.database.sessions)

    def source() -> ScheduleSource:
        assistant = live()
        return ScheduleSource(assistant.catalogue, assistant.matcher.occurrences)

    planner = ReminderPlanner(
        subscriptions,
        outbox,
        app.translator,
        source,
        clock,
        default_language=app.settings.default_language,
    )
    return ReminderParts(subscriptions, outbox, planner, Reminders(subscriptions, planner, clock))


def build_reminder_service(
    app: App,
    parts: ReminderParts,
    senders: Mapping[str, tuple[OutboxSender, ChannelLimits]],
    conversation: Conversation,
    clock: Clock,
) -> ReminderService:
    """One drainer per channel (its sender and limits) under one lease-holding service."""
    drainers = [
        OutboxDrainer(
            parts.outbox, sender, channel, clock, limits=limits, on_blocked=conversation.on_blocked
        )
        for channel, (sender, limits) in senders.items()
    ]

    def wake_drainers() -> None:
        for drainer in drainers:
            drainer.wake()

    parts.planner.on_enqueued = wake_drainers
    jobs = []
    if parts.people is not None:
        parts.people.outbox.wake = wake_drainers
        jobs = parts.people.jobs(lambda: parts.planner.source().catalogue, clock)
    leadership = Leadership(SqlLease(app.database.sessions, "reminders"), clock)
    return ReminderService(parts.planner, drainers, leadership, jobs=jobs)


def telegram_bot_name(channels: Iterable[Channel]) -> Callable[[], str | None]:
    """The running Telegram bot's username, for invite links (``None`` before it started)."""

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


def email_senders(settings: Settings) -> dict[str, tuple[OutboxSender, ChannelLimits]]:
    """The e-mail sender for the outbox when an SMTP server is configured (else none)."""
    if not settings.email_enabled:
        return {}
    from bot.email import EMAIL_LIMITS, SmtpSender

    return {"email": (SmtpSender.from_settings(settings), EMAIL_LIMITS)}


def channel_senders(channels: Iterable[Channel]) -> dict[str, tuple[OutboxSender, ChannelLimits]]:
    """The outbox sender and sending limits of each running chat channel, by channel name."""
    from bot.outbox import MATRIX_LIMITS, TELEGRAM_LIMITS

    senders: dict[str, tuple[OutboxSender, ChannelLimits]] = {}
    for channel in channels:
        if channel.name == "telegram":
            from bot.telegram.channel import TelegramChannel
            from bot.telegram.outbox import TelegramOutbox

            assert isinstance(channel, TelegramChannel)
            senders["telegram"] = (TelegramOutbox(channel), TELEGRAM_LIMITS)
        elif channel.name == "matrix":
            from bot.matrix.channel import MatrixChannel
            from bot.matrix.outbox import MatrixOutbox

            assert isinstance(channel, MatrixChannel)
            senders["matrix"] = (MatrixOutbox(channel), MATRIX_LIMITS)
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
        live.replace(
            build_assistant(
                catalogue,
                changes,
                translator=app.translator,
                understander=live().understander,
                default_language=app.settings.default_language,
            )
        )

    return CatalogueWatcher(app.catalog_store.fingerprint, load, swap, current, replanner)
