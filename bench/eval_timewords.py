"""Measure time-window accuracy of ``catalog.understanding.timewords`` on labelled questions.

Usage: ``python -m bench.eval_timewords [QUESTIONS.jsonl] [--hint detected|label|none] [-v]``.
The language passed is the question's ``text_lang`` (``--hint label``, the default: the
detector's answer is expected to be right), nothing (``none``), or the project's language
detector's answer (``detected``). A window is right when its start and end dates equal the
label's (``null`` must stay ``null``); per-call time is measured too.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from catalog.understanding.timewords import find_window

DEFAULT = Path("/work/shared/eval/questions-dev.jsonl")


def _expected(row: dict[str, Any]) -> tuple[date, date] | None:
    window = row["expect"].get("window")
    if window is None:
        return None
    return date.fromisoformat(window["start"]), date.fromisoformat(window["end"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--hint", choices=("label", "none", "detected"), default="label")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.questions.read_text("utf-8").splitlines() if line]
    detector = None
    if args.hint == "detected":
        from catalog.understanding import Understander

        understander = Understander()
        detector = understander
    for row in rows:  # warm-up: load and compile every language's words before timing
        find_window(row["text"], None, datetime.fromisoformat(row["now"]))
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    timings: list[float] = []
    for row in rows:
        now = datetime.fromisoformat(row["now"])
        language: str | None = row["text_lang"]
        if args.hint == "none":
            language = None
        elif detector is not None:
            language = detector.understand(row["text"], now=now).language
        started = time.perf_counter()
        window = find_window(row["text"], language, now)
        timings.append(time.perf_counter() - started)
        got = None if window is None else (window.start, window.end)
        lang = row["text_lang"]
        total[lang] += 1
        if got == _expected(row):
            right[lang] += 1
        elif args.verbose:
            print(f"MISS {row['id']} [{lang}] {row['text']!r}: got {got}, want {_expected(row)}")
    for lang in sorted(total):
        print(f"{lang:4} {right[lang]:3}/{total[lang]:3}  {right[lang] / total[lang]:.1%}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"all  {all_right:3}/{all_total:3}  {all_right / all_total:.1%}")
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"time per call: median {timings[len(timings) // 2] * 1e6:.0f} µs, p99 {p99 * 1e6:.0f} µs"
    )


if __name__ == "__main__":
    main()
