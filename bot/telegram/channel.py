"""The Telegram channel's life cycle: connect, register the menu, poll or listen, stop cleanly.

Long polling by default; with a webhook URL the bot listens on the configured address and
Telegram posts updates to it, each checked against the secret token (a random one is made
for the run when none is configured). ``TARJOTIN_TELEGRAM_API_URL`` points the bot at another
Bot API server: Telegram's local server or the test server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hmac
import logging
import secrets
import traceback
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler

from bot.config import Settings
from bot.http_server import HttpServer
from bot.intake import Entry, FairIntake
from bot.pacing import ChannelLimits, Pacing, RetryPolicy
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.callbacks import SECRET_FILE, CallbackCodec, load_or_create_secret
from bot.telegram.commands import register_commands
from bot.telegram.inbox import TelegramInbox
from bot.telegram.limits import TELEGRAM_LIMITS, LimiterClosedError, TelegramLimiter
from bot.telegram.ordering import PerChatOrder
from bot.telegram.translate import user_id
from handlers.core.conversation import Conversation

log = logging.getLogger(__name__)

#: The header Telegram puts the webhook's secret token in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

#: The update types the bot needs; Telegram sends nothing else.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class WebhookConfig:
    """Where Telegram posts updates, where the bot listens, and the shared secret."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @property
    def path(self) -> str:
        """The URL path the bot serves (a reverse proxy may sit in front of it)."""
        return urlsplit(self.url).path.strip("/")


@dataclass(frozen=True)
class TelegramOptions:
    """Tuning knobs; the defaults suit production, tests shorten the waits."""

    poll_timeout: float = 30.0
    request_timeout: float = 10.0
    limits: ChannelLimits = TELEGRAM_LIMITS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    stop_grace: float = 5.0
    max_concurrent_updates: int = 256
    chat_queue_bound: int = 8
    """Updates a chat may have waiting before its plain questions are coalesced."""
    chat_queue_cap: int = 200
    """Updates a chat may have waiting at all (commands and buttons included)."""


def quiet_library_logs() -> None:
    """Keep message texts, names and the bot token out of the logs, whatever the log level.

    httpx logs every request URL (which holds the token) at INFO; python-telegram-bot logs
    request parameters and returned messages at DEBUG.
    """
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger("telegram").level))


def api_root(url: str) -> str:
    """A Bot API server's root URL (``https://host:port``), also when given with ``/bot``."""
    root = url.strip().rstrip("/")
    return root.removesuffix("/bot")


