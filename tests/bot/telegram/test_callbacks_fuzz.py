"""Button data, forged, garbled, replayed, another user's, or signed with any argument."""

from __future__ import annotations

from tests.fuzz.explore import fuzz_strictly
from tests.fuzz.telegram import CallbackEntry, presses


def test_no_button_data_crashes_the_adapter() -> None:
    tally = fuzz_strictly(CallbackEntry(), presses, examples=200)
    assert tally.inputs >= 200
    assert tally.longest > 0
