"""After /forget, the channels drop what they keep about the person outside the database.

The database erasure is :mod:`bot.storage.erasure`'s. A channel may keep its own state in the
data directory that names a person (the Matrix channel's ``state.json`` keys standing offers
by Matrix id); it joins :class:`Erasures` and is told after every successful erasure.

The core is not involved: :class:`AnnouncingDataRights` wraps the store behind the core's
``DataRights`` port (as :class:`bot.bootstrap.WakingOutbox` wraps the outbox), so the flows
never import a channel. Channels are built after the core (they need the conversation), so they
join the registry later, like the outbox drainers join the doorbell.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from handlers.core.events import UserId
from handlers.newcomers.data_rights import DataRights, UserData

log = logging.getLogger(__name__)


@runtime_checkable
class ErasureListener(Protocol):
    """A channel that keeps per-person state of its own."""

    async def user_erased(self, user: UserId) -> None:
        """Drop (and persist the absence of) everything kept about ``user``."""


class Erasures:
    """The listeners told after each erasure; joining later is fine."""

    def __init__(self) -> None:
        self._listeners: list[ErasureListener] = []

    def join(self, listener: ErasureListener) -> None:
        """Tell ``listener`` about every erasure from now on."""
        self._listeners.append(listener)

    def join_channels(self, channels: Iterable[object]) -> int:
        """Join every channel that keeps per-person state; returns how many did."""
        joined = 0
        for channel in channels:
            if isinstance(channel, ErasureListener):
                self.join(channel)
                joined += 1
        return joined

    async def announce(self, user: UserId) -> None:
        """Tell every listener; one failing does not keep the others from hearing it.

        A failure is logged (the error's type only) and not raised: the rows are gone and the
        listener dropped the person from its memory first, so its next save finishes the job.
        """
        for listener in self._listeners:
            try:
                await listener.user_erased(user)
            except Exception as error:
                log.error(
                    "a channel could not save its state after an erasure (%s); "
                    "it is saved again with the next change",
                    type(error).__name__,
                )


class AnnouncingDataRights:
    """The ``DataRights`` port: the store's, then :class:`Erasures` hears of each erasure."""

    def __init__(self, rights: DataRights, erasures: Erasures) -> None:
        self.rights = rights
        self.erasures = erasures

    async def data_of(self, user: UserId) -> UserData:
        """What the store holds about ``user``."""
        return await self.rights.data_of(user)

    async def forget(self, user: UserId) -> None:
        """Erase in the store (one transaction); only once that succeeded, tell the channels."""
        await self.rights.forget(user)
        await self.erasures.announce(user)
