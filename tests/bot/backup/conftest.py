"""A running bot's state in a database and a data directory, and the places to restore it to.

The state: users, subscriptions with reminders due in the outbox, a signed button, a Matrix
store.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.backup.commands import Target
from bot.secret_file import load_or_create_secret
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.telegram.callbacks import SECRET_FILE, CallbackCodec
from catalog.model import ActivityId
from handlers.core.events import Action, ActionKind, ChatId, Profile, Reply, UserId
from handlers.core.ports import OutgoingMessage
from handlers.newcomers.reminder_timing import Subscription
from tests.bot.storage.catalogues import full_catalogue
from tests.bot.storage.conftest import POSTGRES_URL_VARIABLE, backend_database, postgres_database
from tests.fakes import FixedClock

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
DUE = NOW + timedelta(hours=2)
ANA = UserId("telegram:42")
BO = UserId("matrix:@bo:example.org")
TELEGRAM_USER = 42
MATRIX_FILES = {
    "matrix/session.json": b'{"device_id": "ABCDEFGH", "access_token": "syt_x"}\n',
    "matrix/state.json": '{"version": 1, "next_batch": "s72_ü"}\n'.encode(),
    "matrix/crypto/@tarjotin_example.org_ABCDEFGH.db": bytes(range(256)) * 40,
}


@dataclass
class Running:
    """What the bot left behind: its database and data directory, and what to check after."""

    database: Database
    target: Target
    button: str
    subscriptions: list[Subscription]


async def schema_of(database: Database) -> str | None:
    """The PostgreSQL schema a test database lives in (``None`` on SQLite)."""
    if database.engine.dialect.name != "postgresql":
        return None
    async with database.engine.connect() as connection:
        return (await connection.execute(text("SELECT current_schema()"))).scalar()


async def target_of(database: Database, data_dir: Path) -> Target:
    """Where ``database`` is, as ``tarjotin backup`` and ``restore`` take it."""
    url = database.engine.url.render_as_string(hide_password=False)
    schema = await schema_of(database)
    args = None if schema is None else {"server_settings": {"search_path": schema}}
    return Target(url, data_dir, args)


async def fill(database: Database, data_dir: Path) -> Running:
    """Users, subscriptions with reminders due in the outbox, a signed button, Matrix files."""
    await CatalogStore(database.sessions).apply(full_catalogue())
    profiles = SqlProfileStore(database.sessions)
    await profiles.save(Profile(ANA, language="ar", network="nurmijarvi"))
    await profiles.save(Profile(BO, language="uk", network="nurmijarvi"))
    store = SqlSubscriptionStore(database.sessions)
    club = Subscription(ANA, ChatId(str(ANA)), NOW, activity=ActivityId("kielikahvila"))
    kind = Subscription(BO, ChatId(str(BO)), NOW, kind="language_club", network="nurmijarvi")
    subscriptions = [await store.add(club), await store.add(kind)]
    stop = Action(ActionKind.STOP_REMINDERS, "x", "1")
    reply = Reply("Muistutus: kielikahvila ☕", "ar", (stop,))
    await SqlOutbox(database.sessions).enqueue(
        [
            OutgoingMessage("reminder:ana", ChatId(str(ANA)), ANA, reply, DUE, category="reminder"),
            OutgoingMessage("reminder:bo", ChatId(str(BO)), BO, reply, DUE, category="reminder"),
        ],
        NOW,
    )
    codec = CallbackCodec(load_or_create_secret(data_dir / SECRET_FILE), clock=NOW.timestamp)
    button = codec.encode(ActionKind.REMIND, "kielikahvila", TELEGRAM_USER)
    for name, data in MATRIX_FILES.items():
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Running(database, await target_of(database, data_dir), button, subscriptions)


@pytest.fixture
def clock() -> FixedClock:
    """The backup's clock."""
    return FixedClock(NOW + timedelta(minutes=5))


@pytest.fixture(params=["sqlite", "postgresql"])
async def running(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Running]:
    """A filled database of each backend with its data directory."""
    data_dir = tmp_path / "data"
    async with backend_database(request.param, data_dir) as database:
        yield await fill(database, data_dir)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    """Where to restore: a data directory that does not exist yet, and a fresh database.

    On SQLite a file not yet created; on PostgreSQL an empty schema.
    """
    data_dir = tmp_path / "restored"
    if request.param == "sqlite":
        yield Target(database_url(data_dir, None), data_dir)
        return
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    async with postgres_database(database_url(data_dir, url)) as database:
        yield await target_of(database, data_dir)
