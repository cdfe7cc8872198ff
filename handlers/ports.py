"""What the conversation logic needs from the outside world, as small protocols.

Storage implements them with SQLAlchemy (``bot/storage``); tests use the hand-written fakes
in ``tests/fakes.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from handlers.events import Profile, UserId


class ProfileStore(Protocol):
    """Remembers each user's language, network and a question waiting for onboarding."""

    async def get(self, user: UserId) -> Profile | None:
        """The stored profile, or ``None`` for a new user."""

    async def save(self, profile: Profile) -> None:
        """Create or replace a profile."""

    async def delete(self, user: UserId) -> None:
        """Forget the user entirely."""


class Clock(Protocol):
    """The current time (aware); injected so tests control it."""

    def __call__(self) -> datetime:
        """Now."""
