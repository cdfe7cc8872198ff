"""What a newcomer's message asks for, as structured values the matcher can use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Literal

Intent = Literal["activities", "contact", "help"]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of inclusive local dates, optionally narrowed to a part of the day."""

    start: date
    end: date
    earliest: time | None = None
    latest: time | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """The understanding of one message.

    ``language`` is the language to reply in (already resolved through the fallbacks).
    Empty sets mean "no constraint". ``terms`` are the content words left over after the
    concepts were recognised, for matching titles and descriptions directly.
    """

    language: str
    intent: Intent
    window: TimeWindow | None = None
    kinds: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    spoken_languages: frozenset[str] = frozenset()
    municipalities: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    language_detected: bool = False
    remind: bool = False
    """The user asks to be reminded ("remind me about the language club")."""
