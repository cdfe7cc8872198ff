"""One object for each repeated value of a catalogue: codes, tuples of codes, rules, ages.

A national catalogue repeats a few hundred combinations of kinds, audiences, languages and
stages over 100,000 activities; read from JSON, each activity would otherwise hold its own
tuple and its own copy of every code (~24 MiB at 100,000 activities). The values are immutable,
so sharing them changes nothing but the memory.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable
from typing import TypeVar

_Value = TypeVar("_Value", bound=Hashable)


class Shared:
    """Hands out the first object seen of each value (for one catalogue being built)."""

    def __init__(self) -> None:
        self._values: dict[object, object] = {}

    def value(self, value: _Value) -> _Value:
        """The shared object equal to ``value`` (``value`` itself the first time)."""
        kept = self._values.setdefault(value, value)
        # Only values of one catalogue meet here (codes, texts, rules, ages: strings, dates
        # and whole numbers), so equal means the same; an equal one of another type is kept.
        return kept if type(kept) is type(value) else value

    def code(self, code: str) -> str:
        """A code (kind, class, audience …): interned, one string for the whole process."""
        return sys.intern(code)

    def codes(self, codes: Iterable[str]) -> tuple[str, ...]:
        """A tuple of interned codes, one tuple for each combination."""
        return self.value(tuple(sys.intern(code) for code in codes))
