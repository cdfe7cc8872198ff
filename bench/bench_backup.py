"""Backup and restore at scale: ``python -m bench.bench_backup [--subscriptions N]``.

Seeds N users and N subscriptions (as ``bench_reminders`` does) beside the demo catalogue on
SQLite in a temporary directory (or ``--database-url``, a throw-away PostgreSQL database whose
schema is emptied first), then times ``tarjotin backup`` and a ``tarjotin restore`` into a
fresh SQLite database, with the archive's size and the process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_reminders import empty_database, seed
from bot.backup.commands import Target, back_up, restore
from bot.bootstrap import demo_catalogue_path
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from catalog.parse import load_catalogue

MOMENT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def peak_mib() -> float:
    """The process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(count: int, directory: Path, url: str | None) -> None:
    if url is not None:
        await empty_database(url)
    source_dir = directory / "source"
    database = await Database.open(database_url(source_dir, url))
    catalogue = load_catalogue(demo_catalogue_path())
    await CatalogStore(database.sessions).apply(catalogue)
    dated = [a.id for a in catalogue.activities if not a.is_ongoing]
    await seed(database, count, dated, [n.id for n in catalogue.networks])
    await database.close()
    source = Target(database_url(source_dir, url), source_dir)
    archive = directory / "backup.tar.gz"
    seeded = peak_mib()

    started = time.perf_counter()
    made = await back_up(source, archive, lambda: MOMENT)
    backed_up = time.perf_counter() - started
    after_backup = peak_mib()
    restored_dir = directory / "restored"
    started = time.perf_counter()
    await restore(Target(database_url(restored_dir, None), restored_dir), archive)
    restored = time.perf_counter() - started

    print(f"database                    {made.manifest.database}")
    print(f"subscriptions               {count:,}")
    print(f"rows                        {made.rows:,} in {len(made.manifest.tables)} tables")
    print(f"peak RSS after seeding      {seeded:.0f} MiB")
    print(f"archive                     {archive.stat().st_size / 2**20:,.1f} MiB")
    print(f"backup                      {backed_up:.1f} s (peak RSS {after_backup:.0f} MiB)")
    print(f"restore into SQLite         {restored:.1f} s (peak RSS {peak_mib():.0f} MiB)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        await bench(arguments.subscriptions, Path(directory), arguments.database_url)


if __name__ == "__main__":
    asyncio.run(main())
