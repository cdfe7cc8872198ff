"""A drainer process over a real channel adapter, for kill -9 tests on real platforms.

``python -m tests.bot.channel_crash_worker <db url> <telegram|matrix> <connection json>
<forever|until-empty>``

It drains whatever is due in the outbox for that channel, through the production senders:
:class:`~bot.telegram.outbox_sender.TelegramOutbox` over a
:class:`~bot.telegram.channel.TelegramChannel`
pointed at a Bot API server (the fake one of ``tests/telegram_server``), or
:class:`~bot.matrix.outbox_sender.MatrixOutbox` over a logged-in
:class:`~bot.matrix.channel.MatrixChannel` (a real Synapse). Only the process around them is
made for tests: a test kills it with SIGKILL at any moment and starts it again.

The connection JSON (see :class:`Connection`):

- ``limits``: the drainer's :class:`~bot.pacing.ChannelLimits` (default: the channel's own pacer);
- ``hold``: seconds a claim holds its rows (how soon a restart takes back a dead one's rows);
- Telegram: ``api_url``, ``token`` and ``secret`` (the callback codec's key, hex);
- Matrix: ``homeserver``, ``user``, ``password`` or ``access_token`` and ``data_dir``. The
  data directory keeps the login (``session.json``), so every restart is the same device
  with the same access token, and Synapse recognises a repeated transaction id.

This process never answers anyone: the conversation core behind the channel has no catalogue
and no understanding (the Telegram channel does not even poll). It only renders the replies
it sends, in the reply's language.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.bootstrap import build_assistant
from bot.outbox_drainer import OutboxDrainer
from bot.pacing import ChannelLimits, Pacing
from bot.storage.database import Database
from bot.storage.models import OutboxRow
from bot.storage.outbox import SqlOutbox, State
from catalog.model import Catalogue
from catalog.understanding.query import Query
from handlers.core.conversation import Conversation
from handlers.core.ports import OutboxSender
from tests.fakes import CRASH_TEST_START, shared_clock
from tests.wiring import sql_conversation

CHANNELS = ("telegram", "matrix")
MODES = ("forever", "until-empty")
#: The callback codec's key when the connection names none (the test reads buttons with it).
DEFAULT_SECRET = b"tarjotin-crash-test-secret-01234".hex()
#: How long the drainer naps when nothing is due.
IDLE = 0.05


#: The test's own clock, handed down by crash_harness.start_worker.
now = shared_clock(CRASH_TEST_START)


@dataclass(frozen=True)
class Connection:
    """How to reach the platform and how fast to drain, decoded from the command line."""

    channel: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, channel: str, text: str) -> Connection:
        """Read the JSON object given on the command line."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
        settings = json.loads(text)
        if not isinstance(settings, dict):
            raise ValueError("the connection must be a JSON object")
        return cls(channel, settings)

    @property
    def limits(self) -> ChannelLimits | None:
        """Limits of a pacer of the drainer's own, when given (else the channel's pacer)."""
        given = self.settings.get("limits")
        return ChannelLimits(**given) if given else None

    @property
    def hold(self) -> timedelta:
        """How long a claim holds its rows."""
        return timedelta(seconds=float(self.settings.get("hold", 1.0)))

    def text(self, name: str) -> str:
        """A required string setting."""
        value = self.settings.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"the {self.channel} connection needs {name!r}")
        return value

    def optional(self, name: str) -> str | None:
        """An optional string setting."""
        value = self.settings.get(name)
        return value if isinstance(value, str) and value else None


