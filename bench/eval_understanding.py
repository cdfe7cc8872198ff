"""Measure the understanding layer against labelled questions, per language.

Run ``python -m bench.eval_understanding [QUESTIONS.jsonl] [--catalog FILE] [--show-misses]``.
For each question it runs :class:`catalog.understanding.Understander` (with the question's
``lang_hint`` as the platform hint and no saved language) and compares with ``expect``:

- language: detected and equal to ``text_lang``;
- intent: equal;
- kinds, classes, audience: the labels list acceptable values, so an answer is right when it
  shares at least one with them, or when both are empty (audience ``everyone`` counts as no
  constraint);
- spoken languages: equal sets;
- municipalities: equal sets, where a question of a network that names none may also name the
  network's own municipalities (the same scope);
- window: equal start and end (only when the time-word reader is present).

It also times each call after a warm-up and reports the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from catalog.understanding import Understander
from catalog.understanding.query import Query

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared/eval/questions-dev.jsonl"
DEFAULT_CATALOG = Path(__file__).resolve().parents[1] / "catalog/data/demo-catalog.yaml"
FIELDS = ("language", "intent", "kinds", "classes", "audience", "spoken", "places", "window")


def _overlap_or_both_empty(expected: Iterable[str] | None, got: Iterable[str]) -> bool:
    wanted = set(expected or ()) - {"everyone"}
    found = set(got) - {"everyone"}
    if not wanted:
        return not found
    return bool(wanted & found)


def _network_places(catalog: Path) -> dict[str, set[str]]:
    from catalog.parse import load_catalogue

    catalogue = load_catalogue(catalog)
    return {n.id: set(n.municipalities) for n in catalogue.networks}


def _checks(
    row: dict[str, Any], query: Query, networks: dict[str, set[str]]
) -> dict[str, bool | None]:
    expect = row["expect"]
    places = set(query.municipalities)
    expected_places = set(expect.get("municipalities") or ())
    own = networks.get(row.get("network") or "", set())
    window = expect.get("window")
    got_window = query.window
    return {
        "language": query.language_detected and query.language == row["text_lang"],
        "intent": query.intent == expect["intent"],
        "kinds": _overlap_or_both_empty(expect.get("kinds"), query.kinds),
        "classes": _overlap_or_both_empty(expect.get("classes"), query.classes),
        "audience": _overlap_or_both_empty(expect.get("audience"), query.audiences),
        "spoken": set(expect.get("languages") or ()) == set(query.spoken_languages),
        "places": places == expected_places or (not expected_places and places <= own),
        "window": (
            (window is None and got_window is None)
            or (
                window is not None
                and got_window is not None
                and window["start"] == got_window.start.isoformat()
                and window["end"] == got_window.end.isoformat()
            )
        ),
    }


def _summary(query: Query) -> str:
    parts = [f"{query.language}{'' if query.language_detected else '?'}", query.intent]
    for name, value in (
        ("kinds", query.kinds),
        ("classes", query.classes),
        ("aud", query.audiences),
        ("spoken", query.spoken_languages),
        ("places", query.municipalities),
    ):
        if value:
            parts.append(f"{name}={sorted(value)}")
    if query.window:
        parts.append(f"window={query.window.start}..{query.window.end}")
    if query.terms:
        parts.append(f"terms={list(query.terms)}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--accuracy", choices=("low", "high"), default="low")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    networks = _network_places(args.catalog)
    started = time.perf_counter()
    understander = Understander(
        sorted({m for places in networks.values() for m in places}), accuracy=args.accuracy
    )
    built = time.perf_counter() - started

    for row in rows:  # warm-up: lazy model loading and caches
        understander.understand(row["text"], now=datetime.fromisoformat(row["now"]))
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    durations: list[float] = []
    for row in rows:
        now = datetime.fromisoformat(row["now"])
        start = time.perf_counter()
        query = understander.understand(row["text"], now=now, platform_hint=row.get("lang_hint"))
        seconds = time.perf_counter() - start
        durations.append(seconds)
        checks = _checks(row, query, networks)
        for field, ok in checks.items():
            for bucket in (row["text_lang"], "all"):
                totals[bucket][field][0] += int(bool(ok))
                totals[bucket][field][1] += 1
        misses = [field for field, ok in checks.items() if not ok]
        if args.show_misses and misses:
            print(f"{row['id']} {row['text']!r}\n    miss {misses}: {_summary(query)}")
            print(f"    want {json.dumps(row['expect'], ensure_ascii=False)}")

    print(f"{'lang':5} {'n':>3} " + " ".join(f"{field:>8}" for field in FIELDS))
    for bucket in sorted(totals, key=lambda b: (b == "all", b)):
        counts = totals[bucket]
        n = counts["intent"][1]
        cells = " ".join(
            f"{100 * counts[field][0] / max(counts[field][1], 1):7.0f}%" for field in FIELDS
        )
        print(f"{bucket:5} {n:>3} {cells}")
    durations.sort()
    p50 = durations[len(durations) // 2] * 1000
    p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"build {built * 1000:.0f} ms; per message p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"max {durations[-1] * 1000:.2f} ms; peak RSS {peak:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
