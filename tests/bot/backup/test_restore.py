"""A backup of a running bot restores into a fresh database and data directory; it carries on.

A button signed before verifies after, reminders are still due, the Matrix store is back.
"""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.backup.archive import FORMAT_VERSION
from bot.backup.commands import Target, back_up, restore
from bot.backup.tables import head_revision, upgrade
from bot.failures import ExitCode, OperatorError
from bot.secret_file import load_or_create_secret
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, create_engine, database_url
from bot.storage.outbox import SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.telegram.callbacks import SECRET_FILE, CallbackCodec, Decoded
from catalog.model import ActivityId
from handlers.core.events import ActionKind, ChatId, Profile
from handlers.newcomers.reminder_timing import Subscription
from tests.bot.backup.archives import members_of
from tests.bot.backup.conftest import (
    ANA,
    BO,
    DUE,
    MATRIX_FILES,
    NOW,
    TELEGRAM_USER,
    Running,
    fill,
)
from tests.fakes import FixedClock

HOLD = timedelta(minutes=2)


async def opened(target: Target) -> Database:
    """The restored database, opened as the bot opens it."""
    return await Database.open(target.url, connect_args=target.connect_args)


async def test_a_restored_bot_carries_on(
    running: Running, fresh: Target, clock: FixedClock, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    made = await back_up(running.target, archive, clock)
    assert made.manifest.created_at == clock().isoformat()
    assert made.rows > 0

    restored = await restore(fresh, archive)

    assert restored.migrated_to == head_revision() == made.manifest.schema_revision
    codec = CallbackCodec(load_or_create_secret(fresh.data_dir / SECRET_FILE), clock=NOW.timestamp)
    assert codec.decode(running.button, TELEGRAM_USER) == Decoded(ActionKind.REMIND, "kielikahvila")
    for name, data in MATRIX_FILES.items():
        path = fresh.data_dir / name
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    database = await opened(fresh)
    try:
        profiles = SqlProfileStore(database.sessions)
        assert await profiles.get(ANA) == Profile(ANA, language="ar", network="nurmijarvi")
        store = SqlSubscriptionStore(database.sessions)
        assert await store.for_user(ANA) == running.subscriptions[:1]
        assert await store.for_user(BO) == running.subscriptions[1:]
        outbox = SqlOutbox(database.sessions)
        assert await outbox.claim("telegram", DUE - timedelta(seconds=1), 10, "x", HOLD) == []
        [ana] = await outbox.claim("telegram", DUE, 10, "x", HOLD)
        [bo] = await outbox.claim("matrix", DUE, 10, "x", HOLD)
        assert (ana.key, bo.key) == ("reminder:ana", "reminder:bo")
        assert ana.reply.text == "Muistutus: kielikahvila ☕"
        catalogue = await CatalogStore(database.sessions).load()
        assert catalogue.activity(ActivityId("kielikahvila")) is not None
        new = await store.add(Subscription(BO, ChatId(str(BO)), NOW, activity=ActivityId("x")))
        assert new.id is not None  # the id sequence was moved past the restored rows
        assert new.id > max(s.id for s in running.subscriptions if s.id is not None)
    finally:
        await database.close()


async def test_the_archive_names_what_it_holds(
    running: Running, clock: FixedClock, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    await back_up(running.target, archive, clock)
    manifest, contents = members_of(archive)
    assert manifest["format"] == "tarjotin-backup"
    assert manifest["version"] == FORMAT_VERSION
    assert manifest["schema_revision"] == head_revision()
    assert manifest["created_at"] == clock().isoformat()
    files = {entry["name"] for entry in manifest["files"]}
    assert files == {SECRET_FILE, *MATRIX_FILES}
    assert not any("sqlite3" in name for name in contents)  # the database is copied by table
    rows = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
    assert rows["users"] == 2
    assert rows["subscriptions"] == 2
    assert rows["outbox"] == 2
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


async def test_a_database_with_data_is_replaced_only_with_force(
    running: Running, clock: FixedClock, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    await back_up(running.target, archive, clock)
    other_dir = tmp_path / "other"
    other = Target(database_url(other_dir, None), other_dir)
    database = await opened(other)
    try:
        await fill(database, other_dir)
        key_before = (other_dir / SECRET_FILE).read_bytes()
        with pytest.raises(OperatorError) as refused:
            await restore(other, archive)
        assert refused.value.code == ExitCode.RESTORE_REFUSED
        assert (other_dir / SECRET_FILE).read_bytes() == key_before  # nothing changed
        assert sorted(p.name for p in other_dir.iterdir() if p.name.startswith(".")) == []

        await restore(other, archive, force=True)
        assert (other_dir / SECRET_FILE).read_bytes() == (
            running.target.data_dir / SECRET_FILE
        ).read_bytes()
        assert sorted(p.name for p in other_dir.iterdir() if p.name.startswith(".")) == []
    finally:
        await database.close()


async def test_an_older_schema_is_migrated_after_loading(
    tmp_path: Path, clock: FixedClock
) -> None:
    old_dir = tmp_path / "old"
    old = Target(database_url(old_dir, None), old_dir)
    engine = create_engine(old.url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade, "0006")
            await connection.execute(
                text("INSERT INTO catalogue_meta (key, value) VALUES ('zone', 'Europe/Helsinki')")
            )
    finally:
        await engine.dispose()
    archive = tmp_path / "old.tar.gz"
    made = await back_up(old, archive, clock)
    assert made.manifest.schema_revision == "0006"

    new_dir = tmp_path / "new"
    new = Target(database_url(new_dir, None), new_dir)
    restored = await restore(new, archive)

    assert restored.migrated_to == head_revision() != "0006"
    engine = create_engine(new.url)
    try:
        async with engine.connect() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version")))
            assert version.scalar() == head_revision()
            meta = await connection.execute(text("SELECT value FROM catalogue_meta"))
            assert meta.scalar() == "Europe/Helsinki"
    finally:
        await engine.dispose()


async def test_rolling_back_over_a_newer_versions_database(
    running: Running, clock: FixedClock, tmp_path: Path
) -> None:
    """A newer version migrated the database; restore --force puts the backup's schema back.

    The newer version's table goes too, so the same upgrade can run again later.
    """
    archive = tmp_path / "before-upgrade.tar.gz"
    await back_up(running.target, archive, clock)
    engine = create_engine(running.target.url, connect_args=running.target.connect_args)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE future_things (id INTEGER PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO future_things (id) VALUES (1)"))
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await engine.dispose()

    with pytest.raises(OperatorError) as refused:
        await restore(running.target, archive)
    assert refused.value.code == ExitCode.RESTORE_REFUSED
    await restore(running.target, archive, force=True)

    engine = create_engine(running.target.url, connect_args=running.target.connect_args)
    try:
        async with engine.connect() as connection:
            version = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar() == head_revision()
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
            assert "future_things" not in names
            users = await connection.execute(text("SELECT COUNT(*) FROM users"))
            assert users.scalar() == 2
    finally:
        await engine.dispose()


async def test_a_backup_written_into_the_data_directory_leaves_itself_out(
    running: Running, clock: FixedClock
) -> None:
    inside = running.target.data_dir / "backup.tar.gz"
    await back_up(running.target, inside, clock)
    await back_up(running.target, inside, clock)  # the first one is not copied into the second
    manifest, _contents = members_of(inside)
    assert {entry["name"] for entry in manifest["files"]} == {SECRET_FILE, *MATRIX_FILES}
