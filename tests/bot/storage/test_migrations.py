"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from bot.storage.database import (
    Database,
    alembic_config,
    create_engine,
    database_url,
    head_revisions,
    migrate_to_head,
    migration_lock_path,
    schema_at_head,
    stored_revisions,
)
from bot.storage.models import Base

POSTGRES_IDENTIFIER_LIMIT = 63


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_models_and_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_database_is_at_the_newest_revision(database: Database) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with database.engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    assert head is not None
    assert current == head


def test_heads_read_from_the_versions_folder_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revisions() == frozenset(script.get_heads())


def test_a_merge_revision_and_a_branch_give_their_heads(tmp_path: Path) -> None:
    revisions = {
        "a": "None",
        "b": '"a"',
        "c": '"a"',
        "d": '("b", "c")',
        "e": '"d"',
        "f": '"d"',
    }
    for revision, down in revisions.items():
        (tmp_path / f"{revision}.py").write_text(
            f'revision: str = "{revision}"\ndown_revision = {down}\n', "utf-8"
        )
    assert head_revisions(tmp_path) == {"e", "f"}


async def test_the_stored_revision_is_read_and_checked_against_the_head(
    database: Database,
) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(stored_revisions) == head_revisions()
    assert await schema_at_head(database.engine)

    def step_back(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "-1")

    async with database.engine.begin() as connection:
        await connection.run_sync(step_back)
    assert not await schema_at_head(database.engine)
    await migrate_to_head(database.engine)
    assert await schema_at_head(database.engine)


async def test_an_empty_database_has_no_stored_revision(tmp_path: Path) -> None:
    engine = create_engine(database_url(tmp_path, None))
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(stored_revisions) == frozenset()
        assert not await schema_at_head(engine)
    finally:
        await engine.dispose()


async def test_upgrading_twice_changes_nothing(database: Database) -> None:
    await migrate_to_head(database.engine)
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
    database: Database,
) -> None:
    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
    async with database.engine.connect() as connection:
        assert _model_tables() & await connection.run_sync(_table_names) == set()
    await migrate_to_head(database.engine)
    async with database.engine.connect() as connection:
        assert _model_tables() <= await connection.run_sync(_table_names)
        assert await connection.run_sync(_differences) == []


def _model_tables() -> set[str]:
    return set(Base.metadata.tables)


def test_every_constraint_has_a_convention_name_that_postgresql_accepts() -> None:
    tables = Base.metadata.tables.values()
    names = [constraint.name for table in tables for constraint in table.constraints]
    names += [index.name for table in tables for index in table.indexes]
    assert names
    assert all(isinstance(name, str) and name for name in names)
    assert max(len(str(name)) for name in names) <= POSTGRES_IDENTIFIER_LIMIT
    assert len(set(names)) == len(names)


async def test_a_sqlite_instance_waits_for_another_instances_migration(tmp_path: Path) -> None:
    """Two instances starting together: the second migrates only after the first let go."""
    url = database_url(tmp_path, None)
    engine = create_engine(url)
    lock_path = migration_lock_path(engine)
    assert lock_path is not None
    assert lock_path.parent == tmp_path
    try:
        with lock_path.open("a") as other_instance:
            fcntl.flock(other_instance.fileno(), fcntl.LOCK_EX)
            migrating = asyncio.create_task(migrate_to_head(engine))
            await asyncio.sleep(0.3)
            assert not migrating.done()
            async with engine.connect() as connection:
                assert await connection.run_sync(_current_revision) is None
            fcntl.flock(other_instance.fileno(), fcntl.LOCK_UN)
        await asyncio.wait_for(migrating, 30)
        assert await schema_at_head(engine)
    finally:
        await engine.dispose()


def test_in_memory_sqlite_and_postgresql_take_no_file_lock() -> None:
    assert migration_lock_path(create_engine("sqlite+aiosqlite://")) is None
    assert migration_lock_path(create_engine("postgresql+asyncpg://u@localhost/x")) is None
