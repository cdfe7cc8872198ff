"""``tarjotin backup -o FILE`` and ``tarjotin restore FILE``: what they do and what they say.

Both read the same settings as ``tarjotin run`` (the database URL and the data directory).
A backup reads one consistent snapshot without stopping a running bot (PostgreSQL: a
repeatable-read transaction; SQLite: a deferred read transaction, which under WAL blocks no
writer). A restore is all or nothing: the archive is checked and unpacked aside first; the
database is emptied, migrated to the archive's schema, loaded, its sequences reset and migrated
to the newest schema in one transaction; the data directory's files are put in place before
that transaction commits and put back as they were if it does not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, event, make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.backup.archive import (
    MIB,
    ArchiveError,
    Limits,
    Manifest,
    Member,
    NewerArchiveError,
    TableCopy,
    file_member,
    read_archive,
    sha256_of,
    table_member,
    write_archive,
)
from bot.backup.data_files import (
    BACKUP_PREFIX,
    RESTORE_PREFIX,
    Swap,
    data_files,
    put_in_place,
    skipped,
)
from bot.backup.tables import (
    RowFormatError,
    current_revision,
    drop_schema,
    dump_table,
    has_rows,
    head_revision,
    known_revisions,
    load_table,
    reset_sequences,
    typed_tables,
    upgrade,
)
from bot.config import Settings
from bot.failures import ExitCode, OperatorError
from bot.startup_checks import database_failure, safe_location
from bot.storage.database import MIGRATION_LOCK, create_engine, database_url, is_sqlite
from handlers.core.ports import Clock

MAX_LINE_BYTES: Final = 64 * MIB
"""The longest row a restore reads (a line longer is refused, not read into memory)."""
DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True)
class Target:
    """Where the data is: the database URL (with driver options) and the data directory."""

    url: str
    data_dir: Path
    connect_args: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, settings: Settings) -> Target:
        """The database and data directory ``tarjotin run`` would use."""
        secret = settings.database_url.get_secret_value() if settings.database_url else None
        return cls(database_url(settings.data_dir, secret), settings.data_dir)

    @property
    def where(self) -> str:
        """The database's location without credentials."""
        return safe_location(make_url(self.url))


@dataclass(frozen=True)
class Outcome:
    """What a backup wrote or a restore loaded."""

    manifest: Manifest
    migrated_to: str

    @property
    def rows(self) -> int:
        """Rows over every table."""
        return sum(table.rows for table in self.manifest.tables)


def snapshot_engine(target: Target) -> AsyncEngine:
    """An engine whose transaction reads one consistent snapshot and blocks no writer."""
    url = make_url(target.url)
    args = dict(target.connect_args or {})
    if not is_sqlite(url):
        return create_async_engine(
            url, connect_args=args, hide_parameters=True, isolation_level="REPEATABLE READ"
        )
    engine = create_async_engine(url, connect_args=args, hide_parameters=True)

    def on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # BEGIN below, deferred: a reader under WAL

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
    return engine


async def back_up(target: Target, output: Path, clock: Clock) -> Outcome:
    """Write the database and the data directory's files to ``output`` (replaced atomically)."""
    url = make_url(target.url)
    _check_database_file(target)
    created = clock().astimezone(UTC)
    try:
        with tempfile.TemporaryDirectory(prefix=BACKUP_PREFIX, dir=output.parent) as work:
            staging = Path(work)
            revision, tables = await _dump_database(target, staging)
            files = _copy_files(target.data_dir, output, staging)
            manifest = Manifest(
                created_at=created.isoformat(),
                schema_revision=revision,
                database=url.get_backend_name(),
                tables=tables,
                files=files,
            )
            sources = {name: staging / name for name in manifest.members()}  # same layout
            write_archive(output, manifest, sources, created.timestamp())
    except OSError as error:
        raise OperatorError(
            ExitCode.BACKUP,
            f"The backup could not be written to {output} ({error.strerror or error}). Check "
            "that the folder exists, that it is writable by the user Tarjotin runs as and that "
            "the disk is not full. Nothing was written.",
        ) from error
    return Outcome(manifest, revision)


def _check_database_file(target: Target) -> None:
    """Refuse to back up an SQLite file that is not there (connecting would create it)."""
    url = make_url(target.url)
    if is_sqlite(url) and url.database and not Path(url.database).is_file():
        raise OperatorError(
            ExitCode.BACKUP,
            f"There is no database to back up at {target.where} (TARJOTIN_DATA_DIR, "
            "TARJOTIN_DATABASE_URL): check that the settings are those of the running bot. "
            "Nothing was written.",
        )


async def _dump_database(target: Target, staging: Path) -> tuple[str, tuple[TableCopy, ...]]:
    engine = snapshot_engine(target)
    try:
        try:
            connection = await engine.connect()
        except OSError as error:  # refused, or no such host: not the backup file's fault
            raise database_failure(make_url(target.url), error) from error
        try:
            async with connection.begin():
                return await _dump_tables(connection, target, staging)
        finally:
            await connection.close()
    except (TimeoutError, SQLAlchemyError) as error:
        raise database_failure(make_url(target.url), error) from error
    finally:
        await engine.dispose()


