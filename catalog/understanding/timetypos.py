r"""Misspelt time words ("tusday", "tomorow", "tistaina", "завтро") put right before scanning.

Per language, the literal words of its time data are collected once (:func:`speller`): the
entries of ``today``, ``tomorrow``, ``day_after_tomorrow``, ``week``, ``weekend``, the parts of the
day (``tonight``, ``morning``, ``afternoon``, ``evening``), ``weekdays`` and
``months`` that are a plain word ("martes"), a word with an optional last letter ("mondays?")
or a simple group of endings ("сред(?:а|у|ы)"), and the stems of entries that are a word
followed by ``\\w*`` ("tiistai\\w*"). A token of the normalised message (Latin or Cyrillic, at
least :data:`MIN_LENGTH` letters) that is none of these is compared with those of the same
first letter: within Damerau-Levenshtein distance 1 (2 for words of 9 letters or more) of a
word it becomes that word; a token whose start is that close to a stem becomes the stem with
the token's ending ("tistaina" -> "tiistaina").

Never bent: a token that is a word of the time data or of the language's lexicon vocabulary
(:mod:`catalog.understanding.lexicon`), or listed under the data key ``not_typos`` ("sundae",
"huomenta"), or written in another script than the word. The corrected text keeps the way back
to the original message (:class:`catalog.understanding.mapped_text.MappedText`): the letters of
a corrected token all come from the token's span, so spans stay right.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein

from catalog.understanding.mapped_text import MappedText, normalise_chunk, normalise_pattern

MIN_LENGTH = 5
#: A ``\w*`` stem must be this long to take misspelt words ("пятниц", "tiistai").
MIN_STEM = 6
#: Words (or stems) this long may be two edits away ("wensday" for "wednesday").
LONG_WORD = 9
_KEYS = (
    "today",
    "tomorrow",
    "day_after_tomorrow",
    "week",
    "weekend",
    "tonight",
    "morning",
    "afternoon",
    "evening",
)
_TOKEN = re.compile(r"(?<!\w)(?:[a-z]{5,}|[\u0400-\u04ff]{5,})(?!\w)")
_LETTERS = r"[a-z\u0400-\u04ff]+"
_PLAIN = re.compile(rf"({_LETTERS})(\?)?")
_ANY_END = re.compile(rf"({_LETTERS})\\w\*")
_ENDINGS = re.compile(rf"({_LETTERS})\(\?:((?:{_LETTERS}\|)*{_LETTERS})\)(\?)?")
_WORD = re.compile(r"[^\W\d_]+")
_LOOKAROUND = re.compile(r"\(\?<?[!=][^()]*\)")


@dataclass(slots=True, eq=False)
class Speller:
    """One language's time words for correcting misspellings (see the module docstring)."""

    words: dict[str, tuple[str, ...]]
    """Literal words by first letter."""
    stems: dict[str, tuple[str, ...]]
    """``\\w*`` stems by first letter."""
    known: frozenset[str]
    """Tokens never bent: time-data words, lexicon vocabulary, ``not_typos``."""
    known_prefixes: tuple[str, ...]
    """Stems of the lexicon's prefix words: tokens starting with them are words too."""
    recognised: re.Pattern[str] | None = None
    """The time-word entries themselves: a token they match whole is spelt right."""

    def fix(self, token: str) -> str | None:
        """The time word ``token`` is a misspelling of, or None."""
        return _fix(self, token)


