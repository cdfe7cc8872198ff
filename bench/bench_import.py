"""Time importing a 10,000-activity catalogue into a fresh SQLite database.

Run ``python -m bench.bench_import [--activities N] [--seed S] [--keep DIR] [--url URL]``;
``--url`` benchmarks another (empty) database, e.g. PostgreSQL, instead of a fresh SQLite file.
Generating the catalogue is timed apart; reading the file (the catalogue exported to YAML and
JSON, then parsed and validated) is timed apart from the storage steps: first apply, load
(checked equal to what was applied), an unchanged re-apply, and a re-apply with some records
changed and some withdrawn. The issue asks for a 10,000-activity import to take under 10 s.

``--limits`` measures instead what issue 12 asks of ``tarjotin import`` itself, each run in a
process of its own (time, and peak resident memory from ``wait4``): the cost curve at 1,000,
10,000 and ``--largest`` (85,000) generated activities; the largest file with one error in its
last record, which must be refused no slower than the valid file is imported; memory under
1 GiB; and every hostile file of the issue refused in under 20 s and 1 GiB.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import random
import subprocess
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


# --- issue 12: the limits of `tarjotin import` ----------------------------------------------

LIMIT_SECONDS = 20.0
LIMIT_MIB = 1024.0
CURVE = (1_000, 10_000)
LARGEST = 85_000

_MINIMAL = """\
format: tarjotin/1
timezone: Europe/Helsinki
networks:
  - id: town
    name: {fi: Kaupunki}
    municipalities: [Nurmijärvi]
    coordinator: {email: coordinator@example.fi}
organisations:
  - {id: club, name: {fi: Kerho}, kind: association, level: local, networks: [town]}
activities:
  - id: cafe
    organisation: club
    class: support
    kinds: [language_club]
    title: {fi: Kielikahvila}
    schedule:
      - rrule: FREQ=WEEKLY;BYDAY=TU
        start: "2026-08-18T17:00"
        end: "18:30"
"""


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join(lines) + "\n"


def hostile_files() -> dict[str, tuple[str, str]]:
    """Each hostile file of issue 12: name -> (file suffix, text)."""
    rule = "FREQ=WEEKLY;BYDAY=TU"
    return {
        "INTERVAL=99999999999999999999": (
            "yaml", _MINIMAL.replace(rule, "FREQ=DAILY;INTERVAL=99999999999999999999")),
        "FREQ=SECONDLY": ("yaml", _MINIMAL.replace(rule, "FREQ=SECONDLY")),
        "COUNT=1000000000": ("yaml", _MINIMAL.replace(rule, rule + ";COUNT=1000000000")),
        "FREQ=DAILY;COUNT=1000000000": (
            "yaml", _MINIMAL.replace(rule, "FREQ=DAILY;COUNT=1000000000")),
        "duplicate keys": ("yaml", _MINIMAL + "timezone: UTC\n"),
        "alias bomb (9 levels)": ("yaml", _alias_bomb()),
        "duration P999999999D": ("yaml", _MINIMAL.replace('end: "18:30"', "duration: P999999999D")),
        "100,000-deep JSON": ("json", '{"format":\n' + "[" * 100_000 + "]" * 100_000 + "}"),
        "BYMONTH=2;BYMONTHDAY=30, DAILY": (
            "yaml", _MINIMAL.replace(rule, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")),
    }


# The child reports its own peak: ru_maxrss from wait4 would include the memory of the
# (large) benchmark process it was forked from; /proc/self/status's VmHWM is the new image's.
_CHILD = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK_KIB " + line.split()[1] + "\\n")
atexit.register(peak)
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run_import(path: Path, data_dir: Path) -> tuple[float, float, int]:
    """``tarjotin import PATH`` in a fresh process: seconds, peak RSS in MiB, exit status."""
    env = dict(os.environ, TARJOTIN_DATA_DIR=str(data_dir), TARJOTIN_LOG_LEVEL="WARNING")
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", _CHILD, "import", str(path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    seconds = time.perf_counter() - started
    peaks = [line.split()[1] for line in finished.stderr.splitlines() if line.startswith("PEAK")]
    return seconds, int(peaks[-1]) / 1024 if peaks else float("nan"), finished.returncode


def _one_error_in_the_last_record(text: str) -> str:
    at = text.rindex("\n  class: ")
    end = text.index("\n", at + 1)
    return text[:at] + "\n  class: suport" + text[end:]


def run_limits(largest: int, seed: int, scratch: Path) -> bool:
    """Measure issue 12's import targets; print a table; return whether all were met."""
    generator = _shared_generator() or _fallback_catalogue
    met = True
    print(f"{'file':44s} {'MB':>6s} {'exit':>4s} {'time':>8s} {'peak RSS':>10s}")

    def report(label: str, path: Path, expected: int) -> tuple[float, float]:
        nonlocal met
        seconds, mib, status = _run_import(path, scratch / f"data-{label[:12]}-{time.time_ns()}")
        size = path.stat().st_size / 1e6
        print(f"{label:44s} {size:6.1f} {status:4d} {seconds:7.1f}s {mib:8.0f} MiB", flush=True)
        if status != expected or mib > LIMIT_MIB:
            met = False
        return seconds, mib

    imported = 0.0
    for count in (*CURVE, largest):
        path = scratch / f"catalogue-{count}.yaml"
        path.write_text(export_text(generator(count, seed), "yaml"), encoding="utf-8")
        imported, _ = report(f"{count:,} activities (valid)", path, 0)
    bad = scratch / f"catalogue-{largest}-one-error.yaml"
    bad.write_text(_one_error_in_the_last_record(path.read_text("utf-8")), encoding="utf-8")
    refused, _ = report(f"{largest:,} activities, one error in the last", bad, 1)
    if refused > imported:
        print(f"refusing took longer than importing ({refused:.1f} s > {imported:.1f} s)")
        met = False
    for label, (suffix, text) in hostile_files().items():
        hostile = scratch / f"hostile.{suffix}"
        hostile.write_text(text, encoding="utf-8")
        seconds, _ = report(label, hostile, 1)
        met = met and seconds < LIMIT_SECONDS
    print(f"targets (refusal <= import, < {LIMIT_MIB:.0f} MiB, hostile < {LIMIT_SECONDS:.0f} s):"
          f" {'met' if met else 'MISSED'}")
    return met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the timings; exit status 1 if over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the database here instead of a temp dir")
    parser.add_argument("--url", help="an empty database to use instead of SQLite")
    parser.add_argument("--limits", action="store_true", help="issue 12's import limits instead")
    parser.add_argument("--largest", type=int, default=LARGEST, help="with --limits")
    args = parser.parse_args(argv)
    if args.limits:
        with tempfile.TemporaryDirectory() as scratch:
            return 0 if run_limits(args.largest, args.seed, Path(scratch)) else 1
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