class TelegramChannel:
    """Telegram as a :class:`~bot.channels.Channel`."""

    name = "telegram"

    def __init__(
        self,
        conversation: Conversation,
        token: str,
        *,
        codec: CallbackCodec,
        api_url: str | None = None,
        webhook: WebhookConfig | None = None,
        options: TelegramOptions | None = None,
        default_language: str = "en",
    ) -> None:
        quiet_library_logs()
        self.conversation = conversation
        self.adapter = TelegramAdapter(conversation, codec)
        self.options = options or TelegramOptions()
        self.webhook = webhook
        self.default_language = default_language
        self.limiter = TelegramLimiter(self.options.limits, self.options.retry)
        #: The one pacer and retry policy of this channel, shared with its outbox drainer.
        self.pacing = Pacing(self.limiter.pacer, self.options.retry, charged_by_channel=True)
        self.intake = FairIntake(
            bound=self.options.chat_queue_bound,
            hard_cap=self.options.chat_queue_cap,
            max_active=self.options.max_concurrent_updates,
            may_coalesce=self._may_coalesce,
            on_overflow=self._tell_to_wait,
        )
        self.application = self._build(token, api_url)
        self._mounted = False
        #: With an inbox (two instances behind a load balancer), webhook updates are stored.
        self.inbox: TelegramInbox | None = None
        self._inbox_stop = asyncio.Event()
        self._inbox_task: asyncio.Task[None] | None = None

    def current_bot(self) -> ExtBot[Any]:
        """The application's bot (made when the channel is built, connected at start)."""
        bot: ExtBot[Any] = self.application.bot
        return bot

    def use_inbox(self, inbox: TelegramInbox) -> None:
        """Store webhook updates in the database inbox and answer them through the outbox.

        Only for a webhook mounted on the process's HTTP server; long polling stays in memory.
        """
        self.inbox = inbox

    def mount(self, http: HttpServer) -> None:
        """Take webhook updates on the process's HTTP server (mounted before it starts).

        The channel then opens no listener of its own: the webhook's listen address and port
        settings are unused.
        """
        if self.webhook is None:
            raise ValueError("no webhook URL is configured")
        http.add_route("POST", "/" + self.webhook.path, self._on_webhook)
        self._mounted = True

    def _build(self, token: str, api_url: str | None) -> AnyApplication:
        timeout = self.options.request_timeout
        builder = (
            Application.builder()
            .token(token)
            .rate_limiter(self.limiter)
            .concurrent_updates(PerChatOrder(self.intake, self.options.max_concurrent_updates))
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .write_timeout(timeout)
            .pool_timeout(timeout)
            .get_updates_connect_timeout(timeout)
            .get_updates_read_timeout(timeout)
        )
        if api_url:
            root = api_root(api_url)
            builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
        application: AnyApplication = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        """Connect (getMe), register the command menus, then poll or listen.

        If any step fails, what was started is stopped again before the error is raised.
        """
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        application = self.application
        await application.initialize()
        self.adapter.bot_username = application.bot.username
        self.adapter.bot_id = application.bot.id
        await register_commands(
            application.bot,
            self.conversation.flows.advertised,
            self.conversation.speaker,
            self.default_language,
        )
        await application.start()
        updater = application.updater
        assert updater is not None, "the application is built with an updater"
        if self.webhook is not None and self._mounted:
            await application.bot.set_webhook(
                self.webhook.url,
                secret_token=self.webhook.secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
            log.info("Telegram webhook set; updates arrive on the HTTP server")
            if self.inbox is not None:
                self._inbox_stop = asyncio.Event()
                worker = self.inbox.worker
                self._inbox_task = asyncio.create_task(worker.run(self._inbox_stop))
                log.info("Telegram updates are stored in the inbox before they are answered")
        elif self.webhook is not None:
            await updater.start_webhook(
                listen=self.webhook.listen,
                port=self.webhook.port,
                url_path=self.webhook.path,
                webhook_url=self.webhook.url,
                secret_token=self.webhook.secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
            log.info("Telegram webhook listening on %s:%d", self.webhook.listen, self.webhook.port)
        else:
            await updater.start_polling(
                poll_interval=0.0,
                timeout=dtm.timedelta(seconds=self.options.poll_timeout),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
            log.info("Telegram long polling started")

    async def stop(self) -> None:
        """Stop taking updates, finish what is in hand (within the grace period), disconnect."""
        application = self.application
        self.limiter.close(self.options.stop_grace)
        updater = application.updater
        if updater is not None and updater.running:
            await updater.stop()
        task, self._inbox_task = self._inbox_task, None
        if task is not None:
            self._inbox_stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), self.options.stop_grace)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.intake.close(self.options.stop_grace)
        if application.running:
            await application.stop()
        await application.shutdown()
        if self.limiter.dropped:
            log.warning("%d message(s) dropped at shutdown", self.limiter.dropped)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """One update posted by Telegram: checked against the secret, queued, acknowledged."""
        assert self.webhook is not None, "mounted only with a webhook"
        if not self.application.running:  # starting or stopping: Telegram sends it again
            return web.Response(status=503)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            if not isinstance(data, dict):
                return web.Response(status=400)
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if self.inbox is not None:
            return await self.inbox.store(update, data)
        await self.application.update_queue.put(update)
        return web.Response()

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.adapter.handle(update, context.bot)

    async def _may_coalesce(self, _chat: Hashable, entry: Entry) -> bool:
        """A burst may be coalesced unless a dialogue waits for the user's text."""
        update = entry.subject
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        return not await self.conversation.awaits_text(user_id(update.effective_user.id))

    async def _tell_to_wait(self, _chat: Hashable, entry: Entry) -> None:
        """One notice, in the user's language, when their private chat's queue overflows."""
        await self.adapter.tell_to_wait(entry.subject, self.application.bot)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failed update and carry on with the next one.

        Only the update id, the error's type and where it happened are logged: an error's
        message can quote what the user wrote (a database error quotes its parameters).
        """
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if isinstance(error, LimiterClosedError):  # stopping: its answer was not sent
            log.info("update %s not answered: the channel is stopping", update_id)
            return
        where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        log.error("update %s failed: %s\n%s", update_id, type(error).__name__, where.rstrip())


def build_telegram_channel(settings: Settings, conversation: Conversation) -> TelegramChannel:
    """The Telegram channel the settings describe (needs ``TARJOTIN_TELEGRAM_TOKEN``)."""
    if settings.telegram_token is None:
        raise ValueError("TARJOTIN_TELEGRAM_TOKEN is not set")
    codec = CallbackCodec(load_or_create_secret(settings.data_dir / SECRET_FILE))
    webhook = None
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        webhook = WebhookConfig(
            settings.telegram_webhook_url,
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
            *([secret.get_secret_value()] if secret else []),
        )
    return TelegramChannel(
        conversation,
        settings.telegram_token.get_secret_value(),
        codec=codec,
        api_url=settings.telegram_api_url,
        webhook=webhook,
        default_language=settings.default_language,
    )
