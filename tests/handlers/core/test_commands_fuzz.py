"""Every command of the flow table with random arguments, in several languages and roles."""

from __future__ import annotations

from tests.fuzz.commands import CommandEntry, typed_commands
from tests.fuzz.explore import fuzz_strictly


def test_no_command_argument_crashes_the_core_and_replies_fit_every_platform() -> None:
    tally = fuzz_strictly(CommandEntry(), typed_commands, examples=300)
    assert tally.inputs >= 300
    assert 0 < tally.longest <= 4096