def speller_from_data(
    data: dict[str, Any], vocabulary: Iterable[str] = (), prefixes: Iterable[str] = ()
) -> Speller:
    """The speller of one language's time ``data`` with its lexicon ``vocabulary``."""
    words: set[str] = set()
    stems: set[str] = set()
    for entry in _entries(data):
        source = _LOOKAROUND.sub("", normalise_chunk(entry))
        if match := _PLAIN.fullmatch(source):
            words.add(match[1])
            if match[2]:
                words.add(match[1][:-1])
        elif match := _ANY_END.fullmatch(source):
            stems.add(match[1])
        elif match := _ENDINGS.fullmatch(source):
            words.update(match[1] + ending for ending in match[2].split("|"))
            if match[3]:
                words.add(match[1])
    known = {word for text in _all_strings(data) for word in _WORD.findall(normalise_chunk(text))}
    known.update(normalise_chunk(word) for word in vocabulary)
    known.update(normalise_chunk(str(word)) for word in data.get("not_typos") or ())
    sources = [normalise_pattern(entry) for entry in _entries(data)]
    return Speller(
        recognised=re.compile("|".join(f"(?:{source})" for source in sources)) if sources else None,
        words=_by_letter(word for word in words if len(word) >= MIN_LENGTH),
        stems=_by_letter(stem for stem in stems if len(stem) >= MIN_STEM),
        known=frozenset(known | words),
        known_prefixes=tuple(
            sorted({normalise_chunk(prefix) for prefix in prefixes if len(prefix) >= MIN_LENGTH})
        ),
    )


def _entries(data: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in _KEYS:
        found.extend(_strings(data.get(key)))
    for key in ("weekdays", "months"):
        for entries in (data.get(key) or {}).values():
            found.extend(_strings(entries))
    return found


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _all_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _all_strings(item)]
    return [value] if isinstance(value, str) else []


def _by_letter(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    buckets: dict[str, list[str]] = defaultdict(list)
    for word in sorted(set(words)):
        buckets[word[0]].append(word)
    return {letter: tuple(bucket) for letter, bucket in buckets.items()}


def _limit(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


@lru_cache(maxsize=4096)
def _fix_cached(speller: Speller, token: str) -> str | None:
    if token in speller.known or token.startswith(speller.known_prefixes):
        return None
    if speller.recognised is not None and speller.recognised.fullmatch(token):
        return None
    first = token[0]
    stems = speller.stems.get(first, ())
    if any(token.startswith(stem) for stem in stems):
        return None
    best: tuple[int, str] | None = None
    for word in speller.words.get(first, ()):
        limit = _limit(word)
        if abs(len(word) - len(token)) > limit:
            continue
        distance = DamerauLevenshtein.distance(token, word, score_cutoff=limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, word)
    for stem in stems:
        limit = _limit(stem)
        for cut in range(len(stem) - limit, len(stem) + limit + 1):
            if cut < MIN_LENGTH - 1 or cut > len(token):
                continue
            distance = DamerauLevenshtein.distance(token[:cut], stem, score_cutoff=limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, stem + token[cut:])
    return best[1] if best else None


def _fix(speller: Speller, token: str) -> str | None:
    return _fix_cached(speller, token)


def correct(mapped: MappedText, speller: Speller) -> MappedText:
    """``mapped`` with its misspelt time words put right, still mapped to the original."""
    text = mapped.text
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for match in _TOKEN.finditer(text):
        fixed = speller.fix(match.group())
        if fixed is None or fixed == match.group():
            continue
        start, end = match.span()
        pieces.append(text[last:start])
        starts.extend(mapped.starts[last:start])
        ends.extend(mapped.ends[last:start])
        pieces.append(fixed)
        starts.extend([mapped.starts[start]] * len(fixed))
        ends.extend([mapped.ends[end - 1]] * len(fixed))
        last = end
    if not pieces:
        return mapped
    pieces.append(text[last:])
    starts.extend(mapped.starts[last:])
    ends.extend(mapped.ends[last:])
    return MappedText("".join(pieces), tuple(starts), tuple(ends))


@cache
def speller(language: str) -> Speller:
    """The speller of ``language`` (its time data and lexicon vocabulary), built once."""
    from catalog.understanding.lexicon import load_lexicon
    from catalog.understanding.timepatterns import load_data

    base = "fi" if language == "fi-x-plain" else language
    try:
        lexicon = load_lexicon(base)
        vocabulary: Iterable[str] = lexicon.vocabulary
        prefixes: Iterable[str] = lexicon.prefix_words
    except (KeyError, FileNotFoundError, ValueError):
        vocabulary, prefixes = (), ()
    return speller_from_data(load_data(base), vocabulary, prefixes)
