"""Run every benchmark in turn: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "bench_import",
    "bench_occurrences",
    "bench_questions",
    "bench_fuzz",
    "bench_flood",
    "bench_console",
    "bench_console_core",
)


def main() -> int:
    """Run each benchmark's ``main`` and report which failed their targets."""
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        if module.main([]) not in (0, None):
            failed.append(name)
    if failed:
        print(f"\nover budget: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
