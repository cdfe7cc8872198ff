"""Time importing a 10,000-activity catalogue into a fresh SQLite database.

Run ``python -m bench.bench_import [--activities N] [--seed S] [--keep DIR] [--url URL]``;
``--url`` benchmarks another (empty) database, e.g. PostgreSQL, instead of a fresh SQLite file.
Generating the catalogue is timed apart; reading the file (the catalogue exported to YAML and
JSON, then parsed and validated) is timed apart from the storage steps: first apply, load
(checked equal to what was applied), an unchanged re-apply, and a re-apply with some records
changed and some withdrawn. The issue asks for a 10,000-activity import to take under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TypeVar, cast

from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from catalog.export import export_text
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    Coordinator,
    Network,
    NetworkId,
    OneOffDate,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    ScheduleRule,
)
from catalog.parse import InvalidCatalogueError, load_catalogue

T = TypeVar("T")
Generator = Callable[[int, int], Catalogue]

DEFAULT_ACTIVITIES = 10_000
TARGET_SECONDS = 10.0


def _shared_generator() -> Generator | None:
    """Return ``bench.generator.generate_catalogue_model`` when that module exists."""
    try:
        module = importlib.import_module("bench.generator")
    except ImportError:
        return None
    return cast(Generator | None, getattr(module, "generate_catalogue_model", None))


def _fallback_catalogue(n_activities: int, seed: int) -> Catalogue:
    """Build a plausible catalogue: few networks and places, many varied activities."""
    rng = random.Random(seed)
    networks = tuple(
        Network(
            id=NetworkId(f"network-{n}"),
            name=(("fi", f"Verkosto {n}"), ("en", f"Network {n}")),
            municipalities=(f"Kunta {n}",),
            coordinator=Coordinator(email=f"coordinator{n}@example.fi"),
            languages=("fi", "en"),
        )
        for n in range(10)
    )
    organisations = tuple(
        Organisation(
            id=OrganisationId(f"org-{n}"),
            name=(("fi", f"Yhdistys {n}"),),
            kind="association",
            level="local",
            networks=(networks[n % len(networks)].id,),
        )
        for n in range(200)
    )
    places = tuple(
        Place(
            id=PlaceId(f"place-{n}"),
            name=(("fi", f"Paikka {n}"), ("en", f"Place {n}")),
            municipality=f"Kunta {n % 10}",
            address=f"Katu {n}",
            geo=(60 + rng.random(), 24 + rng.random()),
        )
        for n in range(500)
    )
    activities = tuple(
        _fallback_activity(n, rng, organisations, places) for n in range(n_activities)
    )
    return Catalogue("Europe/Helsinki", networks, organisations, places, activities)


def _fallback_activity(
    n: int, rng: random.Random, organisations: tuple[Organisation, ...], places: tuple[Place, ...]
) -> Activity:
    start = datetime(2026, 8, 17, 9, 0) + timedelta(days=rng.randrange(7), hours=rng.randrange(10))
    rules = tuple(
        ScheduleRule(
            rrule="FREQ=WEEKLY",
            start=start + timedelta(days=k),
            end=clock((start.hour + 1) % 24, 30),
            until=date(2026, 12, 15),
            exceptions=(date(2026, 12, 8),) if k == 0 else (),
        )
        for k in range(rng.randint(1, 2))
    )
    return Activity(
        id=ActivityId(f"activity-{n}"),
        organisation=rng.choice(organisations).id,
        klass=rng.choice(("support", "participation", "recruitment")),
        kinds=tuple(rng.sample(("language_club", "sports", "crafts", "cooking", "outdoor"), k=2)),
        title=(("fi", f"Toiminta {n}"), ("en", f"Activity {n}"), ("sv", f"Verksamhet {n}")),
        description=(("fi", f"Kuvaus {n} " * 5), ("en", f"Description {n} " * 5)),
        audience=("everyone",),
        languages=("fi", "en"),
        place=rng.choice(places).id,
        schedule=rules,
        dates=(OneOffDate(start, start + timedelta(hours=2)),) if n % 5 == 0 else (),
    )


def _changed(catalogue: Catalogue, seed: int) -> Catalogue:
    """Retitle 10 % of the activities and drop 1 %, as a later edit of the file would."""
    rng = random.Random(seed + 1)
    activities = []
    for activity in catalogue.activities:
        roll = rng.random()
        if roll < 0.01:
            continue
        if roll < 0.11:
            activity = replace(activity, title=(("fi", f"Muutettu {activity.id}"),))
        activities.append(activity)
    return replace(catalogue, activities=tuple(activities))


@contextmanager
def _timed(label: str, results: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started


async def _timed_async(label: str, results: dict[str, float], step: Awaitable[T]) -> T:
    with _timed(label, results):
        return await step


def _time_parsing(catalogue: Catalogue, scratch: Path, results: dict[str, float]) -> None:
    """Time reading the catalogue back from files, the way an import from a file starts."""
    for fmt in ("json", "yaml"):
        path = scratch / f"catalogue.{fmt}"
        path.write_text(export_text(catalogue, fmt), encoding="utf-8")
        try:
            with _timed(f"parse+validate {fmt} file", results):
                parsed = load_catalogue(path)
        except InvalidCatalogueError as error:
            print(f"{fmt}: the generated catalogue is invalid: {error.problems[:3]}")
            continue
        if parsed != catalogue:
            print(f"{fmt}: the parsed file differs from the generated catalogue")


async def _run(n_activities: int, seed: int, url: str, scratch: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    generator = _shared_generator()
    print(f"generator: {'bench.generator' if generator else 'local fallback'}")
    with _timed("generate", results):
        catalogue = (generator or _fallback_catalogue)(n_activities, seed)
    _time_parsing(catalogue, scratch, results)
    edited = _changed(catalogue, seed)
    database = await _timed_async("open+migrate", results, Database.open(url))
    try:
        store = CatalogStore(database.sessions)
        first = await _timed_async("apply (first)", results, store.apply(catalogue))
        loaded = await _timed_async("load", results, store.load())
        if loaded != catalogue:
            raise SystemExit("load() did not return the applied catalogue")
        await _timed_async("apply (unchanged)", results, store.apply(catalogue))
        second = await _timed_async("apply (10% changed, 1% gone)", results, store.apply(edited))
    finally:
        await database.close()
    print(f"activities: {len(catalogue.activities)}; first import: {first.activities}")
    print(f"edited import: {second.activities}")
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the timings; exit status 1 if over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the database here instead of a temp dir")
    parser.add_argument("--url", help="an empty database to use instead of SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.keep or Path(scratch)
        url = database_url(data_dir, args.url)
        print(f"database: {url.split('@')[-1]}")
        results = asyncio.run(_run(args.activities, args.seed, url, Path(scratch)))
    for label, seconds in results.items():
        print(f"{label:32s} {seconds:7.2f} s")
    apply_seconds = results["apply (first)"]
    for fmt in ("json", "yaml"):
        parse_seconds = results.get(f"parse+validate {fmt} file")
        if parse_seconds is not None:
            print(f"{fmt} file to database (parse + apply) {parse_seconds + apply_seconds:7.2f} s")
    over = apply_seconds > TARGET_SECONDS
    print(f"target: first apply under {TARGET_SECONDS:.0f} s: {'MISSED' if over else 'met'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
