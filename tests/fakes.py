"""Hand-written fakes for the ports of ``handlers/`` (no mocks)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from catalog.understanding.query import Intent, Query
from handlers.events import ChatId, Profile, Reply, UserId
from handlers.ports import Outcome, SendOutcome
from handlers.reminder_plan import Subscription


class InMemoryProfiles:
    """A ProfileStore that keeps profiles in a dict."""

    def __init__(self) -> None:
        self.profiles: dict[UserId, Profile] = {}

    async def get(self, user: UserId) -> Profile | None:
        return self.profiles.get(user)

    async def save(self, profile: Profile) -> None:
        self.profiles[profile.user] = profile

    async def delete(self, user: UserId) -> None:
        self.profiles.pop(user, None)


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class ScriptedUnderstander:
    """Understands exactly the texts a test scripts, in the language the test says.

    Unscripted texts are an ``activities`` question with no constraints in the saved or
    hinted language (English otherwise).
    """

    script: dict[str, Query] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def understand(
        self,
        text: str,
        *,
        now: datetime,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Query:
        self.seen.append(text)
        if text in self.script:
            return self.script[text]
        intent: Intent = "activities"
        return Query(language=saved_language or platform_hint or "en", intent=intent)


@dataclass
class FakeSleep:
    """An async sleep that moves a :class:`FixedClock` instead of waiting."""

    clock: FixedClock
    slept: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)


@dataclass
class RecordingSender:
    """An OutboxSender that records every attempt with the clock's time.

    ``script`` maps an idempotency key to the outcomes of its successive attempts (the last
    one repeats); unscripted keys are delivered.
    """

    clock: FixedClock
    script: dict[str, list[SendOutcome]] = field(default_factory=dict)
    attempts: list[tuple[datetime, ChatId, str]] = field(default_factory=list)
    delivered: list[tuple[datetime, ChatId, str, Reply]] = field(default_factory=list)

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        self.attempts.append((self.clock.now, chat, idempotency_key))
        outcomes = self.script.get(idempotency_key)
        outcome = SendOutcome.delivered()
        if outcomes:
            outcome = outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]
        if outcome.outcome is Outcome.DELIVERED:
            self.delivered.append((self.clock.now, chat, idempotency_key, reply))
        return outcome


class InMemoryListener:
    """A SubscriptionListener that records what it was told."""

    def __init__(self) -> None:
        self.changed: list[UserId] = []
        self.forgotten_users: list[UserId] = []

    async def subscriptions_changed(self, user: UserId) -> None:
        self.changed.append(user)

    async def forgotten(self, user: UserId) -> None:
        self.forgotten_users.append(user)


class InMemorySubscriptions:
    """A SubscriptionStore in a dict, with ids counted from 1."""

    def __init__(self) -> None:
        self.rows: dict[int, Subscription] = {}
        self._next = 1

    async def add(self, subscription: Subscription) -> Subscription:
        for number, existing in self.rows.items():
            if existing.user == subscription.user and existing.target == subscription.target:
                stored = replace(existing, leads=subscription.leads, chat=subscription.chat)
                self.rows[number] = stored
                return stored
        stored = replace(subscription, id=self._next)
        self.rows[self._next] = stored
        self._next += 1
        return stored

    async def get(self, subscription_id: int) -> Subscription | None:
        return self.rows.get(subscription_id)

    async def for_user(self, user: UserId) -> list[Subscription]:
        return [s for _, s in sorted(self.rows.items()) if s.user == user]

    async def remove(self, user: UserId, subscription_id: int) -> Subscription | None:
        found = self.rows.get(subscription_id)
        if found is None or found.user != user:
            return None
        del self.rows[subscription_id]
        return found

    async def remove_all(self, user: UserId) -> int:
        mine = [n for n, s in self.rows.items() if s.user == user]
        for number in mine:
            del self.rows[number]
        return len(mine)
