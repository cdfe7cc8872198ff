"""Question answering over a 10,000-activity catalogue: latency per question and memory.

Runs the labelled questions' texts (all 13 languages, every intent) against a generated
catalogue, each asked from one of its networks at a fixed time, through the whole core
(understanding, matching, the reply text). Prints p50/p95/p99 per question, the batch rate,
start-up cost and the process's peak resident memory (language detection models included).

``python -m bench.bench_questions [--activities 10000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.generator import generate_catalogue_model
from bench.score import DEFAULT_QUESTIONS
from bot.bootstrap import build_assistant


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0–1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args(argv)

    texts = [
        json.loads(line)["text"]
        for line in args.questions.read_text("utf-8").splitlines()
        if line.strip()
    ]
    started = time.perf_counter()
    catalogue = generate_catalogue_model(args.activities, seed=1)
    generated = time.perf_counter()
    assistant = build_assistant(catalogue)
    built = time.perf_counter()
    zone = ZoneInfo(catalogue.timezone)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=zone)
    networks = [n.id for n in catalogue.networks]
    # One warm-up pass fills the month buckets of the occurrence index, as a running bot has.
    for number, text in enumerate(texts):
        assistant.answer(text, now=now, network_id=networks[number % len(networks)])
    warmed = time.perf_counter()

    latencies: list[float] = []
    results = 0
    for _round in range(args.rounds):
        for number, text in enumerate(texts):
            begin = time.perf_counter()
            answer = assistant.answer(text, now=now, network_id=networks[number % len(networks)])
            latencies.append((time.perf_counter() - begin) * 1000)
            results += len(answer.search.matches) if answer.search else 0
    total = sum(latencies) / 1000

    print(f"catalogue: {args.activities} activities, {len(networks)} networks")
    print(f"generate catalogue        {generated - started:8.2f} s")
    print(f"build assistant (indexes, language models)  {built - generated:8.2f} s")
    print(f"first pass, {len(texts)} questions (cold buckets) {warmed - built:8.2f} s")
    print(
        f"questions answered        {len(latencies)} ({results / len(latencies):.1f} results each)"
    )
    print(f"latency p50               {statistics.median(latencies):8.2f} ms")
    print(f"latency p95               {percentile(latencies, 0.95):8.2f} ms")
    print(f"latency p99               {percentile(latencies, 0.99):8.2f} ms")
    print(f"latency max               {max(latencies):8.2f} ms")
    print(f"rate                      {len(latencies) / total:8.0f} questions/s")
    print(f"peak RSS                  {peak_rss_mb():8.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
