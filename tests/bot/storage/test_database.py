"""Choosing the database URL and the SQLite connection settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from bot.storage.database import DATABASE_FILE, Database, database_url, is_sqlite, truncate_wal
from bot.storage.models import NetworkLanguage


def test_default_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    url = database_url(tmp_path / "data", None)
    assert url == f"sqlite+aiosqlite:///{tmp_path / 'data' / DATABASE_FILE}"
    assert is_sqlite(url)


def test_blank_url_means_the_default(tmp_path: Path) -> None:
    assert database_url(tmp_path, "  ") == database_url(tmp_path, None)


def test_a_configured_url_wins(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://bot:secret@db.example:5432/tarjotin"
    assert database_url(tmp_path, url) == url
    assert not is_sqlite(url)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://bot:pw@db/tarjotin", "postgresql+asyncpg://bot:pw@db/tarjotin"),
        ("postgres://bot:pw@db/tarjotin", "postgresql+asyncpg://bot:pw@db/tarjotin"),
        ("sqlite:////srv/tarjotin.db", "sqlite+aiosqlite:////srv/tarjotin.db"),
    ],
)
def test_a_url_without_an_async_driver_gets_ours(tmp_path: Path, given: str, expected: str) -> None:
    assert database_url(tmp_path, given) == expected


async def test_opening_creates_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet"
    database = await Database.open(database_url(data_dir, None))
    try:
        assert (data_dir / DATABASE_FILE).is_file()
    finally:
        await database.close()


async def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    database = await Database.open(database_url(tmp_path, None))
    try:
        async with database.engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
        assert journal == "wal"
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(
                    insert(NetworkLanguage),
                    [{"network_id": "nowhere", "position": 0, "language": "fi"}],
                )
    finally:
        await database.close()


async def _failing_migration(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("migration failed")


async def test_sqlite_rolls_back_ddl_so_a_failed_migration_leaves_nothing(
    tmp_path: Path,
) -> None:
    database = await Database.open(database_url(tmp_path, None), migrate=False)
    try:
        with pytest.raises(RuntimeError):
            await _failing_migration(database)
        async with database.engine.connect() as connection:
            tables = await connection.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")
            )
        assert tables == 0
    finally:
        await database.close()


def bytes_of(path: Path) -> bytes:
    """The raw bytes of a database file."""
    return path.read_bytes()


async def test_sqlite_overwrites_deleted_rows_and_an_emptied_wal_keeps_nothing(
    tmp_path: Path,
) -> None:
    database = await Database.open(database_url(tmp_path, None))
    file = tmp_path / DATABASE_FILE
    wal = Path(f"{file}-wal")
    marker = "Salaisuus-7318264059"
    try:
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA secure_delete")) == 1
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))

        async def write(statement: str) -> None:
            async with database.engine.begin() as connection:
                await connection.execute(text(statement), {"b": marker})

        # Written and deleted before any checkpoint: the log holds the row, then the file not.
        await write("INSERT INTO notes VALUES (:b)")
        await write("DELETE FROM notes WHERE body = :b")
        assert marker.encode() in bytes_of(wal)
        assert await truncate_wal(database.engine)
        assert not bytes_of(wal)
        assert marker.encode() not in bytes_of(file)
        # Checkpointed into the file, then deleted: the file keeps the old page until the
        # next checkpoint, which writes the page as secure_delete left it (zeros).
        await write("INSERT INTO notes VALUES (:b)")
        assert await truncate_wal(database.engine)
        assert marker.encode() in bytes_of(file)
        await write("DELETE FROM notes WHERE body = :b")
        assert marker.encode() in bytes_of(file)
        assert await truncate_wal(database.engine)
        assert not bytes_of(wal)
        assert marker.encode() not in bytes_of(file)  # overwritten with zeros
    finally:
        await database.close()


async def test_a_reader_holding_the_wal_makes_the_truncation_report_busy(
    tmp_path: Path,
) -> None:
    database = await Database.open(database_url(tmp_path, None), connect_args={"timeout": 0.05})
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        async with database.engine.connect() as reader:
            # A plain read transaction (the engine's own always begins IMMEDIATE).
            driver: Any = (await reader.get_raw_connection()).driver_connection
            await driver.execute("BEGIN")
            await (await driver.execute("SELECT count(*) FROM notes")).fetchall()
            async with database.engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('x')"))
            assert not await truncate_wal(database.engine)
            await driver.execute("ROLLBACK")
        assert await truncate_wal(database.engine)
    finally:
        await database.close()


async def test_a_database_error_names_no_parameter(tmp_path: Path) -> None:
    database = await Database.open(database_url(tmp_path, None))
    try:
        with pytest.raises(IntegrityError) as caught:
            async with database.engine.begin() as connection:
                await connection.execute(
                    insert(NetworkLanguage),
                    [{"network_id": "telegram:7318264059", "position": 0, "language": "fi"}],
                )
        assert "7318264059" not in str(caught.value)
    finally:
        await database.close()