async def _dump_tables(
    connection: AsyncConnection, target: Target, staging: Path
) -> tuple[str, tuple[TableCopy, ...]]:
    """Every table into its JSON-lines file under ``staging``, in one snapshot."""
    revision = await connection.run_sync(current_revision)
    checked = _check_backup_revision(revision, target)
    copies = []
    for table in await connection.run_sync(typed_tables):
        path = staging / table_member(table.name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with path.open("w", encoding="utf-8", newline="\n") as out:
            rows = await dump_table(connection, table, out.write)
        size, digest = sha256_of(path)
        copies.append(TableCopy(Member(table.name, size, digest), rows))
    return checked, tuple(copies)


def _check_backup_revision(revision: str | None, target: Target) -> str:
    """The database's revision, if this code can back it up (and restore it later)."""
    if revision is None:
        raise OperatorError(
            ExitCode.BACKUP,
            f"The database at {target.where} has no Tarjotin tables yet: there is nothing to "
            "back up. Check TARJOTIN_DATABASE_URL and TARJOTIN_DATA_DIR. Nothing was written.",
        )
    if revision not in known_revisions():
        raise OperatorError(
            ExitCode.BACKUP,
            f"The database at {target.where} was last used by a newer version of Tarjotin "
            f"(schema {revision}). Back it up with that version. Nothing was written.",
        )
    return revision


def _copy_files(data_dir: Path, output: Path, staging: Path) -> tuple[Member, ...]:
    """Copy the data directory's files aside (a stable copy to checksum and archive)."""
    members = []
    for relative in data_files(data_dir, leave_out=output):
        copy = staging / file_member(relative)
        copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        copy.write_bytes((data_dir / relative).read_bytes())
        size, digest = sha256_of(copy)
        members.append(Member(relative, size, digest))
    return tuple(members)


async def restore(
    target: Target, archive: Path, *, force: bool = False, limits: Limits = DEFAULT_LIMITS
) -> Outcome:
    """Replace the database and the data directory's files with the backup in ``archive``."""
    _prepare_restore(target, archive)
    with tempfile.TemporaryDirectory(prefix=RESTORE_PREFIX, dir=target.data_dir) as work:
        staging = Path(work)
        manifest = _read_checked(archive, staging, limits)
        aside = target.data_dir / f"{RESTORE_PREFIX}old-{uuid.uuid4().hex[:12]}"
        created = _absent_database_files(target)
        try:
            swap = await _load_and_place(target, manifest, staging, aside, force, archive)
        except BaseException:
            for path in created:  # a database file this restore made: gone again
                path.unlink(missing_ok=True)
            raise
        swap.commit()
    return Outcome(manifest, head_revision())


async def _load_and_place(
    target: Target, manifest: Manifest, staging: Path, aside: Path, force: bool, archive: Path
) -> Swap:
    """Load the database and put the files in place; the files go back if the commit fails."""
    swap: Swap | None = None
    engine = create_engine(target.url, connect_args=target.connect_args)
    try:
        async with engine.begin() as connection:
            await _load(connection, manifest, staging, target, force, archive)
            swap = _put_in_place(staging, target.data_dir, manifest, aside)
    except BaseException as error:
        if swap is not None:
            swap.rollback()
        if isinstance(error, OSError | TimeoutError | OperationalError | InterfaceError):
            raise database_failure(make_url(target.url), error) from error
        raise
    finally:
        await engine.dispose()
    return swap


def _absent_database_files(target: Target) -> list[Path]:
    """An SQLite file that does not exist yet, with its journals (removed if restoring fails)."""
    url = make_url(target.url)
    if not (is_sqlite(url) and url.database) or Path(url.database).exists():
        return []
    base = Path(url.database)
    return [base.with_name(base.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def _prepare_restore(target: Target, archive: Path) -> None:
    """Refuse a backup file that is not there; make the data directory if it is missing."""
    if not archive.is_file():
        raise OperatorError(
            ExitCode.BACKUP,
            f"The backup file {archive} does not exist or is not a file. Nothing was changed.",
        )
    target.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)


def _put_in_place(staging: Path, data_dir: Path, manifest: Manifest, aside: Path) -> Swap:
    try:
        return put_in_place(staging / "data", data_dir, [f.name for f in manifest.files], aside)
    except OSError as error:
        raise OperatorError(
            ExitCode.BACKUP,
            f"The data directory {data_dir} (TARJOTIN_DATA_DIR) could not take the restored "
            f"files ({error.strerror or error}). Check that it is writable by the user "
            "Tarjotin runs as. Nothing was changed.",
        ) from error


def _read_checked(archive: Path, staging: Path, limits: Limits) -> Manifest:
    try:
        manifest = read_archive(archive, staging, limits)
    except NewerArchiveError as error:
        raise _newer(archive, str(error)) from None
    except ArchiveError as error:
        raise _invalid(archive, str(error)) from None
    except OSError as error:
        raise OperatorError(
            ExitCode.BACKUP,
            f"The backup file {archive} could not be read, or unpacked into the data "
            f"directory ({error.strerror or error}). Check its permissions and the free disk "
            "space. Nothing was changed.",
        ) from error
    kept = [file.name for file in manifest.files if skipped(file.name)]
    if kept:
        raise _invalid(archive, f"it would replace {kept[0]}, which is not a backed-up file")
    if manifest.schema_revision not in known_revisions():
        raise _newer(archive, f"its database schema is {manifest.schema_revision}; this "
                              f"Tarjotin knows up to {head_revision()}")
    return manifest


def _invalid(archive: Path, reason: str) -> OperatorError:
    return OperatorError(
        ExitCode.ARCHIVE_INVALID,
        f"{archive} cannot be restored: {reason}. Nothing was changed. Give a file written by "
        "'tarjotin backup'.",
    )


def _newer(archive: Path, reason: str) -> OperatorError:
    return OperatorError(
        ExitCode.ARCHIVE_NEWER,
        f"{archive} was made by a newer version of Tarjotin ({reason}). Nothing was changed. "
        "Restore it with that version (or a newer one), or use a backup made by this version.",
    )


async def _load(
    connection: AsyncConnection,
    manifest: Manifest,
    staging: Path,
    target: Target,
    force: bool,
    archive: Path,
) -> None:
    """Empty, migrate to the archive's schema, load, reset sequences, migrate to the newest."""
    if connection.dialect.name == "postgresql":  # starting instances wait (migrate_to_head)
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    if not force and await connection.run_sync(has_rows):
        raise OperatorError(
            ExitCode.RESTORE_REFUSED,
            f"The database at {target.where} already holds data, and a restore replaces all "
            "of it. Nothing was changed. Restore into an empty database, or add --force to "
            "replace what it holds (back it up first: tarjotin backup -o before-restore.tar.gz).",
        )
    await connection.run_sync(drop_schema)
    await connection.run_sync(upgrade, manifest.schema_revision)
    tables = {table.name: table for table in await connection.run_sync(typed_tables)}
    for copy in manifest.tables:
        name = copy.member.name
        table = tables.get(name)
        if table is None:
            raise _invalid(archive, f"it has a table {name} that schema "
                                    f"{manifest.schema_revision} does not have")
        path = staging / table_member(name)
        try:
            loaded = await load_table(connection, table, _lines(path))
        except (RowFormatError, StatementError) as error:
            reason = error if isinstance(error, RowFormatError) else type(error.orig).__name__
            raise _invalid(archive, f"a row of table {name} cannot be loaded ({reason})") from None
        if loaded != copy.rows:
            raise _invalid(archive, f"table {name} holds {loaded} rows, not {copy.rows}")
    await reset_sequences(connection, tables.values())
    await connection.run_sync(upgrade, "head")


def _lines(path: Path) -> Iterator[str]:
    """The lines of a table's copy, each at most :data:`MAX_LINE_BYTES` long."""
    with path.open("r", encoding="utf-8", newline="\n") as handle:
        while line := handle.readline(MAX_LINE_BYTES):
            if len(line) == MAX_LINE_BYTES and not line.endswith("\n"):
                raise RowFormatError(f"a row longer than {MAX_LINE_BYTES // MIB} MB")
            yield line


def add_backup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` and ``restore`` to the ``tarjotin`` command's subparsers."""
    backup = commands.add_parser(
        "backup", help="write the database and the data directory's keys to one file"
    )
    backup.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="the archive to write (.tar.gz; replaced if it exists)")
    backup.set_defaults(handler=run_backup)
    restore_ = commands.add_parser(
        "restore", help="replace the database and the data directory's keys with a backup"
    )
    restore_.add_argument("file", type=Path, metavar="FILE", help="an archive from 'backup'")
    restore_.add_argument("--force", action="store_true",
                          help="replace a database that already holds data")
    restore_.set_defaults(handler=run_restore)


async def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    """``tarjotin backup -o FILE``."""
    outcome = await back_up(Target.of(settings), args.output, lambda: datetime.now(UTC))
    manifest = outcome.manifest
    size = args.output.stat().st_size
    print(
        f"Wrote {args.output} ({size / MIB:,.1f} MB): {outcome.rows:,} rows in "
        f"{len(manifest.tables)} tables (schema {manifest.schema_revision}) and "
        f"{len(manifest.files)} files of the data directory. Keep it as safe as the "
        "database: it holds the button-signing key and personal data.",
        file=sys.stderr,
    )
    return int(ExitCode.OK)


async def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    """``tarjotin restore FILE [--force]``."""
    outcome = await restore(Target.of(settings), args.file, force=args.force)
    manifest = outcome.manifest
    migrated = (
        f", migrated to {outcome.migrated_to}"
        if outcome.migrated_to != manifest.schema_revision else ""
    )
    print(
        f"Restored {args.file} (made {manifest.created_at}, schema "
        f"{manifest.schema_revision}{migrated}): {outcome.rows:,} rows in "
        f"{len(manifest.tables)} tables and {len(manifest.files)} files of the data directory. "
        "Start Tarjotin again.",
        file=sys.stderr,
    )
    return int(ExitCode.OK)
