"""Normalising a message for pattern matching while remembering where each character came from.

Time words are found by regular expressions over a normalised copy of the message; the caller
needs the matched stretches in the original text (to drop time words from the leftover terms),
so every normalised character keeps the span of the original characters it came from.

The normalisation (also applied to the patterns in the data files, see :func:`normalise_pattern`):
NFKC, case folding, apostrophe variants made ``'``, a zero-width non-joiner read as a space and
other invisible joiners dropped; Latin letters lose their diacritics (``tänään`` meets
``tanaan``, Turkish ``ı`` becomes ``i``) while Cyrillic keeps its letters (``й``, ``ї``);
Arabic-script text loses diacritics and tatweel and has its letter variants unified (alef forms,
yeh and kaf to their Persian shapes, ``ة`` to ``ه``), and Eastern Arabic and Persian digits
become ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from catalog.understanding.normalise import ARABIC_MARKS, ARABIC_SCRIPT_FOLDS

_LETTERS = str.maketrans(
    {
        **ARABIC_SCRIPT_FOLDS,
        "ة": "ه",  # time words are written with the final ه; nothing inflects them
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "‘": "'",
        "ı": "i",
        "ø": "o",
        "æ": "ae",
        "đ": "d",
        "ł": "l",
        "\u200c": " ",
        "\u200d": "",
        "\u00ad": "",
        "\u200b": "",
        "\u2060": "",
        "\ufeff": "",
    }
)
_CYRILLIC_FIRST, _CYRILLIC_LAST = 0x0400, 0x052F


@dataclass(frozen=True, slots=True)
class MappedText:
    """A normalised text with, for each of its characters, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the normalised ``text[start:end]`` came from."""
        return self.starts[start], self.ends[end - 1]


def normalise_mapped(text: str) -> MappedText:
    """Normalise ``text`` (see the module docstring), keeping the way back to the original."""
    if text.isascii():
        lowered = text.lower().replace("`", "'")
        positions = tuple(range(len(text)))
        return MappedText(lowered, positions, tuple(range(1, len(text) + 1)))
    one_to_one = _one_to_one(text)
    if one_to_one is not None:  # most messages: one character each way, no marks to join
        positions = tuple(range(len(text)))
        return MappedText(text.translate(one_to_one), positions, tuple(range(1, len(text) + 1)))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index = 0
    length = len(text)
    combining = unicodedata.combining
    while index < length:
        end = index + 1
        while end < length and combining(text[end]):
            end += 1
        normalised = normalise_chunk(text[index:end])
        pieces.append(normalised)
        if len(normalised) == 1:  # nearly every character: no lists built for it
            starts.append(index)
            ends.append(end)
        else:
            starts.extend([index] * len(normalised))
            ends.extend([end] * len(normalised))
        index = end
    return MappedText("".join(pieces), tuple(starts), tuple(ends))


def _one_to_one(text: str) -> dict[int, str] | None:
    """A translation table for ``text`` if each of its characters normalises to exactly one.

    ``None`` when a character is a combining mark, or normalises to none or to several: then
    the offsets shift and the text is walked character by character.
    """
    table: dict[int, str] = {}
    for char in set(text):
        if unicodedata.combining(char):
            return None
        normalised = normalise_chunk(char)
        if len(normalised) != 1:
            return None
        table[ord(char)] = normalised
    return table


@lru_cache(maxsize=8192)
def normalise_chunk(chunk: str) -> str:
    """Normalise one base character with its combining marks (or any short text)."""
    text = unicodedata.normalize("NFKC", chunk).casefold().replace("i̇", "i")
    text = ARABIC_MARKS.sub("", text).translate(_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    kept: list[str] = []
    for char in decomposed:
        if not unicodedata.combining(char):
            kept.append(char)
        elif kept and _CYRILLIC_FIRST <= ord(kept[-1]) <= _CYRILLIC_LAST:
            kept.append(char)  # й, ё, ї are letters of their own
    return unicodedata.normalize("NFC", "".join(kept))


_UPPER_ESCAPE = re.compile(r"\\[A-Z]")


def normalise_pattern(source: str) -> str:
    r"""Normalise a regular expression from the data files the way messages are normalised.

    Literal spaces become ``\s*`` (any white space, or none: ``i dag`` meets ``idag``),
    except inside a look-behind, which must keep a fixed width. Upper-case escapes (``\W``,
    ``\S``) would be folded into their opposites, so they are refused.
    """
    if _UPPER_ESCAPE.search(source):
        raise ValueError(f"use lower-case escapes only in time patterns: {source!r}")
    normalised = "".join(normalise_chunk(char) for char in _chunks(source))
    return _flexible_spaces(normalised)


def _flexible_spaces(pattern: str) -> str:
    r"""Replace spaces by ``\s*`` outside look-behind groups."""
    out: list[str] = []
    depth = 0
    behind: list[int] = []  # depths at which a look-behind group opened
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "(":
            depth += 1
            if pattern.startswith(("(?<!", "(?<="), index):
                behind.append(depth)
        elif char == ")":
            if behind and behind[-1] == depth:
                behind.pop()
            depth -= 1
        out.append(r"\s*" if char == " " and not behind else char)
        index += 1
    return "".join(out)


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    for char in text:
        if chunks and unicodedata.combining(char):
            chunks[-1] += char
        else:
            chunks.append(char)
    return chunks


def split_at(mapped: MappedText, pattern: re.Pattern[str] | None) -> MappedText:
    """``mapped`` with a space put wherever ``pattern`` matches an empty place.

    Finnish writes a weekday and a part of the day as one word ("perjantaiaamuna"); a space
    between them lets each be read as itself. The space maps to the letter after it.
    """
    if pattern is None:
        return mapped
    places = [match.start() for match in pattern.finditer(mapped.text)]
    if not places:
        return mapped
    text, starts, ends = mapped.text, list(mapped.starts), list(mapped.ends)
    for place in reversed(places):
        text = text[:place] + " " + text[place:]
        starts.insert(place, starts[place])
        ends.insert(place, ends[place])
    return MappedText(text, tuple(starts), tuple(ends))
