"""Where the database is, how to connect to it, and bringing its schema up to date.

SQLite (through aiosqlite) in the data directory is the default; any SQLAlchemy URL, notably
PostgreSQL through asyncpg, can be given instead. The schema is owned by the Alembic
migrations shipped inside this package, which the application runs to ``head`` at start.
"""

from __future__ import annotations

import ast
import asyncio
import fcntl
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from alembic.config import Config

DATABASE_FILE = "tarjotin.sqlite3"
"""The SQLite file name inside the data directory."""

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
"""The Alembic script directory, shipped as package data."""

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_BACKEND_ALIASES = {"postgres": "postgresql"}


def database_url(data_dir: Path, url: str | None) -> str:
    """Choose the URL to connect to: ``url`` if one is configured, else SQLite in ``data_dir``.

    A URL without an async driver (``postgresql://``, ``postgres://``, ``sqlite://``) gets the
    one this project uses, so that a conventional URL from a hosting provider works as is.
    """
    if url is None or not url.strip():
        return URL.create(
            "sqlite+aiosqlite", database=str(data_dir / DATABASE_FILE)
        ).render_as_string(hide_password=False)
    parsed = make_url(url.strip())
    backend = _BACKEND_ALIASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    if "+" not in parsed.drivername and backend in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str | URL) -> bool:
    """Tell whether ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def is_memory_sqlite(url: URL) -> bool:
    """Tell whether ``url`` is an in-memory SQLite database."""
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in str(url)
    )


def create_engine(url: str, *, connect_args: Mapping[str, Any] | None = None) -> AsyncEngine:
    """Create an async engine; for SQLite with foreign keys on, WAL and real transactions.

    Errors never show the statement's parameters. SQLite overwrites deleted content
    (``secure_delete``).

    The SQLite file's directory is created if missing. Python's sqlite3 module would otherwise
    skip ``BEGIN`` before DDL and SELECT, so the engine emits ``BEGIN`` itself: migrations and
    imports are then atomic as they are on PostgreSQL.
    """
    parsed = make_url(url)
    # A database error's message (logged with its traceback) then names the statement but not
    # its parameters: those are user ids and message texts.
    options: dict[str, Any] = {"hide_parameters": True}
    if is_memory_sqlite(parsed):
        # One connection for the engine's life: an in-memory database lives only as long as a
        # connection to it does (``tarjotin ask --catalog`` uses one).
        options["poolclass"] = StaticPool
    engine = _create_async_engine(parsed, connect_args=dict(connect_args or {}), **options)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(parsed)
        _install_sqlite_hooks(engine)
    return engine


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked: after /forget and a
        # checkpoint (truncate_wal) no page of the file still holds the person's bytes.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    def on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a read-then-write transaction would
        # otherwise fail at once with "database is locked" under WAL when users arrive together.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)


async def truncate_wal(engine: AsyncEngine) -> bool:
    """SQLite: copy the write-ahead log into the database file and empty it; else nothing.

    Run after an erasure commits: until a checkpoint, the ``-wal`` file still holds the pages
    as they were before the delete. ``TRUNCATE`` waits (the busy timeout) for readers and
    writers to finish, then leaves the file at zero bytes. Returns whether the whole log was
    checkpointed (``False`` when another connection kept it busy: the next checkpoint, at the
    latest SQLite's automatic one after 1,000 pages, carries on). Always ``True`` elsewhere.
    """
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        # The driver's own connection: no BEGIN around it (a checkpoint cannot run inside a
        # transaction), and nothing of it is left for the pool to roll back.
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log, _done = await cursor.fetchone()
        await cursor.close()
    return not busy


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration in code (no ``alembic.ini`` needed at run time).

    With ``connection`` the migration environment runs on it instead of opening its own.
    Alembic (with Mako and Pygments, ~10 MiB resident) is imported here, only when a
    migration or a backup needs it, not by every process that opens the database.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


#: The PostgreSQL advisory lock instances hold while migrating ("tarjotin" in ASCII).
MIGRATION_LOCK = 0x7461726A6F74696E


def _upgrade(connection: Connection) -> None:
    if _at_head(connection):  # the usual start: nothing to do, and Alembic stays unimported
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def migration_lock_path(engine: AsyncEngine) -> Path | None:
    """The file SQLite instances lock while migrating (beside the database), or ``None``.

    An in-memory database has no other instance to wait for; PostgreSQL uses an advisory lock.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or is_memory_sqlite(url):
        return None
    database = Path(url.database)
    return database.with_name(database.name + ".migrations.lock")


@asynccontextmanager
async def _file_lock(path: Path | None) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (waiting in a thread, not on the loop)."""
    if path is None:
        yield
        return
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


async def migrate_to_head(engine: AsyncEngine) -> None:
    """Apply every pending migration, in one transaction, one instance at a time.

    Instances starting together wait for each other, however long a migration takes: on
    PostgreSQL behind an advisory lock held until the transaction ends; on SQLite behind an
    exclusive lock on a file beside the database (SQLite's own write lock would only make a
    waiting instance fail once its busy timeout ran out).
    """
    async with _file_lock(migration_lock_path(engine)), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        await connection.run_sync(_upgrade)


#: The table where Alembic keeps the revision a database is at.
VERSION_TABLE = "alembic_version"


def _module_assignments(source: str) -> dict[str, object]:
    """The constant values assigned at the top level of a migration's source."""
    values: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    return values


def head_revisions(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str]:
    """The head revisions of the migrations in ``versions``, read without importing Alembic.

    A head is a revision no other one revises (``down_revision`` may be one id or several).
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in versions.glob("*.py"):
        values = _module_assignments(path.read_text("utf-8"))
        revision = values.get("revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = values.get("down_revision")
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, list | tuple):
            revised.update(item for item in down if isinstance(item, str))
    return frozenset(revisions - revised)


def stored_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database says it is at (none for a new, empty database)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(str(row[0]) for row in rows)


def _at_head(connection: Connection) -> bool:
    return stored_revisions(connection) == head_revisions()


async def schema_at_head(engine: AsyncEngine) -> bool:
    """Whether the database answers and its schema is the newest this code knows."""
    async with engine.connect() as connection:
        return await connection.run_sync(_at_head)


class SessionSource(Protocol):
    """Where a repository gets its session: an ``async_sessionmaker``, or one unit of work's.

    ``begin()`` is a transaction of its own for a plain sessionmaker; inside a
    :class:`~bot.storage.unit_of_work.SqlUnitOfWork` both hand out the unit's one session, and
    only the unit commits.
    """

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session for reading."""
        ...

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in a transaction, committed when the block ends without error."""
        ...


class Database:
    """An engine and the session factory bound to it, opened once per process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, connect_args: Mapping[str, Any] | None = None
    ) -> Database:
        """Connect to ``url`` and (unless told not to) upgrade the schema to the newest one."""
        database = cls(create_engine(url, connect_args=connect_args))
        if migrate:
            try:
                await migrate_to_head(database.engine)
            except BaseException:
                await database.close()
                raise
        return database

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
