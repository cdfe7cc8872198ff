"""Fairness on Matrix: which events a flood may coalesce, and which sync token is safe to keep.

Room events are worked off per room by the :class:`~bot.intake.FairIntake`, so the sync loop
hands them over and syncs on. The token saved for the next start must therefore not run
ahead of the events: :class:`SyncWatermark` keeps the latest batch whose events, and every
earlier batch's, are all done. After a crash the bot syncs again from there and the events
it did handle are skipped (the state remembers handled event ids).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.intake import Weight

#: A bare number (a numbered choice) or a ``!``/``/`` command is never coalesced.
_NOT_A_QUESTION = re.compile(r"\s*(?:[!/]|[#(\[]?\s*\d{1,3}\s*[.):\]]?\s*$)")


def weight_of(event: Mapping[str, Any] | None, *, direct: bool, bot: str) -> Weight:
    """Only a direct room's plain text message may be coalesced in a flood.

    State events, the bot's own messages coming back in the timeline and its housekeeping
    (``None``: joining, leaving) are light: a room's history arriving in one sync is not a
    flood, nor are the bot's answers to one.
    """
    if event is None or "state_key" in event or event.get("sender") == bot:
        return Weight.LIGHT
    if not direct or event.get("type") != "m.room.message":
        return Weight.KEEP
    content = event.get("content")
    if not isinstance(content, Mapping) or content.get("msgtype") != "m.text":
        return Weight.KEEP
    body = content.get("body")
    if not isinstance(body, str) or "m.relates_to" in content or _NOT_A_QUESTION.match(body):
        return Weight.KEEP
    return Weight.QUESTION


@dataclass
class SyncBatch:
    """One sync response's events on their way through the intake."""

    token: str
    outstanding: int = 0
    sealed: bool = False


class SyncWatermark:
    """The newest sync token all of whose events (and all earlier ones) are done."""

    def __init__(self, on_advance: Callable[[str], None]) -> None:
        self._on_advance = on_advance
        self._batches: deque[SyncBatch] = deque()

    def begin(self, token: str) -> SyncBatch:
        """A sync response is about to hand over its events; ``token`` is its next batch."""
        batch = SyncBatch(token)
        self._batches.append(batch)
        return batch

    def handed_over(self, batch: SyncBatch) -> Callable[[], None]:
        """One more event of ``batch`` is in the intake; call the result when it is done.

        An event that is never done (let go at shutdown) holds the token back for good, so
        the next start syncs it again.
        """
        batch.outstanding += 1
        called = False

        def done() -> None:
            nonlocal called
            if not called:
                called = True
                batch.outstanding -= 1
                self._advance()

        return done

    def seal(self, batch: SyncBatch) -> None:
        """Every event of ``batch`` has been handed over."""
        batch.sealed = True
        self._advance()

    @property
    def behind(self) -> int:
        """Batches not yet done (for stats and tests)."""
        return len(self._batches)

    def _advance(self) -> None:
        newest = None
        while self._batches and self._batches[0].sealed and not self._batches[0].outstanding:
            newest = self._batches.popleft().token
        if newest is not None:
            self._on_advance(newest)
