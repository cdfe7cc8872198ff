"""Fuzzing every entry of the bot: 25,000 hypothesis inputs each, counted, not stopped at.

Entries: the terminal chat, Telegram updates, button data, deep links, Matrix events, the
coordination file and command arguments (see :mod:`tests.fuzz`). Prints per entry: inputs,
crashes, the longest reply against the platform's limit and markup leaks (input that came out
as a tag or a bare ``&``), then the first problems of each kind. Exits 1 when anything was found.

``python -m bench.bench_fuzz [--examples 25000] [--entries terminal telegram ...]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.commands import CommandEntry, typed_commands
from tests.fuzz.coordination import CoordinationEntry, raw_files
from tests.fuzz.core import Loop
from tests.fuzz.explore import Entry, explore
from tests.fuzz.matrix import MatrixEntry, events
from tests.fuzz.tally import Tally
from tests.fuzz.telegram import CallbackEntry, TelegramEntry, deep_links, presses, updates
from tests.fuzz.terminal import TerminalEntry, sessions

Maker = Callable[[Path], tuple[Entry[Any], st.SearchStrategy[Any]]]

ENTRIES: dict[str, Maker] = {
    "terminal": lambda folder: (TerminalEntry(), sessions),
    "telegram": lambda folder: (TelegramEntry(), updates()),
    "callbacks": lambda folder: (CallbackEntry(), presses),
    "deep-links": lambda folder: (TelegramEntry("deep links"), deep_links()),
    "matrix": lambda folder: (MatrixEntry(), events()),
    "coordination": lambda folder: (CoordinationEntry(folder), raw_files),
    "commands": lambda folder: (CommandEntry(), typed_commands),
}


def row(tally: Tally, seconds: float) -> str:
    """One line of the table."""
    limit = f"{tally.limit:,}" if tally.limit is not None else "none"
    longest = f"{tally.longest:,} / {limit} {tally.unit}"
    return (
        f"| {tally.entry} | {tally.inputs:,} | {len(tally.crashes)} | {longest} "
        f"| {len(tally.oversized)} | {len(tally.leaks)} | {seconds:.0f} s |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the entries and print their table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=25_000)
    parser.add_argument("--entries", nargs="+", choices=list(ENTRIES), default=list(ENTRIES))
    args = parser.parse_args(argv)
    loop = Loop()
    rows: list[str] = []
    found: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.entries:
            entry, inputs = ENTRIES[name](Path(folder))
            began = time.perf_counter()
            tally = explore(entry, inputs, loop, args.examples, strict=False)
            rows.append(row(tally, time.perf_counter() - began))
            print(rows[-1], flush=True)
            found += [f"{tally.entry}: {problem}" for problem in tally.problems()[:5]]
    loop.close()
    print("\n| entry | inputs | crashes | longest reply / limit | over the limit | markup leaks "
          "| time |\n| --- | --- | --- | --- | --- | --- | --- |")  # fmt: skip
    print("\n".join(rows))
    for problem in found:
        print(problem[:600])
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
