"""Alembic environment: runs on the connection the application hands over, or on its own.

The application calls :func:`bot.storage.database.migrate_to_head`, which passes its connection
in ``config.attributes["connection"]``. A developer running the ``alembic`` command (with the
top-level ``alembic.ini``) gets an engine for ``TARJOTIN_DATABASE_URL`` or the SQLite file in
``TARJOTIN_DATA_DIR``, exactly as the application would.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import context
from sqlalchemy import Connection

from bot.storage.database import create_engine, database_url
from bot.storage.models import Base

TARGET_METADATA = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _developer_url() -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    if configured:
        return configured
    data_dir = Path(os.environ.get("TARJOTIN_DATA_DIR", "./data"))
    return database_url(data_dir, os.environ.get("TARJOTIN_DATABASE_URL"))


async def _run_on_own_engine() -> None:
    engine = create_engine(_developer_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure_and_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_developer_url(),
        target_metadata=TARGET_METADATA,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        _run_offline()
        return
    connection = context.config.attributes.get("connection")
    if connection is None:
        asyncio.run(_run_on_own_engine())
    else:
        _configure_and_run(connection)


_main()
