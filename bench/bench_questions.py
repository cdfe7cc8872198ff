"""Question answering over a 10,000-activity catalogue: latency per question and memory.

Runs the labelled questions' texts (all 13 languages, every intent; the short development set
and the realistic one with its long messages) against a generated catalogue, each asked from
one of its networks at a fixed time, through the whole core (understanding, matching, the reply
text); then the same questions grown to 1,000 characters (the text repeated: a long message full
of words to read). Prints p50/p95/p99 per question for both, the batch rate, start-up cost and
the process's peak resident memory (language detection models included).

``python -m bench.bench_questions [--activities 10000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.generator import generate_catalogue_model
from bench.score import DEFAULT_QUESTIONS
from bot.bootstrap import build_assistant

REALISTIC_QUESTIONS = DEFAULT_QUESTIONS.with_name("questions-dev-realistic.jsonl")
LONG_MESSAGE = 1000


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0–1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def grown(text: str, length: int = LONG_MESSAGE) -> str:
    """``text`` repeated into a message of ``length`` characters that ends with the question."""
    repeats = [text]
    while sum(len(part) + 1 for part in repeats) < length:
        repeats.append(text)
    return " ".join(repeats)[-length:]


def latencies_of(
    texts: Sequence[str], rounds: int, answer: Callable[[int, str], int]
) -> tuple[list[float], int]:
    """Milliseconds per question over ``rounds`` passes, and the results found in all."""
    latencies: list[float] = []
    results = 0
    for _round in range(rounds):
        for number, text in enumerate(texts):
            begin = time.perf_counter()
            results += answer(number, text)
            latencies.append((time.perf_counter() - begin) * 1000)
    return latencies, results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--questions", type=Path, nargs="+", default=[DEFAULT_QUESTIONS, REALISTIC_QUESTIONS]
    )
    args = parser.parse_args(argv)

    texts = [
        json.loads(line)["text"]
        for path in args.questions
        for line in path.read_text("utf-8").splitlines()
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

    def answer(number: int, text: str) -> int:
        found = assistant.answer(text, now=now, network_id=networks[number % len(networks)])
        return len(found.search.matches) if found.search else 0

    # One warm-up pass fills the month buckets of the occurrence index, as a running bot has.
    latencies_of(texts, 1, answer)
    warmed = time.perf_counter()
    latencies, results = latencies_of(texts, args.rounds, answer)
    long_latencies, _ = latencies_of([grown(text) for text in texts], 1, answer)
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
    print(f"{LONG_MESSAGE}-character messages  {len(long_latencies)}")
    print(f"  latency p50             {statistics.median(long_latencies):8.2f} ms")
    print(f"  latency p99             {percentile(long_latencies, 0.99):8.2f} ms")
    print(f"  latency max             {max(long_latencies):8.2f} ms")
    print(f"peak RSS                  {peak_rss_mb():8.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