class SendOnly:
    """The understanding of a process that only sends: it is never asked a question."""

    def understand(
        self,
        text: str,
        *,
        now: datetime,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Query:
        """Refuse: a message reached a process that must never answer one."""
        raise RuntimeError("the crash-test drainer does not answer messages")


def sender_conversation(database: Database) -> Conversation:
    """A conversation core that can render replies in any language but answers nothing."""
    assistant = build_assistant(
        Catalogue("Europe/Helsinki", (), (), (), ()), understander=SendOnly()
    )
    return sql_conversation(assistant, database.sessions, now)


@asynccontextmanager
async def telegram_sender(
    connection: Connection, conversation: Conversation
) -> AsyncIterator[tuple[OutboxSender, Pacing]]:
    """A Telegram outbox sender on an initialised (connected, not polling) channel."""
    from bot.pacing import RetryPolicy
    from bot.telegram.callbacks import CallbackCodec
    from bot.telegram.channel import TelegramChannel, TelegramOptions
    from bot.telegram.limits import TELEGRAM_LIMITS
    from bot.telegram.outbox_sender import TelegramOutbox

    secret = bytes.fromhex(connection.optional("secret") or DEFAULT_SECRET)
    overall = connection.optional("telegram_overall")  # the channel's own 30/s, unless given
    options = TelegramOptions(
        request_timeout=5.0,
        retry=RetryPolicy(reply_attempts=4, first=0.05, longest=0.5),
        stop_grace=0.5,
        limits=replace(TELEGRAM_LIMITS, overall=int(overall)) if overall else TELEGRAM_LIMITS,
    )
    channel = TelegramChannel(
        conversation,
        connection.text("token"),
        codec=CallbackCodec(secret),
        api_url=connection.text("api_url"),
        options=options,
    )
    try:
        await channel.application.initialize()
        channel.adapter.bot_username = channel.application.bot.username
        yield TelegramOutbox(channel), channel.pacing
    finally:
        await channel.stop()


@asynccontextmanager
async def matrix_sender(
    connection: Connection, conversation: Conversation
) -> AsyncIterator[tuple[OutboxSender, Pacing]]:
    """A Matrix outbox sender on a running channel that keeps its device across restarts."""
    from bot.matrix.channel import MatrixChannel, MatrixConfig
    from bot.matrix.limits import MATRIX_RETRY
    from bot.matrix.login import Account
    from bot.matrix.outbox_sender import MatrixOutbox

    account = Account(
        connection.text("homeserver"),
        connection.text("user"),
        password=connection.optional("password"),
        access_token=connection.optional("access_token"),
    )
    config = MatrixConfig(
        account=account,
        data_dir=Path(connection.text("data_dir")),
        sync_timeout_ms=1_000,
        retry=replace(MATRIX_RETRY, first=0.2, longest=2.0),
        decrypt_grace_seconds=0.5,
    )
    channel = MatrixChannel(config, conversation)
    await channel.start()
    try:
        yield MatrixOutbox(channel), channel.pacing
    finally:
        await channel.stop()


def open_sender(
    connection: Connection, conversation: Conversation
) -> AbstractAsyncContextManager[tuple[OutboxSender, Pacing]]:
    """The real sender of the connection's channel, with the channel's pacer and retry policy."""
    if connection.channel == "telegram":
        return telegram_sender(connection, conversation)
    return matrix_sender(connection, conversation)


async def unfinished(database: Database, channel: str) -> int:
    """Rows of ``channel`` still waiting or being sent (by anyone, even a dead process)."""
    waiting = (State.PENDING.value, State.SENDING.value)
    async with database.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.state.in_(waiting))
        )
    return int(count or 0)


async def drain(database: Database, drainer: OutboxDrainer, mode: str) -> None:
    """Take back dead claims and send what is due; in ``until-empty`` mode stop when done."""
    outbox = drainer.outbox
    while True:
        await outbox.recover(now())
        if await drainer.drain_once():
            continue
        if mode == "until-empty" and not await unfinished(database, drainer.channel):
            return
        await asyncio.sleep(IDLE)


async def main(url: str, channel: str, connection_json: str, mode: str) -> None:
    """Open the database and the channel, then drain."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    connection = Connection.parse(channel, connection_json)
    database = await Database.open(url, migrate=False)
    try:
        conversation = sender_conversation(database)
        async with open_sender(connection, conversation) as (sender, pacing):
            limits = connection.limits
            drainer = OutboxDrainer(
                SqlOutbox(database.sessions),
                sender,
                channel,
                now,
                pacer=None if limits else pacing.pacer,
                limits=limits,
                charge=limits is not None,
                retry=pacing.retry,
                hold=connection.hold,
            )
            await drain(database, drainer, mode)
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
