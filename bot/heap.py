"""Keeping a running bot's long-lived objects out of the cyclic collector's full passes.

The catalogue, its indexes, this season's occurrence months and the language models are
millions of objects that live as long as the process (or the catalogue version). CPython's
full collection walks every tracked object: at 10,000 activities a pause of ~200 ms in the
middle of some question, more at national scale. ``gc.freeze`` after start-up (the use its
documentation gives) moves what is alive then to a permanent generation the collector skips;
a new catalogue version gives the old one's objects back to the collector first.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def settle() -> None:
    """Leave everything alive now out of later collections (call once start-up is done)."""
    gc.freeze()


def resettle(swap: Callable[[], None]) -> None:
    """Run ``swap`` (a new catalogue version replacing the old), keeping the heap settled.

    The old version's objects become collectable again, any cycles among them are collected
    once (a single pause per import), and what lives afterwards is settled. Where nothing was
    settled (a test, a one-off command) it only runs ``swap``.
    """
    if not gc.get_freeze_count():
        swap()
        return
    gc.unfreeze()
    swap()
    gc.collect()
    gc.freeze()
