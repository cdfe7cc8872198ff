"""A ``database`` fixture per backend: SQLite always, PostgreSQL when a server is given.

Set ``TARJOTIN_TEST_POSTGRES_URL`` (e.g. ``postgresql+asyncpg://user@host/db``) to run the
storage suite on PostgreSQL too; each test then gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, create_engine, database_url

POSTGRES_URL_VARIABLE = "TARJOTIN_TEST_POSTGRES_URL"


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[Database]:
    """A migrated database in a schema of its own on the server at ``url``, dropped after."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = await Database.open(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield database
    finally:
        await database.close()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def backend_database(backend: str, directory: Path) -> AsyncIterator[Database]:
    """A freshly migrated database of ``backend``: a SQLite file in ``directory``.

    With ``postgresql``, a throw-away database on the test server (skipped without one).
    """
    if backend == "sqlite":
        database = await Database.open(database_url(directory, None))
        try:
            yield database
        finally:
            await database.close()
        return
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    async with postgres_database(database_url(directory, url)) as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a freshly migrated database on each backend."""
    async with backend_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def store(database: Database) -> CatalogStore:
    """Return the repository on the test database."""
    return CatalogStore(database.sessions)
