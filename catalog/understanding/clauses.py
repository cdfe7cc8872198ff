"""Long messages: which parts of a message tell about the person and which ask something.

People often write several sentences: a greeting, who they are, when they moved, what they do,
and then the question. Background about the person ("we moved here in November", "I work
days", "my husband works") must not become what the question asks for: November is no window
and work is no activity. So the message is cut into clauses (at sentence ends, commas,
semicolons and line breaks), each clause is tokenised on its own, and a clause that holds a
background word of the language (``cue.background`` in the lexicon: moved, arrived, I live, I
work, ago …) is read for who the person is only (ages, children, family words, a personal
matter), never for kinds, languages or time, and for a place only when no other is named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from catalog.understanding.lexicon import Hit
from catalog.understanding.normalise import Token

BACKGROUND = "cue.background"
#: Concepts a background clause still contributes: how old the people are, family words, a
#: personal matter, greetings. Not "my husband" as an audience, nor the team at one's job.
_ABOUT_THE_PERSON = frozenset(
    {
        "audience.children",
        "audience.families",
        "audience.youth",
        "audience.seniors",
        "cue.age",
        "cue.years",
        "cue.mother",
        "cue.father",
        "cue.baby",
        "cue.not_speak",
        "cue.matter",
        "cue.trouble",
        "cue.personal",
        BACKGROUND,
    }
)

# A clause ends at ! ? ; , . (also the Arabic, Chinese and full-width forms) followed by space or
# the end, or at a line break; a full stop or comma after a one- or two-digit number is part of
# a date or an ordinal ("18.12.", "15.") and cuts nothing, nor do "klo 18.30" or "1,5".
_BOUNDARY = re.compile(
    r"[!?;…。！？；，、،؛؟]+(?=\s|$)"
    r"|(?<!(?<!\d)\d)(?<!(?<!\d)\d\d)[.,]+(?=\s|$)"
    r"|[！？。；，、،؛؟]+|\n+"
)
_QUESTION = re.compile(r"[?？؟]")


@dataclass(frozen=True, slots=True)
class Clause:
    """Characters ``start:end`` of the message; ``question`` if its sentence ends with "?"."""

    start: int
    end: int
    question: bool


def split_clauses(text: str) -> list[Clause]:
    """The clauses of ``text`` in order, covering it without gaps (boundaries included)."""
    clauses: list[Clause] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        end = boundary.end()
        if text[start:end].strip():
            clauses.append(Clause(start, end, bool(_QUESTION.search(boundary.group()))))
        start = end
    if text[start:].strip():
        clauses.append(Clause(start, len(text), bool(_QUESTION.search(text[start:]))))
    return clauses


@dataclass(frozen=True, slots=True)
class ClauseTokens:
    """A message's tokens with the clause each one stands in."""

    tokens: list[Token]
    clause_of: list[int]
    clauses: list[Clause]

    def background(self, hits: Sequence[Hit]) -> frozenset[int]:
        """The clauses that hold a background word (see the module docstring)."""
        return frozenset(
            self.clause_of[index]
            for hit in hits
            if hit.concept == BACKGROUND
            for index in hit.tokens
        )

    def in_clauses(self, hit: Hit, clauses: frozenset[int]) -> bool:
        """Whether every token of ``hit`` stands in one of ``clauses``."""
        return all(self.clause_of[index] in clauses for index in hit.tokens)


def tokenise_clauses(text: str, tokenise: Callable[[str], Sequence[Token]]) -> ClauseTokens:
    """Tokenise each clause of ``text`` on its own and remember where each token stands."""
    clauses = split_clauses(text)
    tokens: list[Token] = []
    clause_of: list[int] = []
    for number, clause in enumerate(clauses):
        found = tokenise(text[clause.start : clause.end])
        tokens.extend(found)
        clause_of.extend([number] * len(found))
    return ClauseTokens(tokens, clause_of, clauses)


def about_the_person(
    hits: Sequence[Hit], reading: ClauseTokens, background: frozenset[int]
) -> list[Hit]:
    """``hits`` without what the ``background`` clauses would otherwise add to the question."""
    if not background:
        return list(hits)
    return [
        hit
        for hit in hits
        if hit.concept in _ABOUT_THE_PERSON
        or hit.concept.startswith("help.")
        or not reading.in_clauses(hit, background)
    ]


def places_asked(
    places: Sequence[Hit], reading: ClauseTokens, background: frozenset[int]
) -> list[Hit]:
    """The places the question is about: where one lives counts only if no other is named.

    "I live in Nurmijärvi but will be in Espoo: is there …" asks about Espoo; "my cousin lives
    in Hattula, is there anything there on Sunday?" still asks about Hattula.
    """
    asked = about_the_person(places, reading, background)
    return asked or list(places)


def blank_clauses(text: str, reading: ClauseTokens, background: frozenset[int]) -> str:
    """``text`` with its ``background`` clauses blanked (same length: offsets still hold)."""
    if not background:
        return text
    characters = list(text)
    for number in background:
        clause = reading.clauses[number]
        characters[clause.start : clause.end] = " " * (clause.end - clause.start)
    return "".join(characters)
