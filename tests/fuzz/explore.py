"""Feeding an entry hypothesis' inputs: strictly in the suite, counting in the benchmark."""

from __future__ import annotations

from typing import Protocol, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.core import Loop
from tests.fuzz.tally import Tally

X = TypeVar("X")
X_contra = TypeVar("X_contra", contravariant=True)


class Entry(Protocol[X_contra]):
    """One way in: feeds one input through the product's code and records what came out."""

    @property
    def tally(self) -> Tally:
        """What was found so far."""

    async def feed(self, given: X_contra) -> None:
        """Handle one input as the product would; checks go to :attr:`tally`."""


def explore(
    entry: Entry[X], inputs: st.SearchStrategy[X], loop: Loop, examples: int, *, strict: bool
) -> Tally:
    """Feed ``examples`` inputs; ``strict``: fail (and shrink) on the first problem.

    Derandomized and without an example database, so a run is the same every time.
    """
    tally = entry.tally
    phases = (Phase.explicit, Phase.generate, Phase.shrink) if strict else (Phase.generate,)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs)
    def one(given: X) -> None:
        found = len(tally.problems())
        tally.inputs += 1
        try:
            loop.run(lambda: entry.feed(given))
        except Exception as error:
            tally.crashed(given, error)
        if strict:
            new = tally.problems()[found:]
            assert not new, "\n".join(new)

    one()
    return tally


def fuzz_strictly(entry: Entry[X], inputs: st.SearchStrategy[X], examples: int = 200) -> Tally:
    """The suite's run: ``examples`` inputs on a loop of their own; fails on the first problem."""
    loop = Loop()
    try:
        return explore(entry, inputs, loop, examples, strict=True)
    finally:
        loop.close()
