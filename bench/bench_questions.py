"""Question answering over a 10,000-activity catalogue: latency per question and memory.

Runs the labelled questions' texts (all 13 languages, every intent; the short development set
and the realistic one with its long messages) against a generated catalogue, each asked from
one of its networks at a fixed time, through the whole core (understanding, matching, the reply
text); then the same questions grown to 1,000 characters (the text repeated: a long message full
of words to read). Prints p50/p95/p99 per question for both, the batch rate, start-up cost and
the process's peak resident memory (language detection models included).

``python -m bench.bench_questions [--activities 10000] [--rounds 3]``

Several sizes (``--activities 1000 10000 100000``) draw the cost curve: each size runs in a
fresh process (so its peak memory is its own) and a table of start-up, p50/p99 and peak
memory per size follows. A catalogue above 12,800 activities spreads over more networks and
municipalities (see :mod:`bench.generator`: 60 networks, ~300 municipalities at 100,000).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.generator import generate_catalogue_model
from bench.score import DEFAULT_QUESTIONS
from bot import heap
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


#: CPU milliseconds per question of the last :func:`latencies_of` (this thread only: on a
#: machine shared with other work, wall time also counts the waits for a core).
CPU_LATENCIES: list[float] = []


def latencies_of(
    texts: Sequence[str], rounds: int, answer: Callable[[int, str], int]
) -> tuple[list[float], int]:
    """Milliseconds per question over ``rounds`` passes, and the results found in all."""
    latencies: list[float] = []
    CPU_LATENCIES.clear()
    results = 0
    for _round in range(rounds):
        for number, text in enumerate(texts):
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            results += answer(number, text)
            latencies.append((time.perf_counter() - begin) * 1000)
            CPU_LATENCIES.append((time.thread_time() - begin_cpu) * 1000)
    return latencies, results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--activities", type=int, nargs="+", default=[10_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--questions", type=Path, nargs="+", default=[DEFAULT_QUESTIONS, REALISTIC_QUESTIONS]
    )
    args = parser.parse_args(argv)
    if len(args.activities) > 1:
        return curve(args.activities, args.rounds, args.questions)
    return run(args.activities[0], args.rounds, args.questions)


def curve(sizes: Sequence[int], rounds: int, questions: Sequence[Path]) -> int:
    """Run each size in a fresh process and tabulate their summary lines."""
    rows = []
    for size in sizes:
        command = [sys.executable, "-m", "bench.bench_questions", "--activities", str(size)]
        command += ["--rounds", str(rounds), "--questions", *map(str, questions)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(output, flush=True)
        summary = next(line for line in output.splitlines() if line.startswith(SUMMARY))
        rows.append(json.loads(summary.removeprefix(SUMMARY)))
    print(
        "| activities | networks / municipalities | start-up (CPU) | p50 | p99 (CPU) | peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['activities']:,} | {row['networks']} / {row['municipalities']} "
            f"| {row['startup_s']:.1f} s ({row['startup_cpu_s']:.1f} s) | {row['p50_ms']:.1f} ms "
            f"| {row['p99_ms']:.1f} ms ({row['cpu_p99_ms']:.1f} ms) | {row['rss_mib']:.0f} MiB |"
        )
    return 0


#: The line a single run ends with, read back by :func:`curve`.
SUMMARY = "summary: "


def run(activities: int, rounds: int, questions: Sequence[Path]) -> int:
    """Measure one catalogue size and print its numbers."""
    texts = [
        json.loads(line)["text"]
        for path in questions
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    started = time.perf_counter()
    catalogue = generate_catalogue_model(activities, seed=1)
    generated = time.perf_counter()
    cpu_started = time.process_time()
    assistant = build_assistant(catalogue)
    built = time.perf_counter()
    startup_cpu = time.process_time() - cpu_started
    zone = ZoneInfo(catalogue.timezone)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=zone)
    networks = [n.id for n in catalogue.networks]

    def answer(number: int, text: str) -> int:
        found = assistant.answer(text, now=now, network_id=networks[number % len(networks)])
        return len(found.search.matches) if found.search else 0

    # The bot builds this season's months in a thread at start-up (bot.bootstrap), then one
    # warm-up pass fills whatever else the questions keep, as a running bot has.
    assistant.matcher.warm(now.date())
    heap.settle()  # as `tarjotin run` does once it has started
    months_built = time.perf_counter()
    latencies_of(texts, 1, answer)
    warmed = time.perf_counter()
    latencies, results = latencies_of(texts, rounds, answer)
    cpu_latencies = list(CPU_LATENCIES)
    long_latencies, _ = latencies_of([grown(text) for text in texts], 1, answer)
    long_cpu = list(CPU_LATENCIES)
    total = sum(latencies) / 1000

    municipalities = {m for n in catalogue.networks for m in n.municipalities}
    print(
        f"catalogue: {activities} activities, {len(networks)} networks, "
        f"{len(municipalities)} municipalities"
    )
    print(f"generate catalogue        {generated - started:8.2f} s")
    print(f"build assistant (indexes, language models)  {built - generated:8.2f} s")
    print(f"  of which CPU time         {startup_cpu:8.2f} s")
    print(f"this season's months (a thread in the bot) {months_built - built:8.2f} s")
    print(f"first pass, {len(texts)} questions       {warmed - months_built:8.2f} s")
    print(
        f"questions answered        {len(latencies)} ({results / len(latencies):.1f} results each)"
    )
    print(f"latency p50               {statistics.median(latencies):8.2f} ms")
    print(f"latency p95               {percentile(latencies, 0.95):8.2f} ms")
    print(f"latency p99               {percentile(latencies, 0.99):8.2f} ms")
    print(f"latency max               {max(latencies):8.2f} ms")
    print(
        f"CPU time p50 / p99        {statistics.median(cpu_latencies):8.2f} / "
        f"{percentile(cpu_latencies, 0.99):.2f} ms"
    )
    print(f"rate                      {len(latencies) / total:8.0f} questions/s")
    print(f"{LONG_MESSAGE}-character messages  {len(long_latencies)}")
    print(f"  latency p50             {statistics.median(long_latencies):8.2f} ms")
    print(f"  latency p99             {percentile(long_latencies, 0.99):8.2f} ms")
    print(f"  latency max             {max(long_latencies):8.2f} ms")
    print(
        f"  CPU time p50 / p99      {statistics.median(long_cpu):8.2f} / "
        f"{percentile(long_cpu, 0.99):.2f} ms"
    )
    print(f"peak RSS                  {peak_rss_mb():8.0f} MiB")
    summary = {
        "activities": activities,
        "networks": len(networks),
        "municipalities": len(municipalities),
        "startup_s": round(built - generated, 2),
        "startup_cpu_s": round(startup_cpu, 2),
        "cpu_p99_ms": round(percentile(cpu_latencies, 0.99), 2),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "rss_mib": round(peak_rss_mb()),
    }
    print(SUMMARY + json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
