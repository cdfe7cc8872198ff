"""A fake Telegram Bot API server on 127.0.0.1, faithful enough to run PTB against.

It speaks Telegram's URL layout (``/bot<token>/<method>``) with JSON, urlencoded
and multipart bodies and Telegram's response envelope, and gives tests a Python
control surface: simulated users send messages and press buttons, the test
reads what the bot sent, blocks users, injects faults and waits without sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any

from aiohttp import web
from telegram import Bot, Chat, MessageEntity, Update, User
from telegram.request import HTTPXRequest

from tests.telegram_server.api import BotApi, Handler, Reply
from tests.telegram_server.errors import (
    ApiError,
    bad_request,
    not_found,
    too_many_requests,
    unauthorized,
)
from tests.telegram_server.faults import NGINX_PAGE, Fault, FaultPlan, as_fault
from tests.telegram_server.limits import Clock, FloodControl, RateLimits
from tests.telegram_server.params import Params, Upload
from tests.telegram_server.people import People, Sender
from tests.telegram_server.records import (
    AnsweredCallback,
    ApiCall,
    ChatAction,
    EditedMessage,
    SentMessage,
)
from tests.telegram_server.state import World
from tests.telegram_server.updates import UpdateQueue
from tests.telegram_server.waiting import Notifier
from tests.telegram_server.webhook import DeliveryPolicy, WebhookDelivery

DEFAULT_TOKEN = "123456789:AAHfakeTarjotinTestTokenXXXXXXXXXXXX"
_WELL_FORMED_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_MAX_BODY = 50 * 1024 * 1024


class FakeTelegramServer:
    """A Bot API server for one bot token, plus the test's view of the Telegram world."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "tarjotin_test_bot",
        bot_first_name: str = "Tarjotin",
        limits: RateLimits | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        privacy_mode: bool = True,
        webhook_policy: DeliveryPolicy | None = None,
        callback_ttl: float = 15.0,
        first_update_id: int = 1,
    ) -> None:
        if not _WELL_FORMED_TOKEN.fullmatch(token):
            raise ValueError("a bot token looks like '<digits>:<letters>'")
        self.token = token
        self._clock = clock
        self._notifier = Notifier()
        self._closing = asyncio.Event()
        self.bot_user = User(
            id=int(token.split(":", 1)[0]),
            first_name=bot_first_name,
            is_bot=True,
            username=bot_username,
            can_join_groups=True,
            can_read_all_group_messages=not privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        author = User(self.bot_user.id, bot_first_name, is_bot=True, username=bot_username)
        self.world = World(author, wall_clock, self._notifier)
        self.queue = UpdateQueue(self._notifier, first_update_id)
        self.webhook = WebhookDelivery(
            self.queue, self._notifier, webhook_policy or DeliveryPolicy(), wall_clock
        )
        self._people = People(self.world, self.queue, privacy_mode=privacy_mode, clock=clock)
        self._api = BotApi(
            self.bot_user,
            self.world,
            self.queue,
            FloodControl(limits or RateLimits(), clock),
            self.webhook,
            clock=clock,
            callback_ttl=callback_ttl,
            closing=self._closing,
        )
        self._handlers: dict[str, Handler] = self._api.handlers()
        self._faults = FaultPlan()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        await self.webhook.open()

    async def stop(self) -> None:
        """Release held long polls and hanging faults, stop webhooks, close the port."""
        self._closing.set()
        self._notifier.notify()
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Give the server's root URL."""
        if self._port is None:
            raise RuntimeError("start() the server first")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Give the value for PTB's ``base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Give the value for PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    def make_bot(self, *, token: str | None = None, timeout: float = 5.0) -> Bot:
        """Build a PTB ``Bot`` pointed at this server (uninitialised, like any new Bot)."""
        return Bot(
            token or self.token,
            base_url=self.base_url,
            base_file_url=self.base_file_url,
            request=HTTPXRequest(read_timeout=timeout, connect_timeout=timeout),
            get_updates_request=HTTPXRequest(read_timeout=timeout, connect_timeout=timeout),
        )

    # --- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        token = request.match_info["token"]
        if not _WELL_FORMED_TOKEN.fullmatch(token):
            return self._log(method, {}, _error_response(not_found()))
        if token != self.token:
            return self._log(method, {}, _error_response(unauthorized()))
        try:
            params = Params(await _read_params(request))
        except ApiError as error:
            return self._log(method, {}, _error_response(error))
        fault = self._faults.take(method)
        if fault is not None and not fault.apply:
            return self._log(method, params.raw(), await self._fail(request, fault))
        response = await self._call(method, params)
        if fault is not None:
            return self._log(method, params.raw(), await self._fail(request, fault))
        return self._log(method, params.raw(), response)

    async def _call(self, method: str, params: Params) -> web.Response:
        handler = self._handlers.get(method.lower())
        if handler is None:
            return _error_response(not_found())
        try:
            outcome = await handler(params)
        except ApiError as error:
            return _error_response(error)
        reply = outcome if isinstance(outcome, Reply) else Reply(outcome)
        body: dict[str, Any] = {"ok": True, "result": reply.result}
        if reply.description:
            body["description"] = reply.description
        return web.json_response(body, dumps=_dumps)

    async def _fail(self, request: web.Request, fault: Fault) -> web.Response:
        """Answer as Telegram's front end does when something breaks."""
        if fault.kind == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
            return _nginx_page(HTTPStatus.GATEWAY_TIMEOUT)
        if fault.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)
        status = HTTPStatus(fault.status)
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            return _error_response(too_many_requests(fault.retry_after))
        if status >= 500 and status != HTTPStatus.INTERNAL_SERVER_ERROR:
            return _nginx_page(status)
        description = fault.description or status.phrase
        return _error_response(ApiError(status, description))

    def _log(self, method: str, params: dict[str, Any], response: web.Response) -> web.Response:
        description = None
        if response.status != HTTPStatus.OK and response.content_type == "application/json":
            body = response.body
            if isinstance(body, bytes):
                description = json.loads(body).get("description")
        self.world.calls.append(
            ApiCall(method, params, response.status, description, self._clock())
        )
        self._notifier.notify()
        return response

    # --- simulated users --------------------------------------------------------------------

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = Chat.PRIVATE,
        language_code: str | None = "en",
        chat_id: int | None = None,
        entities: Sequence[MessageEntity] | None = None,
        reply_to_message_id: int | None = None,
        chat_title: str | None = None,
    ) -> Update:
        """Simulate a user sending text; commands and @mentions get entities unless given.

        In groups (``chat_type='group'``/``'supergroup'`` with a negative ``chat_id``)
        privacy mode hides messages that are not commands, mentions of the bot or
        replies to it: the Update is built but never reaches the bot.
        """
        sender = self._sender(user_id, chat_type, chat_id, language_code, chat_title)
        return self._people.sends_text(
            sender, text, entities=entities, reply_to_message_id=reply_to_message_id
        )

    def user_starts(
        self, user_id: int, payload: str | None = None, *, language_code: str | None = "en"
    ) -> Update:
        """Simulate a user opening the bot (``/start`` or a deep link ``/start <payload>``)."""
        text = "/start" if payload is None else f"/start {payload}"
        return self.user_sends_text(user_id, text, language_code=language_code)

    def user_mentions_bot(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        chat_type: str = Chat.SUPERGROUP,
    ) -> Update:
        """Simulate a user writing ``@bot <text>`` in a group."""
        return self.user_sends_text(
            user_id,
            f"@{self.bot_user.username} {text}",
            chat_type=chat_type,
            chat_id=chat_id,
            language_code=language_code,
        )

    def user_presses_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> Update:
        """Simulate a press of an inline button that a bot message really has."""
        chat = self.world.chats.get(chat_id if chat_id is not None else user_id)
        chat_type = chat.type if chat is not None else Chat.PRIVATE
        sender = self._sender(user_id, chat_type, chat_id, language_code, None)
        return self._people.presses_button(sender, message_id, callback_data)

    def user_sends_sticker(
        self, user_id: int, *, emoji: str = "👍", chat_id: int | None = None,
        chat_type: str = Chat.PRIVATE, language_code: str | None = "en",
    ) -> Update:  # fmt: skip
        """Simulate a user sending a sticker."""
        sender = self._sender(user_id, chat_type, chat_id, language_code, None)
        return self._people.sends_sticker(sender, emoji)

    def user_sends_photo(
        self, user_id: int, *, caption: str | None = None, chat_id: int | None = None,
        chat_type: str = Chat.PRIVATE, language_code: str | None = "en",
    ) -> Update:  # fmt: skip
        """Simulate a user sending a photo, optionally captioned."""
        sender = self._sender(user_id, chat_type, chat_id, language_code, None)
        return self._people.sends_photo(sender, caption)

    def user_sends_voice(
        self, user_id: int, *, duration: int = 3, chat_id: int | None = None,
        chat_type: str = Chat.PRIVATE, language_code: str | None = "en",
    ) -> Update:  # fmt: skip
        """Simulate a user sending a voice note."""
        sender = self._sender(user_id, chat_type, chat_id, language_code, None)
        return self._people.sends_voice(sender, duration)

    def user_sends_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None,
        chat_type: str = Chat.PRIVATE, language_code: str | None = "en",
    ) -> Update:  # fmt: skip
        """Simulate a user sharing a location."""
        sender = self._sender(user_id, chat_type, chat_id, language_code, None)
        return self._people.sends_location(sender, latitude, longitude)

    def add_user(self, user_id: int, *, language_code: str | None = "en") -> User:
        """Make a user known who never opened the bot (sends to them get 403)."""
        return self.world.user(user_id, language_code=language_code)

    def block_bot(self, user_id: int) -> Update:
        """Simulate the user blocking the bot: sends get 403, the bot gets my_chat_member."""
        return self._people.blocks(user_id)

    def remove_bot_from_group(self, chat_id: int, *, by: int) -> Update:
        """Simulate admin ``by`` removing the bot from a group it was in (see People)."""
        return self._people.removes_bot(by, chat_id)

    def unblock_bot(self, user_id: int) -> Update:
        """Simulate the user unblocking the bot."""
        return self._people.unblocks(user_id)

    def _sender(
        self,
        user_id: int,
        chat_type: str,
        chat_id: int | None,
        language_code: str | None,
        title: str | None,
    ) -> Sender:
        return self._people.sender(
            user_id, chat_type=chat_type, chat_id=chat_id, language_code=language_code, title=title
        )

    # --- what the bot did -------------------------------------------------------------------

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Give messages the bot sent (all chats, or one), oldest first."""
        return [m for m in self.world.sent if chat_id is None or m.chat_id == chat_id]

    def edited_messages(self, chat_id: int | None = None) -> list[EditedMessage]:
        """Give edits the bot made (all chats, or one), oldest first."""
        return [m for m in self.world.edits if chat_id is None or m.chat_id == chat_id]

    def answered_callbacks(self) -> list[AnsweredCallback]:
        """Give the button presses the bot answered, oldest first."""
        return list(self.world.answers)

    def chat_actions(self, chat_id: int | None = None) -> list[ChatAction]:
        """Give the ``sendChatAction`` calls, oldest first."""
        return [a for a in self.world.actions if chat_id is None or a.chat_id == chat_id]

    def deleted_messages(self) -> list[tuple[int, int]]:
        """Give (chat_id, message_id) of messages the bot deleted."""
        return list(self.world.deleted)

    def registered_commands(
        self, language_code: str = "", *, scope: str = "default"
    ) -> list[dict[str, str]]:
        """Give the command list set for a language (``""`` for all) and scope."""
        return list(self.world.commands.get((scope, language_code), []))

    def profile_text(self, field: str, language_code: str = "") -> str | None:
        """Give what setMyDescription/ShortDescription/Name stored for a language."""
        return self.world.profile_texts.get((field, language_code))

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Give every HTTP call the bot made (or those of one method), oldest first."""
        wanted = method.lower() if method else None
        return [c for c in self.world.calls if wanted is None or c.method.lower() == wanted]

    @property
    def long_polling(self) -> bool:
        """Tell whether the bot has a getUpdates request held open right now."""
        return self._api.polling

    def pending_updates(self) -> list[dict[str, Any]]:
        """Give updates the bot has not confirmed (polling) or received (webhook)."""
        return self.queue.peek(100)

    def delivered_updates(self) -> list[dict[str, Any]]:
        """Give the updates the webhook accepted, in order."""
        return list(self.webhook.delivered)

    # --- faults -----------------------------------------------------------------------------

    def inject_faults(
        self,
        method: str,
        faults: Sequence[int | str | Fault],
        *,
        retry_after: int = 1,
        delay: float = 30.0,
    ) -> None:
        """Make the next ``len(faults)`` calls of ``method`` fail, in order.

        A fault is a status (500 JSON error, 502/503/504 nginx HTML page, 429 with
        ``retry_after``, any 4xx), ``"timeout"`` (hang ``delay`` seconds: give the
        client a shorter timeout), ``"timeout_after_apply"`` (carry the call out,
        then hang), ``"disconnect"`` (drop the connection) or a :class:`Fault`.
        """
        self._faults.add(
            method, [as_fault(f, retry_after=retry_after, delay=delay) for f in faults]
        )

    def pending_faults(self, method: str) -> int:
        """Count injected faults not yet met by ``method``."""
        return self._faults.remaining(method)

    # --- waiting ----------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test's waiting budget
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate`` holds; fail the test with ``what`` after ``timeout``."""
        if not await self._notifier.wait_until(predicate, timeout):
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test's waiting budget
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` messages to ``chat_id``; give them all."""
        try:
            await self.wait_for(
                lambda: len(self.sent_messages(chat_id)) >= count,
                timeout=timeout,
                what=f"{count} message(s) to chat {chat_id}",
            )
        except AssertionError as exc:
            texts = [m.text for m in self.sent_messages(chat_id)]
            raise AssertionError(f"{exc}; sent so far: {texts!r}") from None
        return self.sent_messages(chat_id)

    async def wait_for_edits(
        self,
        chat_id: int,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test's waiting budget
    ) -> list[EditedMessage]:
        """Wait until the bot has made ``count`` edits in ``chat_id``; give them all."""
        await self.wait_for(
            lambda: len(self.edited_messages(chat_id)) >= count,
            timeout=timeout,
            what=f"{count} edit(s) in chat {chat_id}",
        )
        return self.edited_messages(chat_id)

    async def wait_for_callback_answers(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test's waiting budget
    ) -> list[AnsweredCallback]:
        """Wait until the bot has answered ``count`` button presses; give them all."""
        await self.wait_for(
            lambda: len(self.world.answers) >= count,
            timeout=timeout,
            what=f"{count} callback answer(s)",
        )
        return self.answered_callbacks()

    async def wait_until_consumed(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has taken every pending update (confirmed or delivered)."""
        await self.wait_for(
            lambda: self.queue.pending_count == 0, timeout=timeout, what="updates to be consumed"
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.envelope(), status=error.status, dumps=_dumps)


def _nginx_page(status: HTTPStatus) -> web.Response:
    page = NGINX_PAGE.format(status=int(status), reason=status.phrase)
    return web.Response(status=status, text=page, content_type="text/html")


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return raw
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise bad_request("can't parse JSON encoded request parameters") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected as request parameters")
        raw.update(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(key, value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    return raw
