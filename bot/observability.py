"""Wiring the HTTP server's readiness checks, metrics and calendar feeds to the running bot.

:mod:`bot.http_server` serves the routes and :mod:`bot.metrics` formats the numbers; this
module only says where each check and number comes from in a ``tarjotin run`` process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.bootstrap import App, Runtime
from bot.calendar_feeds import CalendarFeeds
from bot.channels import Channel
from bot.console.editing import ServiceEditor
from bot.console.web import Console, Editor
from bot.console_wiring import build_console
from bot.http_server import Check, HttpServer, Readiness
from bot.intake import FairIntake
from bot.metrics import Metrics
from bot.outbox_drainer import OutboxDrainer
from bot.storage.calendar_feeds import SqlCalendarFeeds
from bot.storage.console_sessions import SqlConsoleSessions
from bot.storage.database import schema_at_head
from bot.storage.demand import SqlDemandStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.report_data import SqlDeliveryStats
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from bot.telegram.inbox import TelegramInbox
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.report_flow import TrayReports


def channel_ready(channel: Channel) -> bool:
    """Whether a channel is connected, or retrying to (its own loop reconnects)."""
    running = getattr(channel, "running", None)
    if isinstance(running, bool):
        return running
    application = getattr(channel, "application", None)  # Telegram's
    return bool(getattr(application, "running", True))


def build_http_server(
    app: App,
    runtime: Runtime,
    channels: Sequence[Channel],
    drainers: Iterable[OutboxDrainer],
) -> HttpServer | None:
    """The server the settings ask for (``None`` with ``TARJOTIN_HTTP_PORT=0``).

    A channel with a webhook takes its updates on this server (mounted here, before it starts).
    """
    settings = app.settings
    if not settings.http_enabled:
        return None
    metrics = Metrics(runtime.clock)
    readiness = Readiness()
    server = HttpServer(
        settings.http_listen, settings.http_port, metrics=metrics, readiness=readiness
    )

    async def database() -> bool:
        return await schema_at_head(app.database.engine)

    async def catalogue() -> bool:
        return bool(runtime.live().catalogue.networks)

    readiness.add("database", database)
    readiness.add("catalogue", catalogue)
    for channel in channels:
        readiness.add(f"channel:{channel.name}", _ready_check(channel))
        intake = getattr(channel, "intake", None)
        if isinstance(intake, FairIntake):
            metrics.watch_intake(channel.name, intake)
        inbox = getattr(channel, "inbox", None)
        if isinstance(inbox, TelegramInbox):  # updates are counted where they are handled
            metrics.watch_intake(channel.name, inbox.worker)
            metrics.sources.inbox = inbox.inbox.backlog
        mount = getattr(channel, "mount", None)
        if mount is not None and getattr(channel, "webhook", None) is not None:
            mount(server)
    metrics.watch_drainers(drainers)
    requests = SqlRequestStore(app.database.sessions)

    async def open_requests() -> int:
        networks = [network.id for network in runtime.live().catalogue.networks]
        return len(await requests.open_in(networks))

    CalendarFeeds(
        lambda: (runtime.live().catalogue, runtime.live().matcher.occurrences.changes()),
        SqlSubscriptionStore(app.database.sessions),
        app.profiles,
        SqlCalendarFeeds(app.database.sessions),
        runtime.clock,
        settings.default_language,
    ).mount(server)
    if settings.public_url:
        console(app, runtime, editor(app, runtime)).mount(server)
    metrics.sources.backlog = runtime.outbox.backlog
    metrics.sources.open_requests = open_requests
    metrics.sources.reloads = lambda: runtime.watcher.reloads
    return server


def console(app: App, runtime: Runtime, editor: Editor | None = None) -> Console:
    """The keepers' console over the running bot's catalogue, roles and database."""
    sessions = app.database.sessions

    def occurrences() -> tuple[Catalogue, OccurrenceIndex]:
        current = runtime.live()
        return current.catalogue, current.matcher.occurrences

    return Console(
        lambda: runtime.live().catalogue,
        SqlConsoleSessions(sessions),
        SqlStaffStore(sessions),
        runtime.desks,
        TrayReports(SqlDemandStore(sessions), SqlDeliveryStats(sessions), occurrences,
                    runtime.clock),
        app.translator,
        runtime.clock,
        editor=editor,
        default_language=app.settings.default_language,
    )


def editor(app: App, runtime: Runtime) -> ServiceEditor:
    """The console's editing over the database (:func:`bot.console_wiring.build_console`).

    A publication calls the catalogue watcher's check: the bot reloads, re-plans reminders and
    tells kind subscribers of new activities, exactly as after an import (issue 16).
    """
    return ServiceEditor(build_console(app, runtime))


def _ready_check(channel: Channel) -> Check:
    async def check() -> bool:
        return channel_ready(channel)

    return check
