"""Time the keepers' console's core at 10,000 activities: checking a form, and publishing it.

Run ``python -m bench.bench_console_core [--activities N] [--samples K]``. On a generated catalogue
(``bench.generator``) it times, per activity edited: filling the form (``form_of``), checking
it as an import would (``activity_from``), the review diff, the schedule in words and the
next three sessions; then, over a fresh SQLite database holding the catalogue, publishing a
draft (the single-activity upsert with the import's checks, the audit line and the console
mark in one transaction). The console's pages must answer in under 50 ms (issue 16): these
are the parts of a page's server time that grow with the catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.generator import generate_catalogue_model
from bot.storage.catalog_store import CatalogStore
from bot.storage.console import SqlConsoleStore
from bot.storage.database import Database, database_url
from handlers.coordination.console.diff import changes
from handlers.coordination.console.drafts import new_draft
from handlers.coordination.console.forms import Edited, activity_from, form_of
from handlers.coordination.console.preview import next_sessions, schedule_summary
from handlers.core.events import UserId
from handlers.core.i18n import Translator

NOW = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
BY = UserId("bench:1")
T = TypeVar("T")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def _timed(step: Callable[..., T], *args: Any) -> tuple[float, T]:
    start = time.perf_counter()
    result = step(*args)
    return time.perf_counter() - start, result


async def _publish_times(n_activities: int, samples: int) -> list[float]:
    catalogue = generate_catalogue_model(n_activities)
    with tempfile.TemporaryDirectory() as directory:
        database = await Database.open(database_url(Path(directory), None))
        try:
            await CatalogStore(database.sessions).apply(catalogue)
            console = SqlConsoleStore(database.sessions)
            times = []
            for activity in catalogue.activities[:samples]:
                edited = replace(activity, description=(*activity.description, ("ar", "وصف")))
                draft = await console.save_draft(new_draft(edited, BY, NOW))
                assert draft.id is not None
                start = time.perf_counter()
                await console.publish(draft.id, BY, NOW)
                times.append(time.perf_counter() - start)
            return times
        finally:
            await database.close()


PAGE_BUDGET = 0.050
"""A console page's server time (issue 16); the form's check and preview must fit well in it."""


def main(argv: list[str] | None = None) -> int:
    """Print the timings; 1 when checking and previewing an edit takes a page's whole budget."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    catalogue = generate_catalogue_model(args.activities)
    speaker = Translator().speaker("fi")
    picked = catalogue.activities[:: max(1, len(catalogue.activities) // args.samples)]
    steps: dict[str, list[float]] = {
        "form_of": [], "activity_from": [], "diff": [], "summary": [], "next 3": []
    }  # fmt: skip
    today = date(2026, 10, 6)
    for activity in picked:
        seconds, form = _timed(form_of, activity)
        steps["form_of"].append(seconds)
        seconds, checked = _timed(
            activity_from, form, catalogue, activity.organisation, activity.id, speaker
        )
        steps["activity_from"].append(seconds)
        assert isinstance(checked, Edited), activity.id
        steps["diff"].append(_timed(changes, activity, checked.activity)[0])
        steps["summary"].append(_timed(schedule_summary, activity, speaker, today)[0])
        steps["next 3"].append(_timed(next_sessions, activity, catalogue, NOW)[0])
    print(f"{len(catalogue.activities):,} activities, {len(picked)} edited:")
    for name, samples in steps.items():
        print(f"  {name:<14} {_ms(samples)}")
    published = asyncio.run(_publish_times(args.activities, min(args.samples, 50)))
    print(f"  {'publish (SQLite)':<14} {_ms(published)}")
    page = sum(statistics.median(samples) for samples in steps.values())
    return 0 if page < PAGE_BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
