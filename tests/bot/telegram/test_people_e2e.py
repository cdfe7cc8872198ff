"""Issue 7 end to end on Telegram: volunteers, refusals, the coordinator, e-mail, kill -9, /forget.

The fake Bot API server over real HTTP, a real SQLite database, the wiring of
:func:`bot.bootstrap.build_runtime` (roles, volunteers, broadcasts, requests) and
:func:`bot.bootstrap.build_reminder_service` (one drainer per channel, e-mail included), and a
real SMTP server (aiosmtpd) on 127.0.0.1. The clock starts on a fixed day in the demo
catalogue's season and runs at real speed (so the suite passes on any date), and every expected
date is read from the occurrence index, never written down. The tests drain the outbox and
run the coordinator's follow-up by hand instead of waiting for the periodic jobs.

Both the fake server's flood control and the channel's own limiter are opened wide: the tests
send dozens of messages per user in seconds, which Telegram's 1 message/s per chat would turn
into minutes (the limits have their own tests).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import make_url, select
from telegram import CallbackQuery, Update

from bot import log_ids
from bot.bootstrap import (
    App,
    Core,
    LiveAssistant,
    Runtime,
    build_app,
    build_reminder_service,
    build_runtime,
    email_senders,
    ensure_catalogue,
    telegram_bot_name,
)
from bot.channels import Channel
from bot.config import Settings
from bot.log_ids import pseudonym
from bot.logs import log_handler, quiet_libraries
from bot.pacing import ChannelLimits, RetryPolicy
from bot.scheduling import ReminderService
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from bot.storage.models import Base
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramChannel, TelegramOptions
from bot.telegram.outbox_sender import TelegramOutbox
from catalog.model import ActivityId
from catalog.occurrences import Occurrence
from handlers.coordination.permissions import Invite, Role
from handlers.coordination.requests import ContactRequest, RequestState
from handlers.coordination.roles import new_invite_code, token
from handlers.core.conversation import Conversation
from handlers.core.events import ActionKind, ChatId, UserId
from handlers.core.formatting import activity_title, day_heading, time_range
from handlers.core.i18n import Speaker, Translator
from handlers.core.languages import NATIVE_NAMES
from handlers.core.log_ids import use_key
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.reasons import reason_label, reason_text
from handlers.volunteers.session_changes import upcoming
from tests.bot.crash_harness import (
    expected_deliveries,
    kill_mid_burst,
    run_until_empty,
    start_worker,
)
from tests.bot.storage.conftest import backend_database
from tests.bot.test_email import Handler, free_port
from tests.fakes import RunningClock
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.limits import RateLimits
from tests.telegram_server.records import SentMessage
from tests.telegram_server.server import FakeTelegramServer
from tests.telegram_server.state import PendingCallback

HELSINKI = ZoneInfo("Europe/Helsinki")
NETWORK = "nurmijarvi"
CAFE = ActivityId("louhela-kielikahvila")
LOUHELA = "setlementti-louhela"
OTHER_ORGANISATION = "spr-nurmijarvi"

#: The coordinator chat: a supergroup (negative id) with the coordinator and the bot.
GROUP = -1001234567890
COORDINATOR = 900
DESK_EMAIL = "koordinaattori@nurmijarvi.example.fi"

VOLUNTEER = 1200
SUBSCRIBERS = {1101: "fi", 1102: "ar", 1103: "uk"}
PERSIAN_USER = 1300
PERSIAN = "سلام، من برای کلاس زبان فنلاندی کمک می‌خواهم. کجا ثبت نام کنم؟"
NEWCOMER, OTHER_VOLUNTEER, MEMBER = 1400, 1401, 1402

#: The channel's limiter opened wide (see the module docstring).
OPEN = TelegramOptions(
    poll_timeout=1.0,
    request_timeout=5.0,
    limits=ChannelLimits.unlimited(),
    retry=RetryPolicy(reply_attempts=4, first=0.05, longest=0.2),
    stop_grace=0.2,
)
SECRET = b"tarjotin-people-e2e-secret-0123456"

#: Tables whose rows nobody's refused action may change (all but the caller's own session
#: state: profiles, dialogues, and the scheduler's lease).
UNTOUCHABLE = frozenset(Base.metadata.tables) - {"users", "dialogues", "scheduler_leases"}


#: What the wired product and the tests read as now: a fixed Wednesday in the demo catalogue's
#: season that then runs at real speed (the drainers and the follow-up really wait), so the
#: tests pass on any day of any year.
now = RunningClock(datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI))


def tg(user: int) -> UserId:
    """The core's id of a Telegram user."""
    return UserId(f"telegram:{user}")


# --- the database, read as a whole -------------------------------------------------------------


