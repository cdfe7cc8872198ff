"""Any update JSON through python-telegram-bot and the adapter: nothing escapes, all escaped."""

from __future__ import annotations

from tests.fuzz.explore import fuzz_strictly
from tests.fuzz.telegram import TelegramEntry, deep_links, updates


def test_no_update_crashes_the_adapter_and_every_message_is_escaped_and_short() -> None:
    tally = fuzz_strictly(TelegramEntry(), updates(), examples=200)
    assert tally.inputs >= 200
    assert 0 < tally.longest <= 4096


def test_no_deep_link_payload_crashes_the_start() -> None:
    tally = fuzz_strictly(TelegramEntry("deep links"), deep_links(), examples=150)
    assert tally.inputs >= 150
    assert tally.longest > 0
