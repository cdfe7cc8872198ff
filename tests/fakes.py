"""Hand-written fakes for the ports of ``handlers/`` (no mocks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from catalog.understanding.query import Intent, Query
from handlers.events import Profile, UserId


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
