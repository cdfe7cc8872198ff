"""Settling the heap: long-lived objects frozen, a replaced catalogue version collectable.

The autouse ``thawed_heap`` fixture (tests/conftest.py) unfreezes after each test.
"""

from __future__ import annotations

import gc
import weakref

from bot.heap import resettle, settle


class Node:
    """An object that can sit in a reference cycle (as some of a catalogue version's do)."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_settling_freezes_what_is_alive() -> None:
    settle()
    assert gc.get_freeze_count() > 0


def test_a_replaced_version_in_a_cycle_is_collected() -> None:
    old = Node()
    old.other = Node()
    old.other.other = old  # a cycle: only the collector can free it
    gone = weakref.ref(old)
    holder = {"live": old}
    del old
    settle()

    def swap() -> None:
        holder["live"] = Node()

    resettle(swap)
    assert gone() is None
    assert gc.get_freeze_count() > 0


def test_without_settling_it_only_swaps() -> None:
    assert gc.get_freeze_count() == 0
    swapped: list[bool] = []
    resettle(lambda: swapped.append(True))
    assert swapped == [True]
    assert gc.get_freeze_count() == 0
