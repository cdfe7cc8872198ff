"""Showing replies in a terminal, where most emulators do no bidi reordering of their own.

``--bidi auto`` (the default) reorders right-to-left lines into visual order only when the
output is a terminal; written to a pipe or a file the text stays in logical order, as every
other program expects it. Terminals that reorder themselves (VTE with bidi, mlterm) should
use ``logical``.

Visual order follows the Unicode Bidirectional Algorithm (python-bidi's implementation, which
also mirrors brackets and guillemets in right-to-left runs, rule L4) with two steps of our
own: each isolate our texts use is laid out by itself and stands in its line as one neutral
character (the algorithm it implements predates isolates), and combining marks such as the
shadda are put back after their base letter (rule L3, which python-bidi leaves to the
renderer), because a terminal draws a mark on the character before it. The invisible
direction marks are dropped afterwards.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal, TextIO

from bidi.algorithm import (
    PARAGRAPH_LEVELS,
    apply_mirroring,
    explicit_embed_and_overrides,
    get_embedding_levels,
    get_empty_storage,
    reorder_resolved_levels,
    resolve_implicit_levels,
    resolve_neutral_types,
    resolve_weak_types,
)

BidiMode = Literal["visual", "logical"]
BidiChoice = Literal["auto", "visual", "logical"]
BIDI_CHOICES: tuple[BidiChoice, ...] = ("auto", "visual", "logical")

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
OBJECT = "\ufffc"
"""Stands for an isolate while the line around it is laid out (a neutral character)."""

_FORMAT_MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def resolve_bidi(choice: BidiChoice, stream: TextIO) -> BidiMode:
    """``auto``: visual order for a terminal, logical for a pipe or a file."""
    if choice == "auto":
        try:
            return "visual" if stream.isatty() else "logical"
        except ValueError:  # a closed stream
            return "logical"
    return choice


def for_terminal(text: str, right_to_left: bool, mode: BidiMode) -> str:
    """Prepare ``text`` for the output; only right-to-left replies are reordered."""
    if mode == "logical" or not right_to_left:
        return text
    return "\n".join(visual(line) if line else line for line in text.split("\n"))


def visual(line: str, base: str = "R") -> str:
    """One line in visual order (``base``: its direction), mirrored, marks after their base.

    Each isolate is laid out on its own, in its own direction, and stands in the line as one
    neutral character, which is what an isolate is to the text around it.
    """
    outer, inner = _isolated(line)
    storage: dict[str, Any] = get_empty_storage()
    storage["base_level"] = PARAGRAPH_LEVELS[base]
    storage["base_dir"] = base
    get_embedding_levels(outer, storage)
    parts = iter(inner)
    for entry in storage["chars"]:
        if entry["ch"] == OBJECT:
            entry["part"] = next(parts)
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage, False)
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    reorder_resolved_levels(storage, False)
    apply_mirroring(storage, False)
    return "".join(marks_after_base(storage["chars"])).translate(_FORMAT_MARKS)


def _isolated(line: str) -> tuple[str, list[str]]:
    """``line`` with each outermost isolate replaced by :data:`OBJECT`, and their layouts."""
    outer: list[str] = []
    inner: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char not in (LRI, RLI, FSI) or OBJECT in line:
            outer.append(char)
            index += 1
            continue
        end, depth = index + 1, 0
        while end < len(line) and (line[end] != PDI or depth):
            depth += line[end] in (LRI, RLI, FSI)
            depth -= line[end] == PDI
            end += 1
        content = line[index + 1 : end]
        direction = {LRI: "L", RLI: "R"}.get(char) or _first_strong(content)
        inner.append(visual(content, direction) if content else "")
        outer.append(OBJECT)
        index = end + 1
    return "".join(outer), inner


def _first_strong(text: str) -> str:
    """The direction of an FSI: its first strong letter outside nested isolates (else L)."""
    depth = 0
    for char in text:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth -= 1
        elif depth == 0 and unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return "L" if unicodedata.bidirectional(char) == "L" else "R"
    return "L"


def marks_after_base(chars: list[dict[str, Any]]) -> list[str]:
    """Rule L3: in right-to-left runs, move combining marks back after their base letter."""
    result: list[str] = []
    marks: list[str] = []
    for entry in chars:
        char, level = entry["ch"], entry["level"]
        if level % 2 and unicodedata.combining(char):
            marks.append(char)
            continue
        result.append(entry.get("part", char))
        result += reversed(marks)  # reversing the run reversed them too
        marks = []
    return result + marks
