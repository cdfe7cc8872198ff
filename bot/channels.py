"""A chat channel (Telegram, Matrix, the terminal) as the runner sees it."""

from __future__ import annotations

from typing import Protocol


class Channel(Protocol):
    """Something that receives users' messages and answers them until stopped."""

    name: str

    async def start(self) -> None:
        """Connect and begin handling updates; returns once running."""

    async def stop(self) -> None:
        """Stop taking updates, finish what is in hand, disconnect."""
