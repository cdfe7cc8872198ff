"""Time "what is on this week" over a 10,000-activity catalogue, and what the index costs.

Run ``python -m bench.bench_occurrences [--activities N] [--seed S] [--queries Q]`` from the
project root. It compares the three ways of answering a window question:

- scanning every rule with dateutil from its DTSTART (what the issue warns against);
- expanding every activity on the fly for the window (``activity_occurrences``, no index);
- :class:`~catalog.occurrences.OccurrenceIndex`: month buckets materialised lazily, then
  bisected; cold (first question of a month) and warm (median and p99 of repeated questions),
  for the whole catalogue, one network, and a matcher-sized handful of activities;

and reports the cost of materialising a twelve-month horizon up front, of refreshing one
activity, and the memory one month of occurrences takes. Exit status 1 when a warm
whole-catalogue week exceeds the 10 ms p99 budget.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bench.generator import generate_catalogue_model
from catalog.model import ActivityId, Catalogue, OccurrenceChange
from catalog.occurrences import OccurrenceIndex, activity_occurrences, compile_rule
from catalog.scope import network_activity_ids

DEFAULT_ACTIVITIES = 10_000
BUDGET_MS = 10.0
#: The Monday of the week asked about first (a few weeks into the generated season).
FIRST_WEEK = date(2026, 10, 5)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


def _once(step: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    step(*args)
    return time.perf_counter() - started


def _spread(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 99th percentile (nearest rank) of durations in seconds."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(0.99 * len(ordered)) - 1))
    return statistics.median(ordered), ordered[rank]


def _row(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<52}{_ms(seconds)}  {note}")


def _row_spread(label: str, samples: Sequence[float], note: str = "") -> float:
    median, p99 = _spread(samples)
    print(f"  {label:<52}{_ms(median)}  p99 {_ms(p99).strip()}  {note}")
    return p99


def _week(monday: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, datetime.min.time(), zone)
    return start, datetime.combine(monday + timedelta(days=7), datetime.min.time(), zone)


def _dateutil_scan(catalogue: Catalogue, monday: date) -> int:
    """Every rule iterated from DTSTART with dateutil until past the week: the slow way."""
    last = monday + timedelta(days=6)
    count = 0
    for activity in catalogue.activities:
        for rule in activity.schedule:
            for start in rrulestr(rule.rrule, dtstart=rule.start):
                if start.date() > last:
                    break
                count += start.date() >= monday
        count += sum(monday <= d.start.date() <= last for d in activity.dates)
    return count


def _on_the_fly(catalogue: Catalogue, monday: date, zone: ZoneInfo) -> int:
    last = monday + timedelta(days=6)
    return sum(len(activity_occurrences(a, zone, monday, last, {})) for a in catalogue.activities)


def _changes(catalogue: Catalogue, zone: ZoneInfo, rng: random.Random) -> list[OccurrenceChange]:
    """Cancel or move one upcoming session of 2 % of the activities, as volunteers would."""
    changes = []
    for activity in rng.sample(catalogue.activities, k=len(catalogue.activities) // 50):
        found = activity_occurrences(
            activity, zone, FIRST_WEEK, FIRST_WEEK + timedelta(days=27), {}
        )
        if found:
            original = rng.choice(found).original_start
            if rng.random() < 0.5:
                changes.append(OccurrenceChange(activity.id, original, cancelled=True))
            else:
                moved = original + timedelta(days=rng.randint(-3, 3), hours=1)
                changes.append(OccurrenceChange(activity.id, original, new_start=moved))
    return changes


def run(n_activities: int, seed: int, queries: int) -> float:
    """Run every measurement and print it; return the warm whole-catalogue p99 in seconds."""
    rng = random.Random(seed)
    started = time.perf_counter()
    catalogue = generate_catalogue_model(n_activities, seed)
    dated = sum(not a.is_ongoing for a in catalogue.activities)
    rules = sum(len(a.schedule) for a in catalogue.activities)
    print(f"catalogue: {n_activities} activities ({dated} dated, {rules} rules), seed {seed}")
    _row("generate the catalogue", time.perf_counter() - started)
    changes = _changes(catalogue, ZoneInfo(catalogue.timezone), rng)
    print(f"changes: {len(changes)} cancelled or moved sessions")
    _without_index(catalogue)
    index, p99 = _with_index(catalogue, changes, rng, queries)
    _keeping_current(index, catalogue, rng, queries)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    label = f"peak resident memory so far ({len(index.cached_months())} months cached)"
    print(f"  {label:<52}{peak_kib / 1024:9.1f} MiB")
    del index
    _horizon(catalogue, changes)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return p99


def _without_index(catalogue: Catalogue) -> None:
    zone = ZoneInfo(catalogue.timezone)
    a_year_on = FIRST_WEEK + timedelta(weeks=52)
    print("\nwithout an index (one week, whole catalogue):")
    _row("dateutil scan of every rule from DTSTART", _once(_dateutil_scan, catalogue, FIRST_WEEK))
    _row("  the same a year later", _once(_dateutil_scan, catalogue, a_year_on))
    _row(
        "expand every activity on the fly, first time",
        _once(_on_the_fly, catalogue, FIRST_WEEK, zone),
        "(compiles every rule)",
    )
    _row(
        "expand every activity on the fly, rules compiled",
        _once(_on_the_fly, catalogue, a_year_on, zone),
    )


def _with_index(
    catalogue: Catalogue, changes: list[OccurrenceChange], rng: random.Random, queries: int
) -> tuple[OccurrenceIndex, float]:
    zone = ZoneInfo(catalogue.timezone)
    print("\nOccurrenceIndex (lazy month buckets):")
    compile_rule.cache_clear()  # the on-the-fly runs above compiled every rule already
    started = time.perf_counter()
    index = OccurrenceIndex(catalogue, changes)
    _row("build (compile every rule, no occurrences yet)", time.perf_counter() - started)
    started = time.perf_counter()
    count = len(index.between(*_week(FIRST_WEEK, zone)))
    _row(
        "first week, cold (materialises its month)",
        time.perf_counter() - started,
        f"{count} occurrences",
    )
    _row(
        "warm up Sep, Nov and Dec as well",
        _once(index.warm, date(2026, 9, 1), date(2026, 12, 31)),
    )
    mondays = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(15)]

    def week() -> tuple[datetime, datetime]:
        return _week(rng.choice(mondays), zone)

    def sixty_days() -> tuple[datetime, datetime]:
        start = week()[0]
        return start, start + timedelta(days=60)

    networks = [network_activity_ids(catalogue, n) for n in catalogue.networks]
    sizes = sorted(len(ids) for ids in networks)
    all_ids = [a.id for a in catalogue.activities]
    p99 = _row_spread(
        "warm week, whole catalogue", _repeat(queries, lambda: index.between(*week()))
    )
    _row_spread(
        "warm week, one network",
        _repeat(queries, lambda: index.between(*week(), rng.choice(networks))),
        f"{sizes[0]}–{sizes[-1]} activities per network",
    )
    _row_spread(
        "warm 60 days, first of 40 activities (matcher)",
        _repeat(queries, lambda: index.first_each(*sixty_days(), set(rng.sample(all_ids, 40)))),
    )
    _row_spread(
        "warm 60 days, first of each in one network",
        _repeat(queries, lambda: index.first_each(*sixty_days(), rng.choice(networks))),
    )
    _row_spread(
        "next_for one activity",
        _repeat(queries, lambda: index.next_for(ActivityId(rng.choice(all_ids)), week()[0])),
    )
    return index, p99


def _repeat(times: int, query: Callable[[], object]) -> list[float]:
    return [_once(query) for _ in range(times)]


def _keeping_current(
    index: OccurrenceIndex, catalogue: Catalogue, rng: random.Random, queries: int
) -> None:
    print("\nkeeping it current:")
    activity = rng.choice([a for a in catalogue.activities if a.schedule])
    _row(
        "replace one activity (patches cached months)",
        statistics.median(_repeat(queries, lambda: index.update_activity(activity))),
        f"{len(index.cached_months())} months cached",
    )
    first = index.between(*_week(FIRST_WEEK, ZoneInfo(catalogue.timezone)))[0]
    cancel = OccurrenceChange(first.activity, first.original_start, cancelled=True)
    _row(
        "apply one change",
        statistics.median(_repeat(queries, lambda: index.apply_change(cancel))),
    )


def _horizon(catalogue: Catalogue, changes: list[OccurrenceChange]) -> None:
    print("\nmaterialising a twelve-month horizon instead:")
    horizon = OccurrenceIndex(catalogue, changes, max_buckets=12)
    _row("twelve months up front", _once(horizon.warm, date(2026, 9, 1), date(2027, 8, 31)))
    del horizon
    zone = ZoneInfo(catalogue.timezone)
    index = OccurrenceIndex(catalogue, changes)
    tracemalloc.start()
    index.warm(date(2026, 10, 1), date(2026, 10, 31))
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    month = (_week(date(2026, 10, 1), zone)[0], _week(date(2026, 11, 1), zone)[0])
    count = len(index.between(*month, include_cancelled=True))
    note = f"{count} occurrences, {size / max(count, 1):.0f} B each; x12 for the horizon"
    print(f"  {'memory of one month bucket (tracemalloc)':<52}{size / 2**20:9.1f} MiB  {note}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, and fail when the warm p99 is over budget."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    p99 = run(args.activities, args.seed, args.queries)
    if p99 * 1000 > BUDGET_MS:
        print(f"over budget: warm whole-catalogue p99 {p99 * 1000:.2f} ms > {BUDGET_MS} ms")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
