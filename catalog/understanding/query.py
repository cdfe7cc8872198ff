"""What a newcomer's message asks for, as structured values the matcher can use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Literal

Intent = Literal["activities", "contact", "help"]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of inclusive local dates."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class ClockRange:
    """Local clock times a session must start within, both inclusive; either end may be open.

    "after 6 pm" is ``ClockRange(time(18, 0), None)``; "in the morning" ``(None, 11:59)``.
    """

    earliest: time | None = None
    latest: time | None = None

    def holds(self, moment: time) -> bool:
        """Whether a start at ``moment`` (minutes count, seconds do not) lies in the range."""
        moment = moment.replace(second=0, microsecond=0, tzinfo=None)
        if self.earliest is not None and moment < self.earliest:
            return False
        return self.latest is None or moment <= self.latest


@dataclass(frozen=True, slots=True)
class Holiday:
    """A holiday the message named, so the answer can say which day it is."""

    key: str
    """Its data key, e.g. ``christmas_eve``, ``easter`` (a span of days), ``independence_day``."""
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Query:
    """The understanding of one message.

    ``language`` is the language to reply in (already resolved through the fallbacks).
    Empty sets mean "no constraint". ``terms`` are the content words left over after the
    concepts were recognised, for matching titles and descriptions directly. ``clock`` narrows
    the sessions to those starting in a range of the day, with or without a ``window``.
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
    clock: ClockRange | None = None
    holiday: Holiday | None = None
    named_audiences: frozenset[str] = frozenset()
    """The audiences the message itself named, where ``audiences`` took children and families
    together ("for families" is searched among both): the answer keeps to these when any of
    what was found is for them."""
