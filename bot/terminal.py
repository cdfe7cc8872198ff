"""Showing replies in a terminal, where most emulators do no bidi reordering of their own.

Right-to-left text is reordered line by line into visual order with python-bidi (a binding
to the Rust ``unicode-bidi`` crate, which implements the Unicode Bidirectional Algorithm with
isolates), and the invisible isolate marks are dropped afterwards. Terminals that already
reorder (VTE with bidi, mlterm) should use ``logical``.
"""

from __future__ import annotations

from typing import Literal

from bidi import get_display

BidiMode = Literal["visual", "logical"]

_FORMAT_MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def for_terminal(text: str, right_to_left: bool, mode: BidiMode = "visual") -> str:
    """Prepare ``text`` for a terminal; only right-to-left replies are reordered."""
    if mode == "logical" or not right_to_left:
        return text
    lines = (get_display(line, base_dir="R") if line else line for line in text.split("\n"))
    return "\n".join(line.translate(_FORMAT_MARKS) for line in lines)