async def snapshot(database: Database, tables: Iterable[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every named table (``SELECT *``), sorted so that equal states compare equal."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with database.sessions() as session:
        for name in sorted(tables):
            rows = (await session.execute(select(Base.metadata.tables[name]))).all()
            found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


async def mentions(database: Database, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a stored string value contains one of ``needles``."""
    wanted = [n for n in needles if n]
    hits: list[tuple[str, str, str]] = []
    async with database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if not isinstance(value, str | bytes):
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    hits += [(table.name, str(column), n) for n in wanted if n in text]
    return hits


# --- e-mail ------------------------------------------------------------------------------------


def parsed(raw: bytes) -> EmailMessage:
    """A received e-mail."""
    mail = message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    return mail


def mail_text(mail: EmailMessage) -> str:
    """The subject and the plain-text body of an e-mail."""
    body = mail.get_body(("plain",))
    content = body.get_content() if body is not None else ""
    return f"{make_header(decode_header(mail['Subject']))}\n{content}"


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    """A real SMTP server on 127.0.0.1 that keeps what it accepts."""
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# --- the bench ---------------------------------------------------------------------------------


def grab(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text`` (the test fails when it is not there)."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in {text!r}"
    return found.group(1)


@dataclass
class Bench:
    """A running Telegram bot over the whole wiring of issue 7, and what it talks to."""

    server: FakeTelegramServer
    app: App
    conversation: Conversation
    live: LiveAssistant
    parts: Runtime
    people: Core
    service: ReminderService
    codec: CallbackCodec
    mail: Handler
    settings: Settings

    # --- reading ------------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        return self.app.database

    def speaker(self, language: str) -> Speaker:
        return self.conversation.speaker(language)

    def count(self, chat: int) -> int:
        return len(self.server.sent_messages(chat))

    def texts(self, chat: int) -> list[str]:
        return [m.plain_text or "" for m in self.server.sent_messages(chat)]

    async def after(
        self,
        chat: int,
        seen: int,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """The ``count`` messages to ``chat`` after the first ``seen``."""
        messages = await self.server.wait_for_messages(chat, seen + count, timeout=timeout)
        return messages[seen : seen + count]

    async def act(self, chat: int, action: Callable[[], object], count: int = 1) -> SentMessage:
        """Do something and give the last of the ``count`` messages it makes the bot send."""
        seen = self.count(chat)
        action()
        return (await self.after(chat, seen, count))[-1]

    # --- people's actions ---------------------------------------------------------------------

    async def say(self, user: int, text: str, language: str = "en") -> SentMessage:
        return await self.act(
            user, lambda: self.server.user_sends_text(user, text, language_code=language)
        )

    async def press(
        self, user: int, message: SentMessage, label: str, language: str = "en"
    ) -> SentMessage:
        labels = [b["text"] for b in message.buttons]
        assert label in labels, f"{label!r} not among {labels!r}"
        [data] = [b["callback_data"] for b in message.buttons if b["text"] == label]
        return await self.act(
            user,
            lambda: self.server.user_presses_button(
                user, message.message_id, data, language_code=language
            ),
        )

    def forge(self, user: int, data: str) -> None:
        """A client that sends button data of its own making under the bot's last message."""
        world = self.server.world
        [*_, last] = self.server.sent_messages(user)
        stored = world.message(user, last.message_id)
        query = CallbackQuery(
            id=f"forged-{world.serial()}",
            from_user=world.users[user],
            chat_instance="forged",
            message=stored,
            data=data,
        )
        world.callbacks[query.id] = PendingCallback(query, time.monotonic())
        self.server.queue.push(Update(self.server.queue.next_id(), callback_query=query))

    async def forged(self, user: int, kind: ActionKind, argument: str) -> SentMessage:
        """Press a button the bot never offered, validly signed for this user."""
        data = self.codec.encode(kind, argument, user)
        return await self.act(user, lambda: self.forge(user, data))

    async def in_group(self, user: int, text: str, reply_to: int | None = None) -> SentMessage:
        """Write in the coordinator chat; give the bot's answer there."""
        return await self.act(
            GROUP,
            lambda: self.server.user_sends_text(
                user, text, chat_type="supergroup", chat_id=GROUP, language_code="fi",
                reply_to_message_id=reply_to,
            ),
        )  # fmt: skip

    async def onboard(self, user: int, language: str) -> None:
        """``/start``, the language button, the municipality button."""
        speaker = self.speaker(language)
        menu = await self.act(user, lambda: self.server.user_starts(user, language_code=language))
        places = await self.press(user, menu, NATIVE_NAMES[language], language)
        [label] = [
            a.label
            for a in self.conversation.network_menu(speaker).actions
            if a.argument == NETWORK
        ]
        await self.press(user, places, label, language)
        profile = await self.app.profiles.get(tg(user))
        assert profile is not None
        assert (profile.language, profile.network) == (language, NETWORK)

    async def subscribe(self, user: int, language: str) -> None:
        """``/remind <the café>``: the user follows the café."""
        await self.say(user, f"/remind {CAFE}", language)
        [subscription] = await self.parts.planner.subscriptions.for_user(tg(user))
        assert subscription.activity == CAFE

    async def open_group(self) -> None:
        """The coordinator writes ``/requests`` in the coordinator chat: the group exists."""
        answer = await self.in_group(COORDINATOR, "/requests")
        assert answer.plain_text == self.speaker("fi").gettext("No open requests.")

    async def request(self, user: int, message: str, language: str = "fa") -> ContactRequest:
        """``/contact``, consent with the name, the message: the stored request."""
        speaker = self.speaker(language)
        consent = await self.say(user, "/contact", language)
        await self.press(user, consent, speaker.gettext("Yes, with my name"), language)
        sent = await self.say(user, message, language)
        [request] = await SqlRequestStore(self.database.sessions).for_user(tg(user))
        assert request.reference in (sent.plain_text or "")
        assert request.message == message
        return request

    async def grant(self, user: int, role: Role, organisation: str) -> None:
        """A role given through a one-time invite redeemed at once (the store's own path)."""
        staff = SqlStaffStore(self.database.sessions)
        code = new_invite_code()
        moment = now()
        invite = Invite(
            code, role, organisation, tg(COORDINATOR), moment, moment.replace(year=2099)
        )
        await staff.create_invite(invite)
        assert await staff.redeem(code, tg(user), moment) is not None

    # --- the leader's work, by hand -----------------------------------------------------------

    async def drain(self) -> int:
        """Send everything due on every channel; how many messages went out."""
        total = 0
        while True:
            sent = 0
            for drainer in self.service.drainers:
                sent += await drainer.drain_once()
            total += sent
            if not sent:
                return total

    async def follow_up(self) -> Any:
        return await self.people.coordination.follow_up(self.live().catalogue)


class BenchFactory(Protocol):
    def __call__(
        self, *, coordination: bool = True, database: Database | None = None
    ) -> Awaitable[Bench]: ...


@pytest.fixture
async def bench_factory(
    tmp_path: Path, fake_telegram_factory: FakeTelegramFactory, smtp: tuple[Handler, int]
) -> AsyncIterator[BenchFactory]:
    mail, port = smtp
    opened: list[tuple[TelegramChannel, App]] = []

    async def make(*, coordination: bool = True, database: Database | None = None) -> Bench:
        desk_file = tmp_path / "coordination.yaml"
        desk: dict[str, list[str]] = {
            "coordinators": [f"telegram:{COORDINATOR}"],
            "emails": [DESK_EMAIL],
        }
        if coordination:
            desk["chats"] = [f"telegram:{GROUP}"]
        desk_file.write_text(yaml.safe_dump({"networks": {NETWORK: desk}}), encoding="utf-8")
        settings = Settings(
            data_dir=tmp_path,
            coordination_file=desk_file,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="tarjotin@example.org",
        )
        # The product's App over the given database (PostgreSQL too), else its own SQLite.
        app = await build_app(settings) if database is None else app_over(settings, database)
        channels: list[Channel] = []  # the invite links read it once the channel runs
        parts = await build_runtime(
            app,
            await ensure_catalogue(app, quiet=True),
            clock=now,
            bot_name=telegram_bot_name(channels),
        )
        conversation, live = parts.conversation, parts.live
        server = await fake_telegram_factory(limits=RateLimits.off())
        codec = CallbackCodec(SECRET)
        channel = TelegramChannel(
            conversation, server.token, codec=codec, api_url=server.url, options=OPEN
        )
        await channel.start()
        opened.append((channel, app))
        channels.append(channel)
        senders = {"telegram": (TelegramOutbox(channel), channel.pacing), **email_senders(settings)}
        service = build_reminder_service(app, parts, senders)
        return Bench(
            server, app, conversation, live, parts, parts.core, service, codec, mail, settings
        )

    yield make
    for channel, app in reversed(opened):
        await channel.stop()
        await app.close()


def app_over(settings: Settings, database: Database) -> App:
    """What :func:`build_app` wires, over a database the test opened."""
    return App(
        settings=settings,
        database=database,
        catalog_store=CatalogStore(database.sessions),
        translator=Translator(),
        profiles=SqlProfileStore(database.sessions),
    )


@pytest.fixture
async def bench(bench_factory: BenchFactory) -> Bench:
    return await bench_factory()


# --- 1. a volunteer cancels a session; subscribers hear it in their languages ------------------


def first_upcoming(bench: Bench) -> Occurrence:
    [first, *_] = upcoming(bench.live().matcher.occurrences, CAFE, now())
    return first


async def test_an_invited_volunteer_cancels_a_session_and_each_subscriber_reads_their_language(
    bench: Bench,
) -> None:
    b = bench
    started = time.monotonic()
    for user, language in SUBSCRIBERS.items():
        await b.onboard(user, language)
        await b.subscribe(user, language)

    subscribed = [b.count(user) for user in SUBSCRIBERS]
    # The coordinator invites a volunteer of Louhela; the volunteer opens the deep link.
    coordinator = b.speaker("fi")
    seen = b.count(COORDINATOR)
    b.server.user_sends_text(COORDINATOR, f"/invite volunteer {LOUHELA}", language_code="fi")
    created, forwardable = await b.after(COORDINATOR, seen, 2)
    code = grab(r"i-([a-z0-9]{10})", forwardable.plain_text or "")
    assert code in (created.plain_text or "")
    assert f"https://t.me/{b.server.bot_user.username}?start=i-{code}" in (
        forwardable.plain_text or ""
    )
    welcome = await b.act(
        VOLUNTEER, lambda: b.server.user_starts(VOLUNTEER, f"i-{code}", language_code="fi")
    )
    speaker = b.speaker("fi")
    assert "/volunteer" in (welcome.plain_text or "")
    [grant] = await SqlStaffStore(b.database.sessions).grants_of(tg(VOLUNTEER))
    assert (grant.role, grant.organisation) == (Role.VOLUNTEER, LOUHELA)
    assert coordinator.language == "fi"

    # /volunteer → the café → Cancel a session → the first coming one → Illness → Confirm.
    session = first_upcoming(b)
    catalogue = b.live().catalogue
    activities = await b.say(VOLUNTEER, "/volunteer", "fi")
    menu = await b.press(VOLUNTEER, activities, activity_title(catalogue, CAFE, speaker), "fi")
    sessions = await b.press(VOLUNTEER, menu, speaker.gettext("Cancel a session"), "fi")
    first_label = sessions.buttons[0]["text"]
    assert day_heading(session.start.date(), speaker) in first_label
    reasons = await b.press(VOLUNTEER, sessions, first_label, "fi")
    preview = await b.press(VOLUNTEER, reasons, reason_label("illness", speaker), "fi")
    assert speaker.ngettext(
        "%(count)d subscriber will get this message, in their own language:",
        "%(count)d subscribers will get this message, each in their own language:",
        len(SUBSCRIBERS),
    ) % {"count": len(SUBSCRIBERS)} in (preview.plain_text or "")
    assert [b.count(user) for user in SUBSCRIBERS] == subscribed  # nothing out before Confirm
    done = await b.press(VOLUNTEER, preview, speaker.gettext("Confirm"), "fi")
    assert speaker.gettext("Cancelled.") in (done.plain_text or "")

    [change] = await b.app.catalog_store.occurrence_changes()
    assert change.activity == CAFE
    assert change.cancelled
    assert change.original_start == session.original_start
    assert await b.drain() == len(SUBSCRIBERS)
    catalogue = b.live().catalogue
    texts: dict[str, str] = {}
    for (user, language), seen in zip(SUBSCRIBERS.items(), subscribed, strict=True):
        reader = b.speaker(language)
        [notice] = await b.after(user, seen)
        assert b.count(user) == seen + 1
        text = notice.plain_text or ""
        values = {
            "title": activity_title(catalogue, CAFE, reader),
            "when": f"{day_heading(session.start.date(), reader)} "
            f"{time_range(session.start, session.end, reader)}",
        }
        assert text.startswith(reader.gettext("Cancelled: %(title)s, %(when)s.") % values)
        reason = reason_text("illness", reader)
        assert reason
        assert reader.gettext("Reason: %(reason)s.") % {"reason": reason} in text
        texts[language] = text
        for other in SUBSCRIBERS.values():  # the day is written in the reader's language
            if other != language:
                assert day_heading(session.start.date(), b.speaker(other)) not in text
    assert len(set(texts.values())) == len(SUBSCRIBERS)
    # The session is gone from answers at once: the next coming one is another.
    assert first_upcoming(b).original_start != session.original_start
    print(f"telegram volunteer cancel: {time.monotonic() - started:.1f} s")


# --- 2. nobody without the role changes anything -----------------------------------------------


async def test_newcomers_other_volunteers_and_group_members_change_nothing(bench: Bench) -> None:
    b = bench
    started = time.monotonic()
    await b.open_group()
    await b.onboard(1101, "fi")
    await b.subscribe(1101, "fi")
    await b.onboard(PERSIAN_USER, "fa")
    request = await b.request(PERSIAN_USER, PERSIAN)
    await b.grant(VOLUNTEER, Role.VOLUNTEER, LOUHELA)
    await b.grant(OTHER_VOLUNTEER, Role.VOLUNTEER, OTHER_ORGANISATION)
    for user in (NEWCOMER, OTHER_VOLUNTEER, MEMBER):
        await b.onboard(user, "en")
    assert await b.drain() == 1  # the request reached the coordinator chat
    [forward] = b.server.sent_messages(GROUP)[-1:]
    assert request.reference in (forward.plain_text or "")
    subscriber_messages = b.count(1101)
    requester_messages = b.count(PERSIAN_USER)

    before = await snapshot(b.database, UNTOUCHABLE)
    en = b.speaker("en")
    answers: list[str] = []
    louhela, other = token(LOUHELA), token(OTHER_ORGANISATION)
    for user in (NEWCOMER, OTHER_VOLUNTEER, MEMBER):
        for command in (
            "/volunteer",
            "/invite",
            f"/invite volunteer {LOUHELA}",
            f"/invite organiser {OTHER_ORGANISATION}",
            "/roles",
            "/requests",
            f"/close {request.reference}",
            f"/reply {request.reference} Tule huomenna klo 10.",
        ):
            answers.append((await b.say(user, command)).plain_text or "")
        for kind, argument in (
            (ActionKind.VOLUNTEER, "pick:0"),
            (ActionKind.VOLUNTEER, "pick:99"),
            (ActionKind.VOLUNTEER, "org:3"),
            (ActionKind.VOLUNTEER, "do:cancel"),
            (ActionKind.VOLUNTEER, "do:bcorg"),
            (ActionKind.VOLUNTEER, "do:new"),
            (ActionKind.VOLUNTEER, "occ:0"),
            (ActionKind.VOLUNTEER, "reason:illness"),
            (ActionKind.VOLUNTEER, "ok"),
            (ActionKind.VOLUNTEER, "send"),
            (ActionKind.VOLUNTEER, "stop:1"),
            (ActionKind.STAFF, f"inv-make:v.{louhela}"),
            (ActionKind.STAFF, f"inv-make:o.{other}"),
            (ActionKind.STAFF, f"inv-org:{louhela}"),
            (ActionKind.STAFF, f"revoke:{louhela}.{token(str(tg(VOLUNTEER)))}"),
            (ActionKind.STAFF, f"revoke-ok:{louhela}.{token(str(tg(VOLUNTEER)))}"),
            (ActionKind.REQUEST, f"close:{request.id}"),
        ):
            answers.append((await b.forged(user, kind, argument)).plain_text or "")
        garbage = await b.act(user, partial(b.forge, user, "not-a-signed-button"))
        assert garbage.plain_text == en.gettext(
            "Sorry, that button is no longer valid. Please ask again."
        )
        # In the coordinator chat: a reply to the forwarded request is not an answer.
        refused = await b.in_group(user, "Minä vastaan: tule maanantaina.", forward.message_id)
        assert refused.plain_text == en.gettext(  # in the language of the one refused
            "Sorry, only the coordinators of this network can do that."
        )
    for command in ("/requests", f"/close {request.reference}", f"/reply {request.reference} Hei"):
        refused = await b.in_group(MEMBER, command)
        assert refused.plain_text == en.gettext(  # in the language of the one refused
            "Sorry, only the coordinators of this network can do that."
        )
    await b.server.wait_until_consumed()
    await asyncio.sleep(0.2)  # an update in hand finishes

    assert await snapshot(b.database, UNTOUCHABLE) == before
    assert await b.drain() == 0  # nothing was queued for anyone
    assert b.count(1101) == subscriber_messages
    assert b.count(PERSIAN_USER) == requester_messages
    for text in answers:
        assert "/start i-" not in text, text  # never an invite code
    [grant] = await SqlStaffStore(b.database.sessions).grants_of(tg(VOLUNTEER))
    assert grant.organisation == LOUHELA
    stored = await SqlRequestStore(b.database.sessions).get(request.id or 0)
    assert stored is not None
    assert stored.state is RequestState.OPEN
    print(f"telegram refusals: {len(answers)} attempts, {time.monotonic() - started:.1f} s")


# --- 3. a request in Persian, answered by replying in the coordinator chat ---------------------


async def test_a_persian_request_reaches_the_group_and_the_reply_comes_back_marked(
    bench: Bench,
) -> None:
    b = bench
    started = time.monotonic()
    await b.open_group()
    await b.onboard(PERSIAN_USER, "fa")
    request = await b.request(PERSIAN_USER, PERSIAN)
    assert request.via == "chat"
    assert await b.drain() == 1
    [*_, forward] = b.server.sent_messages(GROUP)
    text = forward.plain_text or ""
    coordinator = b.speaker("fi")
    assert request.reference in text
    assert (
        coordinator.gettext("Language: %(language)s")
        % {"language": coordinator.language_name("fa")}
        in text
    )
    assert PERSIAN in text
    assert b.server.world.users[PERSIAN_USER].full_name in text  # shared with consent
    assert forward.buttons == []

    answer = "سلام! کلاس‌ها دوشنبه‌ها ساعت ۱۰ در کتابخانه است."
    confirmation = await b.in_group(COORDINATOR, answer, forward.message_id)
    assert request.reference in (confirmation.plain_text or "")
    assert confirmation.reply_to_message_id is not None
    seen = b.count(PERSIAN_USER)
    assert await b.drain() == 1
    [delivered] = await b.after(PERSIAN_USER, seen)
    reader = b.speaker("fa")
    heading = reader.gettext("Answer from the coordinator (%(reference)s):") % {
        "reference": request.reference
    }
    assert (delivered.plain_text or "").startswith(heading)
    assert answer in (delivered.plain_text or "")
    stored = await SqlRequestStore(b.database.sessions).get(request.id or 0)
    assert stored is not None
    assert stored.state is RequestState.ANSWERED
    # A redelivered reply is not a second answer.
    again = await b.in_group(COORDINATOR, answer, forward.message_id)
    assert request.reference in (again.plain_text or "")
    assert await b.drain() == 0
    print(f"telegram persian request: {time.monotonic() - started:.1f} s")


# --- 4. the bot was removed from the coordinator chat: e-mail -----------------------------------


async def test_with_the_bot_kicked_from_the_group_the_request_goes_by_email(bench: Bench) -> None:
    b = bench
    started = time.monotonic()
    await b.open_group()
    b.server.remove_bot_from_group(GROUP, by=COORDINATOR)
    await b.onboard(PERSIAN_USER, "fa")
    request = await b.request(PERSIAN_USER, PERSIAN)
    group_messages = b.count(GROUP)
    assert await b.drain() == 1  # tried, refused
    refused = [
        c for c in b.server.calls("sendMessage") if str(c.params.get("chat_id")) == str(GROUP)
    ]
    assert refused[-1].status == 403
    assert b.count(GROUP) == group_messages
    assert b.mail.received == []

    result = await b.follow_up()
    assert result.emailed == 1
    seen = b.count(PERSIAN_USER)
    assert await b.drain() == 2  # the e-mail and the note to the person
    [(sender, recipients, raw)] = b.mail.received
    assert recipients == [DESK_EMAIL]
    assert sender == "tarjotin@example.org"
    text = mail_text(parsed(raw))
    coordinator = b.speaker("fi")
    assert request.reference in text
    assert PERSIAN in text
    assert (
        coordinator.gettext("Language: %(language)s")
        % {"language": coordinator.language_name("fa")}
        in text
    )
    assert f"/reply {request.reference}" in text
    [note] = await b.after(PERSIAN_USER, seen)
    reader = b.speaker("fa")
    told = reader.gettext(
        "Your request %(reference)s could not reach the coordinators' chat, so it was sent "
        "to them by e-mail. They will answer here in this chat."
    ) % {"reference": request.reference}
    assert note.plain_text == told
    stored = await SqlRequestStore(b.database.sessions).get(request.id or 0)
    assert stored is not None
    assert stored.via == "email"
    # Following up again sends nothing twice.
    await b.follow_up()
    assert await b.drain() == 0
    assert len(b.mail.received) == 1

    # The coordinator answers from the e-mail with /reply, privately: it reaches the person.
    answer = "Tervetuloa maanantaina kirjastoon."
    confirmation = await b.say(COORDINATOR, f"/reply {request.reference} {answer}", "fi")
    assert request.reference in (confirmation.plain_text or "")
    seen = b.count(PERSIAN_USER)
    assert await b.drain() == 1
    [delivered] = await b.after(PERSIAN_USER, seen)
    assert answer in (delivered.plain_text or "")
    print(f"telegram e-mail fallback: {time.monotonic() - started:.1f} s")


# --- 5. kill -9 in the middle of a 1,000-subscriber broadcast ----------------------------------

BROADCAST_SUBSCRIBERS = 1000
FIRST_SUBSCRIBER = 50_001
KILLS = 3


async def test_kill_9_mid_broadcast_to_1000_loses_nobody(bench: Bench, tmp_path: Path) -> None:
    b = bench
    started = time.monotonic()
    await b.grant(VOLUNTEER, Role.VOLUNTEER, LOUHELA)
    store = SqlSubscriptionStore(b.database.sessions)
    world = b.server.world
    users = range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + BROADCAST_SUBSCRIBERS)
    for user in users:
        world.private_chat(world.user(user, language_code="en"))  # each opened the bot once
        await store.add(Subscription(tg(user), ChatId(f"telegram:{user}"), now(), activity=CAFE))
    prepared = time.monotonic()

    speaker = b.speaker("fi")
    catalogue = b.live().catalogue
    activities = await b.say(VOLUNTEER, "/volunteer", "fi")
    menu = await b.press(VOLUNTEER, activities, activity_title(catalogue, CAFE, speaker), "fi")
    compose = await b.press(VOLUNTEER, menu, speaker.gettext("Message to subscribers"), "fi")
    text = "Kielikahvilassa on ensi kerralla pullaa. Tervetuloa!"
    preview = await b.say(VOLUNTEER, text, "fi")
    assert compose.buttons  # Close
    goes_to = speaker.ngettext(
        "This message goes to %(count)d person.",
        "This message goes to %(count)d people.",
        BROADCAST_SUBSCRIBERS,
    ) % {"count": BROADCAST_SUBSCRIBERS}
    assert goes_to in (preview.plain_text or "")
    sending = await b.press(VOLUNTEER, preview, speaker.gettext("Send"), "fi")
    broadcast_id = int(grab(r"stop:(\d+)", str(b.codec.decode(
        sending.buttons[0]["callback_data"], VOLUNTEER
    ).argument)))  # fmt: skip
    outbox = SqlOutbox(b.database.sessions)
    keys = [f"broadcast:{broadcast_id}:telegram:{user}" for user in users]
    assert set((await outbox.states(keys)).values()) == {"pending"}
    owner = {f"telegram:{user}": key for user, key in zip(users, keys, strict=True)}

    def shown() -> Counter[str]:
        return Counter(
            owner[f"telegram:{m.chat_id}"]
            for m in b.server.sent_messages()
            if f"telegram:{m.chat_id}" in owner and text in (m.plain_text or "")
        )

    async def delivered() -> Counter[str]:
        return shown()

    async def accepted() -> int:
        return sum(shown().values())

    url = database_url(b.settings.data_dir, None)
    connection = {
        "api_url": b.server.url,
        "token": b.server.token,
        "hold": 1.0,
        "telegram_overall": "300",
    }

    async def start(mode: str = "forever") -> asyncio.subprocess.Process:
        return await start_worker(url, "telegram", connection, mode)

    kills = await kill_mid_burst(
        start,
        outbox,
        delivered,
        keys,
        kills=KILLS,
        step=BROADCAST_SUBSCRIBERS // (KILLS + 2),
        progress=accepted,
        poll=0.001,
    )
    killed = time.monotonic()
    before_restart = shown()
    assert 0 < len(before_restart) < BROADCAST_SUBSCRIBERS  # the kills hit the middle
    await run_until_empty(lambda: start("until-empty"))

    final = shown()
    assert set(final) == set(keys)  # nobody missed it
    windows = [kill.window for kill in kills]
    assert final == expected_deliveries(keys, windows)  # repeats only for rows left 'sending'
    twice = {key for key, times in final.items() if times > 1}
    assert twice <= set().union(*(kill.sending for kill in kills))
    assert (await outbox.counts()).get("sent", 0) >= BROADCAST_SUBSCRIBERS

    # The sender gets the delivery report once nothing is left to send.
    assert await b.people.broadcasting.report_finished(now()) == 1
    seen = b.count(VOLUNTEER)
    assert await b.drain() == 1
    [report] = await b.after(VOLUNTEER, seen)
    assert speaker.gettext("Delivered: %(count)d") % {"count": BROADCAST_SUBSCRIBERS} in (
        report.plain_text or ""
    )
    print(
        f"telegram broadcast kill -9: {BROADCAST_SUBSCRIBERS} subscribers, {len(kills)} kills "
        f"(sent at kills {[k.sent_at_kill for k in kills]}), left sending "
        f"{[len(k.sending) for k in kills]}, in the window {[len(k.window) for k in kills]}, "
        f"delivered twice {len(twice)}; setup {prepared - started:.1f} s, "
        f"kills {killed - prepared:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )


# --- 6. /forget leaves nothing behind: no table, no database file, no log line ----------------


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A file-based SQLite database in ``tmp_path/db``, or PostgreSQL when a server is given."""
    async with backend_database(request.param, tmp_path / "db") as database:
        yield database


@dataclass
class Logs:
    """The product's log handlers (text and JSON) writing to two files at DEBUG."""

    files: list[Path]
    handlers: list[logging.Handler]

    def read(self) -> str:
        for handler in self.handlers:
            handler.flush()
        return "\n".join(path.read_text("utf-8") for path in self.files)


@pytest.fixture
def debug_logs(tmp_path: Path) -> Iterator[Logs]:
    """Everything logged at DEBUG, as ``tarjotin run`` configures it, with the bench's key."""
    log_ids.install(tmp_path)  # the bench's data directory
    root = logging.getLogger()
    level = root.level
    with ExitStack() as files:
        paths = [tmp_path / "tarjotin.log", tmp_path / "tarjotin.jsonl"]
        streams = [files.enter_context(path.open("w", encoding="utf-8")) for path in paths]
        handlers = [log_handler("text", streams[0]), log_handler("json", streams[1])]
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        quieted = quiet_libraries("DEBUG")
        try:
            yield Logs(paths, handlers)
        finally:
            for handler in handlers:
                root.removeHandler(handler)
            root.setLevel(level)
            for name, previous in quieted.items():
                logging.getLogger(name).setLevel(previous)
            use_key(lambda: secrets.token_bytes(32))


async def traces(database: Database, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a value, read as text, contains a needle."""
    wanted = [n.casefold() for n in needles]
    hits: list[tuple[str, str, str]] = []
    async with database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = (
                        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    ).casefold()
                    hits += [(table.name, str(column), n) for n in wanted if n in text]
    return hits


def file_traces(database: Database, needles: Iterable[str]) -> list[tuple[str, str]]:
    """Every (file, needle) where the raw bytes of a SQLite file (main, -wal, -shm) hold one.

    Each needle is looked for as UTF-8, in its own spelling and folded to lower case.
    """
    path = Path(make_url(str(database.engine.url)).database or "")
    hits: list[tuple[str, str]] = []
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if not name.exists():
            continue
        data = name.read_bytes()
        for needle in needles:
            if any(form.encode("utf-8") in data for form in {needle, needle.casefold()}):
                hits.append((name.name, needle))
    return hits


#: The person who asks, subscribes, writes to the coordinator, broadcasts as a volunteer and
#: then deletes their data: an id and a name found nowhere else.
FORGETTER = 7318264059
FORGETTER_NAME = "Zerubabel"
QUESTION = "Onko kielikahvilassa kvarkkipiirakkaa torstaina?"
REQUEST = "Tarvitsen apua asuntoasiassa, olen Zorblaxin naapuri."
BROADCAST = "Kielikahvilassa pelataan torstaina Quokkabingoa. Tervetuloa!"
WORDS = ("kvarkkipiirakkaa", "Zorblaxin", "Quokkabingoa")
READER = 1101


async def test_forget_leaves_no_trace_in_tables_database_files_or_logs(
    debug_logs: Logs, bench_factory: BenchFactory, backend: Database
) -> None:
    b = await bench_factory(database=backend)
    started = time.monotonic()
    speaker = b.speaker("fi")
    await b.open_group()
    b.server.world.user(FORGETTER, first_name=FORGETTER_NAME, language_code="fi")
    await b.onboard(FORGETTER, "fi")
    await b.say(FORGETTER, QUESTION, "fi")
    await b.subscribe(FORGETTER, "fi")
    await b.onboard(READER, "fi")
    await b.subscribe(READER, "fi")
    request = await b.request(FORGETTER, REQUEST, "fi")
    assert request.name == FORGETTER_NAME
    assert await b.drain() == 1  # the forward to the coordinator chat
    [*_, forward] = b.server.sent_messages(GROUP)
    assert "Zorblaxin" in (forward.plain_text or "")

    # As a volunteer of the café's organisation they write to its subscribers (themselves and
    # the reader); every copy is sent, then their report waits.
    await b.grant(FORGETTER, Role.VOLUNTEER, LOUHELA)
    catalogue = b.live().catalogue
    activities = await b.say(FORGETTER, "/volunteer", "fi")
    menu = await b.press(FORGETTER, activities, activity_title(catalogue, CAFE, speaker), "fi")
    await b.press(FORGETTER, menu, speaker.gettext("Message to subscribers"), "fi")
    preview = await b.say(FORGETTER, BROADCAST, "fi")
    await b.press(FORGETTER, preview, speaker.gettext("Send"), "fi")
    assert await b.drain() == 2
    assert any("Quokkabingoa" in text for text in b.texts(READER))
    assert await b.people.broadcasting.report_finished(now()) == 1  # the report waits
    # The coordinator answers the request: the answer waits in the outbox too.
    await b.in_group(COORDINATOR, "Soitan sinulle huomenna.", forward.message_id)
    mydata = await b.say(FORGETTER, "/mydata", "fi")
    assert request.reference in (mydata.plain_text or "")
    assert speaker.ngettext(
        "%(count)d message waiting to be sent to you",
        "%(count)d messages waiting to be sent to you",
        2,
    ) % {"count": 2} in (mydata.plain_text or "")

    needles = [str(FORGETTER), FORGETTER_NAME, *WORDS]
    found = await traces(b.database, needles)
    # The setup really puts the person everywhere: their id in their rows, their name with the
    # request, each of their words in a row (the question only while it was being answered).
    assert {table for table, _, _ in found} >= {
        "users", "subscriptions", "contact_requests", "broadcasts", "outbox", "staff_grants",
    }  # fmt: skip
    assert {needle for _, _, needle in found} >= {
        str(FORGETTER), FORGETTER_NAME.casefold(), "zorblaxin", "quokkabingoa",
    }  # fmt: skip
    assert ("outbox", "payload", "quokkabingoa") in found  # the reader's sent copy
    sqlite = backend.engine.dialect.name == "sqlite"
    if sqlite:
        assert str(FORGETTER) in {needle for _, needle in file_traces(b.database, needles)}
    log = debug_logs.read()
    assert f"message from user {pseudonym(tg(FORGETTER))}" in log  # the adapter's lines are in

    ask = await b.say(FORGETTER, "/forget", "fi")
    done = await b.press(FORGETTER, ask, speaker.gettext("Yes, delete everything"), "fi")
    assert done.plain_text == speaker.gettext("Done. I deleted everything I knew about you.")
    await b.server.wait_until_consumed()
    assert await b.drain() == 0  # the waiting report and answer went with the rest

    assert await traces(b.database, needles) == []
    if sqlite:
        assert file_traces(b.database, needles) == []
    log = debug_logs.read()
    assert [needle for needle in needles if needle.casefold() in log.casefold()] == []
    assert f"button from user {pseudonym(tg(FORGETTER))}" in log
    for line in debug_logs.files[1].read_text("utf-8").splitlines():
        assert set(json.loads(line)) >= {"time", "level", "logger", "message"}
    print(f"forget, {backend.engine.dialect.name}: {time.monotonic() - started:.1f} s")


# --- issue 13: /report in the chat ------------------------------------------------------------


async def test_report_sends_the_summary_and_the_html_to_a_coordinator_only(bench: Bench) -> None:
    seen = bench.count(COORDINATOR)
    bench.server.user_sends_text(COORDINATOR, "/report 30", language_code="fi")
    summary, document = await bench.after(COORDINATOR, seen, 2)
    assert len((summary.plain_text or "").splitlines()) == 5
    assert document.method == "sendDocument"
    assert document.upload is not None
    assert (document.upload.filename or "").startswith("tarjotin-report-nurmijarvi-")
    html = document.upload.data.decode("utf-8")
    assert 'id="tray-grid"' in html
    assert 'id="gaps"' in html
    refusal = bench.speaker("en").gettext(
        "Only coordinators and organisers can get the tray report."
    )
    await bench.grant(VOLUNTEER, Role.VOLUNTEER, LOUHELA)
    for user in (NEWCOMER, VOLUNTEER):
        await bench.onboard(user, "en")
        answer = await bench.say(user, "/report")
        assert answer.plain_text == refusal
        assert all(m.method != "sendDocument" for m in bench.server.sent_messages(user))
