"""What the conversation logic needs from the outside world, as small protocols.

Storage implements them with SQLAlchemy (``bot/storage``); tests use the hand-written fakes
in ``tests/fakes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from handlers.events import ChatId, Profile, Reply, UserId
from handlers.reminder_plan import Subscription


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


class SubscriptionStore(Protocol):
    """Remembers what each user asked to be reminded of (the source of truth for reminders)."""

    async def add(self, subscription: Subscription) -> Subscription:
        """Store a subscription, or update the lead times of the user's one with its target.

        Returns the stored value, with its ``id``.
        """

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""

    async def for_user(self, user: UserId) -> list[Subscription]:
        """The user's subscriptions, oldest first."""

    async def remove(self, user: UserId, subscription_id: int) -> Subscription | None:
        """Cancel one of the user's subscriptions; ``None`` when it is not theirs or gone."""

    async def remove_all(self, user: UserId) -> int:
        """Cancel every subscription of the user; returns how many there were."""


class SubscriptionListener(Protocol):
    """Told when a user's subscriptions changed, so that their reminders are planned again."""

    async def subscriptions_changed(self, user: UserId) -> None:
        """Re-plan the user's pending reminders (dropping those no longer wanted)."""

    async def forgotten(self, user: UserId) -> None:
        """The user deleted their data: drop everything still waiting to be sent to them."""


class Outcome(StrEnum):
    """How one attempt to send an outbox message ended."""

    DELIVERED = "delivered"
    RETRY_AFTER = "retry_after"
    TRANSIENT = "transient"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The platform's answer to one send, as an adapter reports it.

    - ``delivered``: accepted by the platform;
    - ``retry_after(seconds)``: rate-limited (Telegram 429, Matrix ``M_LIMIT_EXCEEDED``); the
      whole channel pauses that long and the message is retried;
    - ``transient(error)``: network trouble or a 5xx; retried with backoff;
    - ``blocked``: the user blocked the bot or left the room; nothing more is sent to them;
    - ``failed(error)``: a permanent error for this message only (e.g. malformed, chat gone).
    """

    outcome: Outcome
    seconds: float = 0.0
    error: str = ""

    @classmethod
    def delivered(cls) -> SendOutcome:
        """The platform accepted the message."""
        return cls(Outcome.DELIVERED)

    @classmethod
    def retry_after(cls, seconds: float) -> SendOutcome:
        """Rate-limited: try again after ``seconds``."""
        return cls(Outcome.RETRY_AFTER, seconds=seconds)

    @classmethod
    def transient(cls, error: str) -> SendOutcome:
        """A failure worth retrying later."""
        return cls(Outcome.TRANSIENT, error=error)

    @classmethod
    def blocked(cls, error: str = "blocked") -> SendOutcome:
        """The user blocked the bot: stop sending to them."""
        return cls(Outcome.BLOCKED, error=error)

    @classmethod
    def failed(cls, error: str) -> SendOutcome:
        """A permanent failure of this message."""
        return cls(Outcome.FAILED, error=error)


class OutboxSender(Protocol):
    """What a platform adapter implements so that unprompted messages can be sent.

    ``idempotency_key`` is stable across retries and restarts: an adapter whose platform can
    deduplicate (Matrix: use it as the transaction id of ``PUT /send``) must pass it on.
    The sender must not raise for platform errors; it maps them to a :class:`SendOutcome`.
    """

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Send one message to ``chat`` and report how it went."""
